"""Test data for the jobs app (each helper adds functions at the end of its own block)."""
