from django.urls import path

from . import views_search

# /einkaufen/ (namespace marketplace): the start page and "Wo bekomme ich …?" (M1)
urlpatterns = [
    path("", views_search.index, name="index"),
    path("suche/", views_search.results, name="search"),
]
