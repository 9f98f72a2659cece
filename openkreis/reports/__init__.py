"""Mängelmelder: residents report defects in public space (potholes, street lights, waste,
…); reports are routed by category and area to the unit that must fix them; Open311
GeoReport v2 for other apps (issue 17)."""
