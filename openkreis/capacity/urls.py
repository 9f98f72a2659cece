from django.urls import path

from . import views

app_name = "capacity"

urlpatterns = [
    path("freie-plaetze/", views.free_places, name="free_places"),
]
