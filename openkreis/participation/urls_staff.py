"""The survey editor for the county's and municipalities' staff (P1): /beteiligung/verwaltung/."""

from django.urls import path

from . import staff_views as views

urlpatterns = [
    path("verwaltung/", views.home, name="staff_home"),
]
