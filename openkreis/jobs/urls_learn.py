"""Bildung & Arbeit for learners (J1): start page, offers, the interest test."""

from django.urls import path

from . import views_learn as views

urlpatterns = [
    path("", views.index, name="index"),
    path("angebote/", views.offers, name="offers"),
    path("angebote/<slug:slug>/", views.offer, name="offer"),
    path("interessen/", views.interest_test, name="interest"),
    path("interessen/ergebnis/", views.interest_result, name="interest_result"),
    path("interessen/speichern/", views.interest_save, name="interest_save"),
    path("interessen/gespeichert/", views.interest_saved, name="interest_saved"),
    path(
        "interessen/gespeichert/<int:pk>/loeschen/",
        views.interest_delete,
        name="interest_delete",
    ),
]
