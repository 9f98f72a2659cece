from django.urls import path

from . import views

urlpatterns = [
    path("services/", views.ServicesView.as_view(), name="services"),
    path("offices/", views.OfficesView.as_view(), name="offices"),
    path("slots/", views.SlotsView.as_view(), name="slots"),
]
