from django.urls import include, path
from rest_framework.routers import SimpleRouter

from .views import FormDefinitionViewSet, MyApplicationViewSet

router = SimpleRouter()
router.register("definitions", FormDefinitionViewSet, basename="definition")
router.register("applications", MyApplicationViewSet, basename="application")

urlpatterns = [path("", include(router.urls))]
