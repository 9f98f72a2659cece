"""Harz-Kompass places for residents (D2): start page, list, place page, map data, tiles."""

from django.urls import path

from . import views_places

urlpatterns = [
    path("", views_places.index, name="index"),
    path("orte/", views_places.places, name="places"),
    path("orte/karte.geojson", views_places.places_geojson, name="places_geojson"),
    path("orte/<slug:slug>/", views_places.place, name="place"),
    # the local placeholder background for the demo and tests (OPENKREIS_DIRECTORY_TILE_URL=local)
    path("kacheln/<int:z>/<int:x>/<int:y>.png", views_places.tile, name="tile"),
]
