"""Distances for the day planning (stops near a place, places along a hiking route): the
county's one implementation in core.geo."""

from openkreis.core.geo import distance_m  # noqa: F401
