from django.urls import path

from . import fim_views, views

app_name = "forms"

urlpatterns = [
    path("meine/", views.mine, name="mine"),
    path("meine/<uuid:pk>/", views.detail, name="detail"),
    path("meine/<uuid:pk>/bewertung/", views.feedback, name="feedback"),
    path("a/<uuid:pk>/", views.resume, name="resume"),
    path("a/<uuid:pk>/seite/<slug:page>/", views.page, name="page"),
    path("a/<uuid:pk>/pruefen/", views.check, name="check"),
    path("a/<uuid:pk>/bezahlen/", views.pay, name="pay"),
    path("a/<uuid:pk>/absenden/", views.submit, name="submit"),
    path("a/<uuid:pk>/loeschen/", views.delete, name="delete"),
    path("a/<uuid:pk>/bestaetigung/", views.receipt, name="receipt"),
    path("a/<uuid:pk>/eingangsbestaetigung.pdf", views.receipt_pdf, name="receipt-pdf"),
    # staff: import a FIM schema (preview, report, confirm); before the service catch-all
    path("fim-import/", fim_views.fim_import, name="fim-import"),
    path("<slug:slug>/", views.start, name="start"),
]
