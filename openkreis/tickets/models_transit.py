"""GTFS timetable data for the guest's day planning (docs/tickets.md). Filled by the GTFS
import (tickets/transit.py); the demo feed is tenants/harz/gtfs/ (demo data)."""

from __future__ import annotations

__all__: list[str] = []
