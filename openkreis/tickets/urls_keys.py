"""/hatix/schluessel.json and /hatix/sperrliste.json (owner T1: codec and keys)."""

from django.urls import path

from . import views_keys

urlpatterns = [
    path("schluessel.json", views_keys.trust_list, name="trust_list"),
    path("sperrliste.json", views_keys.revocation_list, name="revocation_list"),
]
