"""Test data for the directory app (each helper adds functions at the end of its own block)."""
