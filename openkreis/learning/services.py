"""Digitaler Führerschein and Digitale Werkstatt services: the entry points other code and
tests use (docs/learning.md). Each part keeps its own module: courses.py and quiz.py (modules,
lessons, quiz scoring), groups.py (groups and teachers), live.py (live quiz), certificates.py
(PDF and verifiable credential), werkstatt.py (advice offers and requests)."""
