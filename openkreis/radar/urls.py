"""OZG-Radar, maturity self-assessment and the Musterkommune's rollout (issue 24, docs/radar.md)."""

from django.urls import path

from . import views

app_name = "radar"

urlpatterns = [
    path("", views.online, name="online"),
    path("musterkommune/", views.musterkommune, name="musterkommune"),
    path("radar/", views.radar, name="radar"),
    path("radar/import/", views.import_upload, name="import_upload"),
    path("radar/import/<int:pk>/", views.import_mapping, name="import_mapping"),
    path("radar/import/<int:pk>/bericht/", views.import_report, name="import_report"),
    path("radar/rollout/", views.rollout_edit, name="rollout_edit"),
    path("radar/rollout/<int:site_pk>/<int:service_pk>/", views.rollout_set, name="rollout_set"),
    path("radar/leistung/<slug:slug>/", views.detail, name="detail"),
    path("radar/leistung/<slug:slug>/bewertung/", views.assess, name="assess"),
    path("radar/leistung/<slug:slug>/entscheidung/", views.decide, name="decide"),
    path("reifegrad/", views.maturity_home, name="maturity"),
    path("reifegrad/<int:pk>/", views.maturity_org, name="maturity_org"),
    path("reifegrad/<int:pk>/neu/", views.maturity_new, name="maturity_new"),
]
