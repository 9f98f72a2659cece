from django.urls import path

from . import api

# /api/v1/marketplace/ (namespace marketplace-api): the shops' stock API (M3)
urlpatterns = [path("stock/", api.StockView.as_view(), name="stock")]
