"""Channels into cases: online submission, paper scan with OCR, counter."""
