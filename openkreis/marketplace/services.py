"""Einkaufen im Harz services: the entry points other code and tests use (docs/marketplace.md).
Each part keeps its own module: search.py (product search), shops.py (profiles, approval,
window sheet), imports.py (product and stock lists), reservations.py (click & collect),
loyalty.py (points ledger and settlements)."""
