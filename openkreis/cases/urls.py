from django.urls import path

from . import views

app_name = "cases"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("vorgang/<int:pk>/", views.case_detail, name="case"),
    path("vorgang/<int:pk>/schritt/", views.step, name="step"),
    path("vorgang/<int:pk>/nachfordern/", views.request_documents, name="request"),
    path("vorgang/<int:pk>/entscheiden/", views.decide, name="decide"),
    path("vorgang/<int:pk>/abgeben/", views.hand_over, name="handover"),
    path(
        "vorgang/<int:pk>/zustellung/<int:delivery_pk>/erneut/",
        views.retry_delivery,
        name="retry_delivery",
    ),
    path("vorgang/<int:pk>/gerichtsakte/", views.court_file, name="court"),
    path("dokument/<int:version_pk>/", views.download, name="download"),
    path("zuweisen/", views.assign, name="assign"),
    path("protokoll/", views.audit_trail, name="audit"),
    path(
        "protokoll/quarantaene/<int:version_pk>/",
        views.quarantined_original,
        name="quarantined_original",
    ),
]
