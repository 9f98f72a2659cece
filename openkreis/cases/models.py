"""Data and invariants of the cases app."""
