from django.urls import path

from . import views_groups, views_office

# groups (join, teacher's view), teachers, learning office (L2, groups.py)
urlpatterns = [
    path("gruppe/", views_groups.group_join, name="group_join"),
    path("gruppe/<uuid:key>/verlassen/", views_groups.group_leave, name="group_leave"),
    path("lehrkraft/", views_groups.teacher_home, name="teacher"),
    path("lehrkraft/bewerben/", views_groups.teacher_apply, name="teacher_apply"),
    path("lehrkraft/gruppen/neu/", views_groups.group_new, name="group_new"),
    path("lehrkraft/gruppen/<uuid:key>/", views_groups.group_detail, name="group"),
    path(
        "lehrkraft/gruppen/<uuid:key>/lehrkraefte/",
        views_groups.group_teacher_add,
        name="group_teacher_add",
    ),
    path(
        "lehrkraft/gruppen/<uuid:key>/schliessen/",
        views_groups.group_archive,
        name="group_archive",
    ),
    path("verwaltung/", views_office.office, name="office"),
    path("verwaltung/lehrkraefte/<int:pk>/", views_office.office_teacher, name="office_teacher"),
]
