"""Data and invariants of the appointments app."""
