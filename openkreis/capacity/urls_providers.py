"""Doctor slots and holiday rooms (/freie-termine/…): practices and hosts publish, residents
book or ask (docs/capacity.md)."""

from django.urls import path  # noqa: F401

app_name = "providers"

urlpatterns: list = []
