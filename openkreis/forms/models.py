"""Data and invariants of the forms app."""
