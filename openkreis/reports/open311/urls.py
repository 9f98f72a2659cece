from django.urls import re_path

from . import views

FMT = r"\.(?P<fmt>json|xml)$"

urlpatterns = [
    re_path(r"^services" + FMT, views.service_list, name="open311-services"),
    re_path(r"^services/(?P<code>[^/]+)" + FMT, views.service_definition, name="open311-service"),
    re_path(r"^requests" + FMT, views.requests_, name="open311-requests"),
    re_path(
        r"^requests/(?P<service_request_id>[^/]+)" + FMT,
        views.request_detail,
        name="open311-request",
    ),
    re_path(r"^tokens/(?P<token_id>[^/]+)" + FMT, views.token, name="open311-token"),
    re_path(r"^servicerequestupdates" + FMT, views.request_updates, name="open311-updates"),
    re_path(r"^(?P<rest>.*)$", views.not_found),
]
