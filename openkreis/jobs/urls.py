from django.urls import include, path

app_name = "jobs"

# /bildung-arbeit/ (openkreis/urls.py). Each part keeps its own URL module:
urlpatterns = [
    # start page, offers, the interest test and its result: urls_learn.py (J1)
    path("", include("openkreis.jobs.urls_learn")),
    # job search, job pages, employer profiles and their jobs, moderation: urls_board.py (J2)
    path("", include("openkreis.jobs.urls_board")),
]
