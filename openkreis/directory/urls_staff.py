"""Harz-Kompass editors (/kompass/redaktion/, role directory_editor, password + TOTP) and the
open data of the places (/kompass/daten/): D6."""

from django.urls import path

from . import opendata, views_staff

urlpatterns = [
    path("redaktion/", views_staff.staff_home, name="staff_home"),
    path("redaktion/neu/", views_staff.place_new, name="staff_place_new"),
    path("redaktion/ort/<int:pk>/", views_staff.place_edit, name="staff_place"),
    path(
        "redaktion/ort/<int:pk>/veroeffentlichen/",
        views_staff.place_publish,
        name="staff_place_publish",
    ),
    path("redaktion/ort/<int:pk>/foto/", views_staff.photo_add, name="staff_photo_add"),
    path(
        "redaktion/ort/<int:pk>/foto/<int:photo>/loeschen/",
        views_staff.photo_delete,
        name="staff_photo_delete",
    ),
    path("redaktion/suchen/", views_staff.missed_searches, name="staff_missed"),
    path("redaktion/suchen/erledigt/", views_staff.missed_done, name="staff_missed_done"),
    path("daten/", opendata.index, name="opendata_index"),
    path("daten/orte.geojson", opendata.places_geojson, name="opendata_geojson"),
    path("daten/orte.csv", opendata.places_csv, name="opendata_csv"),
    path("daten/katalog.jsonld", opendata.catalogue, name="opendata_catalogue"),
]
