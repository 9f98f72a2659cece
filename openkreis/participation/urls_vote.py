"""Taking part (P2): the start page, a survey, its questionnaire, thanks and receipts."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.index, name="index"),
    path("umfragen/<slug:key>/", views.survey_page, name="survey"),
    path("umfragen/<slug:key>/fragen/", views.questionnaire, name="questionnaire"),
    path("umfragen/<slug:key>/danke/", views.thanks, name="thanks"),
    path("umfragen/<slug:key>/belege/", views.receipt_list, name="receipts"),
    path("umfragen/<slug:key>/belege.txt", views.receipt_text, name="receipts_text"),
]
