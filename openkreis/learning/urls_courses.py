from django.urls import path

from . import views_courses as views

# /digital/ (owner: L1): start page, modules, lessons, quizzes, my progress, large text
urlpatterns = [
    path("", views.index, name="index"),
    path("mein-fortschritt/", views.progress, name="progress"),
    path("schriftgroesse/", views.text_size, name="text_size"),
    path("module/<slug:slug>/", views.module, name="module"),
    path("module/<slug:slug>/quiz/", views.quiz_page, name="quiz"),
    path("module/<slug:slug>/quiz/<uuid:key>/", views.quiz_result, name="quiz_result"),
    path("module/<slug:slug>/<slug:lesson>/", views.lesson, name="lesson"),
]
