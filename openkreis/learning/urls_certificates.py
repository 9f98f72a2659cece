from django.urls import path

from . import views_certificates as views

urlpatterns = [
    path("nachweis/", views.certificate, name="certificate"),
    path("nachweis/<uuid:key>/nachweis.pdf", views.certificate_pdf, name="certificate_pdf"),
    path("nachweis/<uuid:key>/nachweis.json", views.certificate_json, name="certificate_json"),
    path("nachweis/pruefen/", views.verify, name="verify"),
    path("nachweis/aussteller.json", views.issuer, name="issuer"),
    path("nachweis/statusliste.json", views.status_list, name="status_list"),
    path("verwaltung/nachweise/", views.office_certificates, name="office_certificates"),
]
