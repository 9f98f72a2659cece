"""The survey editor for the county's and municipalities' staff (P1): /beteiligung/verwaltung/."""

from django.urls import path

from . import staff_views as views

S = "verwaltung/<int:pk>/"

urlpatterns = [
    path("verwaltung/", views.home, name="staff_home"),
    path("verwaltung/neu/", views.survey_new, name="staff_survey_new"),
    path(S, views.survey_detail, name="staff_survey"),
    path(S + "einstellungen/", views.survey_edit, name="staff_survey_edit"),
    path(S + "vorschau/", views.preview, name="staff_preview"),
    path(S + "veroeffentlichen/", views.publish, name="staff_publish"),
    path(S + "schliessen/", views.close, name="staff_close"),
    path(S + "kopieren/", views.duplicate, name="staff_duplicate"),
    path(S + "loeschen/", views.delete, name="staff_delete"),
    path(S + "archivieren/", views.archive, name="staff_archive"),
    path(S + "frage/neu/", views.question_add, name="staff_question_add"),
    path(S + "frage/<int:qid>/", views.question_edit, name="staff_question"),
    path(S + "frage/<int:qid>/verschieben/", views.question_move, name="staff_question_move"),
    path(S + "frage/<int:qid>/loeschen/", views.question_delete, name="staff_question_delete"),
    path(S + "frage/<int:qid>/antwort/neu/", views.option_add, name="staff_option_add"),
    path(S + "antwort/<int:oid>/", views.option_edit, name="staff_option"),
    path(S + "antwort/<int:oid>/verschieben/", views.option_move, name="staff_option_move"),
    path(S + "antwort/<int:oid>/loeschen/", views.option_delete, name="staff_option_delete"),
]
