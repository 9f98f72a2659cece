"""Frag den Landkreis: the service assistant (issue 25, docs/assistant.md)."""

from django.urls import path

from . import views

app_name = "assistant"

urlpatterns = [
    path("", views.index, name="index"),
    path("neu/", views.reset, name="reset"),
    path("weitergeben/", views.handover, name="handover"),
    path("weitergegeben/", views.handover_done, name="handover_done"),
    path("auswertung/", views.office, name="office"),
]
