from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("postfach/", views.mailbox, name="mailbox"),
    path("postfach/gelesen/", views.mark_all_read, name="mark-all-read"),
    path("postfach/<uuid:pk>/", views.message, name="message"),
    path("postfach/vorgang/<int:case_id>/", views.case_thread, name="case-thread"),
    path("postfach/anlage/<uuid:pk>/", views.attachment, name="attachment"),
    path("daten/", views.data_export, name="data"),
    path("loeschen/", views.delete_account, name="delete"),
    path("firmen/", views.companies, name="companies"),
    path("firmen/<uuid:pk>/", views.company, name="company"),
    path("firmen/einladung/<str:token>/", views.invitation, name="invitation"),
]
