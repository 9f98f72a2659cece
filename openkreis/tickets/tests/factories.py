"""Test data for the tickets app (owner: T2 hosts helper; others may add functions at the end)."""
