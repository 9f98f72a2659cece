from django.urls import path

from . import views

app_name = "portal"

urlpatterns = [
    path("suche/", views.search, name="search"),
    path("leistungen/", views.service_list, name="services"),
    path("leistungen/<slug:slug>/", views.service_detail, name="service"),
    path("standorte/<slug:key>/", views.location_detail, name="location"),
    path("barriere-melden/", views.barrier_report, name="barrier_report"),
]
