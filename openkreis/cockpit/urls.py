from django.urls import path

from .views.dashboard import alerts, dashboard, factsheet, process
from .views.directory import directory_figures
from .views.exports import export
from .views.imports import import_detail, import_report, import_status, imports
from .views.kita import kita_figures
from .views.learning import learning_figures
from .views.marketplace import marketplace_figures
from .views.public import help_page, transparency
from .views.reports import report_figures, report_figures_csv
from .views.tickets import ticket_figures
from .views_participation import participation_figures

app_name = "cockpit"

urlpatterns = [
    path("", dashboard, name="dashboard"),
    path("export/<slug:name>.<slug:fmt>", export, name="export"),
    path("prozess/<slug:service>/", process, name="process"),
    path("steckbrief/<slug:service>.pdf", factsheet, name="factsheet"),
    path("warnungen/", alerts, name="alerts"),
    path("maengelmelder/", report_figures, name="reports"),
    path("maengelmelder.csv", report_figures_csv, name="reports-csv"),
    path("kita/", kita_figures, name="kita"),
    path("hatix/", ticket_figures, name="tickets"),
    path("beteiligung/", participation_figures, name="participation"),
    path("kompass/", directory_figures, name="directory"),
    path("einkaufen/", marketplace_figures, name="marketplace"),
    path("digital/", learning_figures, name="learning"),
    path("import/", imports, name="imports"),
    path("import/<int:pk>/", import_detail, name="import"),
    path("import/<int:pk>/status.json", import_status, name="import-status"),
    path("import/<int:pk>/bericht.csv", import_report, name="import-report"),
    path("hilfe/", help_page, name="help"),
    path("transparenz/", transparency, name="transparency"),
]
