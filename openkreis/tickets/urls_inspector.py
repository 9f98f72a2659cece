"""The inspector app and the HarzCard desk (T3, views_inspector.py; docs/tickets.md "Checking",
"HarzCard")."""

from django.urls import path

from . import views_inspector as views

urlpatterns = [
    path("kontrolle/", views.inspector, name="inspector"),
    path("kontrolle/sw.js", views.inspector_sw, name="inspector_sw"),
    path("kontrolle/manifest.webmanifest", views.inspector_manifest, name="inspector_manifest"),
    path("kontrolle/api/token/", views.inspector_token, name="inspector_token"),
    path("kontrolle/api/pruefungen/", views.inspector_checks, name="inspector_checks"),
    path("harzcard/", views.attraction_home, name="attraction_home"),
    path("harzcard/sw.js", views.attraction_sw, name="attraction_sw"),
    path("harzcard/api/token/", views.attraction_token, name="attraction_token"),
    path("harzcard/api/eintritte/", views.attraction_entries, name="attraction_entries"),
    path("harzcard/statistik/", views.attraction_stats, name="attraction_stats"),
]
