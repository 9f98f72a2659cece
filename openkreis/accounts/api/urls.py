from django.urls import include, path
from rest_framework.routers import SimpleRouter

from .views import MessageViewSet

router = SimpleRouter()
router.register("messages", MessageViewSet, basename="message")

urlpatterns = [path("", include(router.urls))]
