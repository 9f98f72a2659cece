"""Frag den Landkreis: the service assistant (issue 25, docs/assistant.md)."""
