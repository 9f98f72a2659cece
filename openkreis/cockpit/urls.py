from django.urls import path

from . import views

app_name = "cockpit"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("export/<slug:name>.<slug:fmt>", views.export, name="export"),
    path("prozess/<slug:service>/", views.process, name="process"),
    path("steckbrief/<slug:service>.pdf", views.factsheet, name="factsheet"),
    path("warnungen/", views.alerts, name="alerts"),
    path("import/", views.imports, name="imports"),
    path("import/<int:pk>/", views.import_detail, name="import"),
    path("import/<int:pk>/status.json", views.import_status, name="import-status"),
    path("hilfe/", views.help_page, name="help"),
    path("transparenz/", views.transparency, name="transparency"),
]
