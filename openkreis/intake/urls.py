from django.urls import path

from . import views

app_name = "intake"

urlpatterns = [
    path("poststelle/", views.mail_room, name="mail_room"),
    path("poststelle/scan/<int:pk>/", views.job_detail, name="job"),
    path("schalter/", views.counter, name="counter"),
]
