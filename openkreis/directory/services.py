"""Harz-Kompass services: the entry points other code and tests use (docs/directory.md).
Each part keeps its own module; this module names the ones meant for callers outside it."""
