from django.urls import include, path

from . import views

app_name = "capacity"

urlpatterns = [
    path("freie-plaetze/", views.free_places, name="free_places"),
    # the Eltern-Portal (parents with a citizen account): urls_parents.py
    path("", include("openkreis.capacity.urls_parents")),
    # Kita staff, municipality and county coordination: urls_staff.py
    path("verwaltung/", include("openkreis.capacity.urls_staff")),
]
