"""Doctor slots and holiday rooms (/freie-termine/…): practices and hosts publish, residents
book or ask (docs/capacity.md)."""

from django.urls import path

from . import provider_views as views

app_name = "providers"

urlpatterns: list = [
    path("", views.index, name="index"),
    path("arzttermine/", views.slots, name="slots"),
    path("arzttermine/<int:slot_id>/buchen/", views.book, name="book"),
    path("termin/<str:token>/", views.booking, name="booking"),
    path("termin/<str:token>/termin.ics", views.booking_ics, name="booking_ics"),
    path("praxis/<slug:key>/warteliste/", views.waitlist, name="waitlist"),
    path("ferienzimmer/", views.rooms, name="rooms"),
    path("ferienzimmer/<int:room_id>/anfrage/", views.room_request, name="room_request"),
    path("verwalten/", views.mine, name="mine"),
    path("verwalten/praxis/<slug:key>/", views.practice_manage, name="practice_manage"),
    path("verwalten/unterkunft/<slug:key>/", views.host_manage, name="host_manage"),
]
