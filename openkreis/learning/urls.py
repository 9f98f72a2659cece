from django.urls import include, path

app_name = "learning"

# /digital/ (openkreis/urls.py; /quiz/ redirects to the live quiz's join page). Each part keeps
# its own URL module:
urlpatterns = [
    # start page, modules, lessons, quizzes, my progress, large text: urls_courses.py (L1)
    path("", include("openkreis.learning.urls_courses")),
    # groups (join, teacher's view), teachers, learning office: urls_groups.py (L2)
    path("", include("openkreis.learning.urls_groups")),
    # live quiz (teacher's screen, join, answer): urls_live.py (L3)
    path("", include("openkreis.learning.urls_live")),
    # certificate (PDF, credential), verify page, issuer, status list: urls_certificates.py (L4)
    path("", include("openkreis.learning.urls_certificates")),
    # Digitale Werkstatt (offers, requests, bookings, guides): urls_werkstatt.py (L5)
    path("", include("openkreis.learning.urls_werkstatt")),
]
