from django.urls import include, path

app_name = "tickets"

# /hatix/ (openkreis/urls.py). Each part keeps its own URL module:
urlpatterns = [
    # trust list (public keys) and revocation list for offline checks: urls_keys.py (T1)
    path("", include("openkreis.tickets.urls_keys")),
    # hosts' stays, the guest wallet, the ticket office: urls_hosts.py (T2)
    path("", include("openkreis.tickets.urls_hosts")),
    # the inspector PWA and the HarzCard attraction desk: urls_inspector.py (T3)
    path("", include("openkreis.tickets.urls_inspector")),
    # the guest's day planning (bus departures, hiking routes): urls_plan.py (T4)
    path("", include("openkreis.tickets.urls_plan")),
]
