"""The Steuerungs-Cockpit: KPIs from the event log, alerts, feedback, charts, open data."""
