"""Live quiz (L3): the teacher's screen under /digital/live/, the learner's under /digital/quiz/
(/quiz/ redirects to the join page)."""

from django.urls import path

from . import views_live

urlpatterns = [
    path("live/neu/", views_live.live_new, name="live_new"),
    path("live/<uuid:key>/", views_live.live_host, name="live_host"),
    path("live/<uuid:key>/status/", views_live.live_state, name="live_state"),
    path("live/<uuid:key>/ergebnis/", views_live.live_results, name="live_results"),
    path("quiz/", views_live.join, name="join"),
    path("quiz/<str:code>/", views_live.live_play, name="live_play"),
    path("quiz/<str:code>/status/", views_live.live_play_state, name="live_play_state"),
]
