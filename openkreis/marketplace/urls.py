from django.urls import include, path

app_name = "marketplace"

# /einkaufen/ (openkreis/urls.py). Each part keeps its own URL module:
urlpatterns = [
    # start page, "Wo bekomme ich …?" results, autocomplete: urls_search.py (M1)
    path("", include("openkreis.marketplace.urls_search")),
    # shop and product pages, window QR sheet, shop back office profile, county office:
    # urls_shops.py (M2)
    path("", include("openkreis.marketplace.urls_shops")),
    # product and stock CSV import (back office): urls_imports.py (M3)
    path("", include("openkreis.marketplace.urls_imports")),
    # reservations (customer and shop): urls_reservations.py (M4)
    path("", include("openkreis.marketplace.urls_reservations")),
    # loyalty card, shop till, settlements: urls_loyalty.py (M5)
    path("", include("openkreis.marketplace.urls_loyalty")),
]
