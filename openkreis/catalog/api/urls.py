from django.urls import include, path
from rest_framework.routers import SimpleRouter

from openkreis.core.api.views import OrganisationViewSet, RegionViewSet

from .views import AutocompleteView, ServiceViewSet

router = SimpleRouter()
router.register("services", ServiceViewSet, basename="service")
router.register("organisations", OrganisationViewSet, basename="organisation")
router.register("regions", RegionViewSet, basename="region")

urlpatterns = [
    path("search/autocomplete/", AutocompleteView.as_view(), name="autocomplete"),
    path("", include(router.urls)),
]
