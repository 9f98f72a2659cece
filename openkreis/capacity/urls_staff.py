"""Staff pages (/kita/verwaltung/): Kitas, municipalities and the county (staff_views.py)."""

from django.urls import path

from . import staff_views

urlpatterns = [
    path("", staff_views.home, name="staff_home"),
    path("kita/<slug:key>/", staff_views.kita, name="staff_kita"),
    path("antraege/", staff_views.applications, name="staff_applications"),
    path("antraege/<int:pk>/", staff_views.application, name="staff_application"),
    path("runden/", staff_views.rounds, name="staff_rounds"),
    path("runden/<int:pk>/", staff_views.round_detail, name="staff_round"),
    path("warteliste/", staff_views.waiting, name="staff_waiting"),
]
