"""Results, CSV, open data; code letters (owner: P3)."""

from django.urls import path

from . import views_letters, views_results

urlpatterns = [
    path("umfragen/<slug:key>/ergebnisse/", views_results.survey_results, name="results"),
    path(
        "umfragen/<slug:key>/ergebnisse.csv", views_results.survey_results_csv, name="results_csv"
    ),
    path("umfragen/<slug:key>/ergebnisse.jsonld", views_results.survey_dcat, name="results_dcat"),
    path("opendata/katalog.jsonld", views_results.catalogue, name="opendata_catalogue"),
    path("verwaltung/<slug:key>/briefe/", views_letters.letter_batches, name="letters"),
    path("verwaltung/<slug:key>/briefe/<int:pk>/", views_letters.letters_done, name="letters_done"),
    path(
        "verwaltung/<slug:key>/briefe/<int:pk>/codebriefe.<slug:kind>",
        views_letters.letters_file,
        name="letters_file",
    ),
]
