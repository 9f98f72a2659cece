"""Digitale Werkstatt (L5): offers, requests, the user's requests. Guides are Wagtail pages."""

from django.urls import path

from . import views_werkstatt as views

urlpatterns = [
    path("werkstatt/", views.index, name="werkstatt"),
    path("werkstatt/meine-anfragen/", views.mine, name="werkstatt_mine"),
    path("werkstatt/<slug:slug>/", views.offer, name="werkstatt_offer"),
    path("werkstatt/<slug:slug>/anfrage/", views.request_form, name="werkstatt_request"),
]
