"""Data and invariants of the accounts app."""
