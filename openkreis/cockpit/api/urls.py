from django.urls import path

from openkreis.cockpit import views

urlpatterns = [
    path("open-data.<slug:fmt>", views.open_data, name="open-data"),
    path("dcat.jsonld", views.dcat, name="dcat"),
]
