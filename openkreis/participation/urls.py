from django.urls import include, path

app_name = "participation"

# /beteiligung/ (openkreis/urls.py). Each part keeps its own URL module:
urlpatterns = [
    # the public start page, taking part in a survey, receipts: urls_vote.py (P2)
    path("", include("openkreis.participation.urls_vote")),
    # survey editor for the county's and municipalities' staff: urls_staff.py (P1)
    path("", include("openkreis.participation.urls_staff")),
    # results, CSV, open data; code letters: urls_results.py (P3)
    path("", include("openkreis.participation.urls_results")),
    # proposals, supports, comments, moderation, official answers: urls_proposals.py (P4)
    path("", include("openkreis.participation.urls_proposals")),
]
