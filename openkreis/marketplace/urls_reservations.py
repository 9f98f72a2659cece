"""Click & collect (M4): the customer's reservations and the shop's orders."""

from django.urls import path

from . import views_reservations as views

urlpatterns = [
    path(
        "geschaeft/<slug:slug>/artikel/<int:pk>/reservieren/",
        views.reserve,
        name="reserve",
    ),
    path("reservierungen/", views.my_reservations, name="my_reservations"),
    path("reservierungen/<uuid:key>/", views.reservation, name="reservation"),
    path("reservierungen/<uuid:key>/stornieren/", views.cancel, name="reservation_cancel"),
    path(
        "haendler/<slug:slug>/bestellungen/",
        views.backoffice_orders,
        name="backoffice_orders",
    ),
    path(
        "haendler/<slug:slug>/bestellungen/abholung/",
        views.backoffice_pickup,
        name="backoffice_pickup",
    ),
    path(
        "haendler/<slug:slug>/bestellungen/<uuid:key>/",
        views.backoffice_order,
        name="backoffice_order",
    ),
]
