from django.urls import path  # noqa: F401

app_name = "appointments"

urlpatterns: list = []
