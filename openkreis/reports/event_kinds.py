"""The Mängelmelder's event kinds (subject `report:<pk>`, data: category and area only).

These names belong in `openkreis/core/event_kinds.py` and `docs/events.md` (the project
keeps every kind there); until the core lists them they are defined here with the same
names and values, so moving them is a change of import only.
"""

REPORT_RECEIVED = "report.received"
REPORT_SUPPORTED = "report.supported"  # "Ich bin auch betroffen": one more person affected
REPORT_CONFIRMED = "report.confirmed"
REPORT_STATUS_CHANGED = "report.status_changed"  # in progress, action scheduled
REPORT_FIXED = "report.fixed"
REPORT_CLOSED = "report.closed"  # duplicate, not responsible, not reproducible
REPORT_REOPENED = "report.reopened"
REPORT_ASSIGNED = "report.assigned"
