from django.urls import path

from . import views_imports

# /einkaufen/haendler/<slug>/artikel/… (namespace marketplace): the shop's products, the CSV
# imports of products and stock, a sample file (M3)
urlpatterns = [
    path("haendler/<slug:slug>/artikel/", views_imports.products, name="backoffice_products"),
    path(
        "haendler/<slug:slug>/artikel/import/",
        views_imports.product_import,
        name="backoffice_products_import",
    ),
    path(
        "haendler/<slug:slug>/artikel/bestand/",
        views_imports.stock_import,
        name="backoffice_stock_import",
    ),
    path(
        "haendler/<slug:slug>/artikel/vorlage.csv",
        views_imports.sample,
        name="backoffice_products_sample",
    ),
]
