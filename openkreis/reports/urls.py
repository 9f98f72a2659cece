from django.urls import include, path

from . import map as maps
from . import views
from .feeds import reports_feed
from .followup import follow_up
from .mine import my_reports
from .offline import service_worker

app_name = "reports"

urlpatterns = [
    path("", views.public_list, name="list"),
    path("melden/", views.report_form, name="new"),
    path("melden/danke/<str:public_id>/", views.thanks, name="thanks"),
    path("meldung/<str:public_id>/", views.detail, name="detail"),
    path("meldung/<str:public_id>/betroffen/", views.affected, name="affected"),
    path("foto/<int:photo_id>/", views.photo, name="photo"),
    path("meine/", my_reports, name="mine"),
    # the four-week questionnaire "Ist der Mangel behoben?" (a link from a mail)
    path("rueckmeldung/<str:token>/", follow_up, name="follow_up"),
    path("feed/<str:area>.atom", reports_feed, name="feed"),
    path("offline-sw.js", service_worker, name="service_worker"),
    # maps and place search (reports/map.py)
    path("karte.geojson", maps.public_geojson, name="map_geojson"),
    path("gebiete.geojson", maps.outlines, name="map_outlines"),
    path("orte.json", maps.places, name="places"),
    path("bearbeitung/karte.geojson", maps.staff_geojson, name="staff_map_geojson"),
    path("bearbeitung/", views.inbox, name="inbox"),
    path("bearbeitung/<str:public_id>/", views.staff_detail, name="staff_detail"),
    # Open311 GeoReport v2 (docs/open311.md)
    path("open311/v2/", include("openkreis.reports.open311.urls")),
]
