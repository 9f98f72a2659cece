"""Programme office and Gestaltungskreise (issue 24, docs/programme.md); mounted at /programm/."""

from django.urls import path

from . import views

app_name = "programme"

urlpatterns = [
    path("", views.portfolio, name="portfolio"),
    path("statusbericht.pdf", views.report_pdf, name="report"),
    path("projekt/neu/", views.project_edit, name="project_new"),
    path("projekt/<slug:key>/", views.project, name="project"),
    path("projekt/<slug:key>/bearbeiten/", views.project_edit, name="project_edit"),
    path("projekt/<slug:key>/meilenstein/", views.milestone_add, name="milestone_add"),
    path("projekt/<slug:key>/meilenstein/<int:pk>/", views.milestone_done, name="milestone_done"),
    path("projekt/<slug:key>/risiko/", views.risk_add, name="risk_add"),
    path("projekt/<slug:key>/risiko/<int:pk>/loeschen/", views.risk_delete, name="risk_delete"),
    path("kreise/", views.circles, name="circles"),
    path("kreise/<slug:slug>/", views.circle, name="circle"),
    path("kreise/<slug:slug>/massnahme/", views.measure_add, name="measure_add"),
    path("kreise/<slug:slug>/massnahme/<int:pk>/", views.measure_edit, name="measure_edit"),
    path("kreise/<slug:slug>/sitzung/", views.meeting_add, name="meeting_add"),
]
