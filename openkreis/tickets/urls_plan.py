"""The guest's day planning (T4): /hatix/ausflug/… (views_plan.py)."""

from django.urls import path

from . import views_plan

urlpatterns = [
    path("ausflug/", views_plan.plan_home, name="plan"),
    path("ausflug/haltestelle/<int:pk>/", views_plan.stop_departures, name="plan_stop"),
    path("ausflug/verbindung/", views_plan.connection, name="plan_connection"),
    path("ausflug/wandern/", views_plan.route_list, name="plan_routes"),
    path("ausflug/wandern/<slug:slug>/", views_plan.route_detail, name="plan_route"),
]
