"""The job board's URLs (under /bildung-arbeit/, namespace "jobs")."""

from django.urls import path

from . import views_board, views_employer, views_moderation

urlpatterns = [
    # public
    path("jobs/", views_board.jobs, name="jobs"),
    path("jobs/<uuid:key>/", views_board.job, name="job"),
    path("arbeitgeber/<slug:slug>/", views_board.employer, name="employer"),
    # company members: the employer profile and its postings
    path("stellenanzeigen/", views_employer.home, name="employer_home"),
    path(
        "stellenanzeigen/<uuid:company>/profil/",
        views_employer.profile,
        name="employer_profile",
    ),
    path("stellenanzeigen/<uuid:company>/neu/", views_employer.new_job, name="employer_new_job"),
    path("stellenanzeigen/stelle/<uuid:key>/", views_employer.edit_job, name="employer_job"),
    path(
        "stellenanzeigen/stelle/<uuid:key>/zurueckziehen/",
        views_employer.withdraw_job,
        name="employer_withdraw",
    ),
    # staff: moderation and the Jobcenter's offers
    path("moderation/", views_moderation.home, name="moderation_home"),
    path("moderation/stelle/<uuid:key>/", views_moderation.job, name="moderation_job"),
    path("moderation/jobcenter/neu/", views_moderation.jobcenter_new, name="jobcenter_new"),
    path(
        "moderation/jobcenter/<uuid:key>/", views_moderation.jobcenter_edit, name="jobcenter_edit"
    ),
    path(
        "moderation/jobcenter/<uuid:key>/zurueckziehen/",
        views_moderation.jobcenter_withdraw,
        name="jobcenter_withdraw",
    ),
]
