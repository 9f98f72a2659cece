"""Test data for the participation app (owner: P1; others add functions at the end)."""
