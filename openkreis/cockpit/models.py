"""Data and invariants of the cockpit app."""
