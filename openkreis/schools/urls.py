from django.urls import path

from . import views

app_name = "schools"

urlpatterns = [
    path("", views.home, name="home"),
    path("einwilligung/<str:token>/", views.consent, name="consent"),
    path("<uuid:school_id>/", views.overview, name="overview"),
    path("<uuid:school_id>/antrag/neu/", views.new_application, name="new"),
    path("<uuid:school_id>/antrag/<uuid:application_id>/", views.application, name="application"),
]
