"""Proposals and their moderation (P4): /beteiligung/vorschlaege/…, /beteiligung/moderation/…"""

from django.urls import path

from . import views_proposals as views

urlpatterns = [
    path("vorschlaege/", views.proposal_list, name="proposals"),
    path("vorschlaege/neu/", views.proposal_new, name="proposal_new"),
    path("vorschlaege/meine/", views.my_proposals, name="my_proposals"),
    path("vorschlaege/<str:public_id>/", views.proposal_detail, name="proposal"),
    path("vorschlaege/<str:public_id>/foto/", views.proposal_photo, name="proposal_photo"),
    path(
        "vorschlaege/<str:public_id>/unterstuetzen/",
        views.proposal_support,
        name="proposal_support",
    ),
    path(
        "vorschlaege/<str:public_id>/kommentieren/",
        views.proposal_comment,
        name="proposal_comment",
    ),
    path("vorschlaege/<str:public_id>/melden/", views.proposal_abuse, name="proposal_abuse"),
    path("moderation/", views.moderation_home, name="moderation_home"),
    path(
        "moderation/<str:public_id>/",
        views.moderation_proposal,
        name="moderation_proposal",
    ),
]
