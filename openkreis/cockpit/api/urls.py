from django.urls import path

from openkreis.cockpit.views.public import dcat, open_data

urlpatterns = [
    path("open-data.<slug:fmt>", open_data, name="open-data"),
    path("dcat.jsonld", dcat, name="dcat"),
]
