from django.urls import include, path

app_name = "directory"

# /kompass/ (openkreis/urls.py). Each part keeps its own URL module:
urlpatterns = [
    # start page, place list and search, near me, place pages, the map: urls_places.py (D2)
    path("", include("openkreis.directory.urls_places")),
    # hiking routes: list, route page, GPX download, route sheet PDF: urls_routes.py (D3)
    path("", include("openkreis.directory.urls_routes")),
    # editors (staff_home, place editor, searches without result), open data: urls_staff.py (D6)
    path("", include("openkreis.directory.urls_staff")),
]
