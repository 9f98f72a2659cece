"""Loyalty URLs (M5): the customer's card, the shop's till and statements, the county
office's settlements."""

from django.urls import path, re_path

from . import views_loyalty as views

urlpatterns = [
    path("bonuskarte/", views.card, name="card"),
    path("haendler/<slug:slug>/kasse/", views.till, name="backoffice_till"),
    path("haendler/<slug:slug>/abrechnung/", views.settlements, name="backoffice_settlements"),
    re_path(
        r"^haendler/(?P<slug>[-\w]+)/abrechnung/(?P<month>\d{4}-\d{2})\.csv$",
        views.settlement_csv,
        name="backoffice_settlement_csv",
    ),
    path("verwaltung/abrechnung/", views.office_settlements, name="office_settlements"),
    re_path(
        r"^verwaltung/abrechnung/(?P<month>\d{4}-\d{2})\.csv$",
        views.office_settlements_csv,
        name="office_settlements_csv",
    ),
]
