from django.urls import path

from . import views

app_name = "appointments"

urlpatterns = [
    path("", views.start, name="start"),
    path("standort/", views.choose_location, name="location"),
    path("tag/", views.choose_day, name="day"),
    path("zeit/", views.choose_slot, name="slot"),
    path("reservieren/", views.hold_slot, name="hold"),
    path("angaben/<str:hold_key>/", views.details, name="details"),
    path("termin/<str:token>/", views.manage, name="manage"),
    path("termin/<str:token>/absagen/", views.cancel, name="cancel"),
    path("termin/<str:token>/verschieben/", views.move, name="move"),
    path("termin/<str:token>/termin.ics", views.calendar_file, name="ics"),
    path("meine/", views.my_appointments, name="mine"),
    path("kiosk/<slug:location>/", views.kiosk, name="kiosk"),
    path("kiosk/<slug:location>/ziehen/", views.draw, name="draw"),
    path("wartemarke/<str:token>/", views.ticket, name="ticket"),
    path("wartemarke/<str:token>/wartemarke.pdf", views.ticket_pdf, name="ticket_pdf"),
    path("anzeige/<slug:location>/", views.display, name="display"),
    path("anzeige/<slug:location>/aufrufe.json", views.display_json, name="display_json"),
    path("schalter/", views.counters, name="counters"),
    path("schalter/<int:pk>/", views.counter_page, name="counter"),
    path("schalter/<int:pk>/aktion/", views.counter_action, name="counter_action"),
]
