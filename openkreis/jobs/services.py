"""Bildung & Arbeit services: the entry points other code and tests use (docs/jobs.md)."""
