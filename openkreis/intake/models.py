"""Data and invariants of the intake app."""
