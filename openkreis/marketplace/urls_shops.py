from django.urls import path

from . import views_office, views_shops

# /einkaufen/… (namespace marketplace): shop pages, the back office's overview and profile,
# the registration, the county office (M2)
urlpatterns = [
    path("geschaefte/", views_shops.shop_list, name="shops"),
    path("geschaeft/<slug:slug>/", views_shops.shop_detail, name="shop"),
    path("geschaeft/<slug:slug>/artikel/<int:pk>/", views_shops.product_detail, name="product"),
    path("haendler/", views_shops.backoffice_start, name="backoffice_start"),
    path("haendler/anmelden/", views_shops.register, name="register"),
    path("haendler/<slug:slug>/", views_shops.backoffice, name="backoffice"),
    path("haendler/<slug:slug>/profil/", views_shops.backoffice_profile, name="backoffice_profile"),
    path("haendler/<slug:slug>/profil/foto/", views_shops.photo_add, name="backoffice_photo_add"),
    path(
        "haendler/<slug:slug>/profil/foto/<int:pk>/loeschen/",
        views_shops.photo_delete,
        name="backoffice_photo_delete",
    ),
    path("haendler/<slug:slug>/profil/schluessel/", views_shops.api_token, name="backoffice_token"),
    path("haendler/<slug:slug>/aushang.pdf", views_shops.window_sheet, name="window_sheet"),
    path("verwaltung/", views_office.office, name="office"),
    path(
        "verwaltung/geschaeft/<slug:slug>/status/", views_office.office_status, name="office_status"
    ),
    path("verwaltung/fehlende-suchen/", views_office.office_missed, name="office_missed"),
]
