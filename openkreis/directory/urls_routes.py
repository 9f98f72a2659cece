"""Harz-Kompass hiking routes (D3): list, route page, GPX download, route sheet (PDF)."""

from django.urls import path

from . import views_routes

urlpatterns = [
    path("wandern/", views_routes.route_list, name="routes"),
    path("wandern/<slug:slug>.gpx", views_routes.route_gpx, name="route_gpx"),
    path("wandern/<slug:slug>/", views_routes.route_detail, name="route"),
    path("wandern/<slug:slug>/blatt.pdf", views_routes.route_sheet, name="route_sheet"),
]
