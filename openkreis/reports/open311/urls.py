from django.urls import re_path

from openkreis.core.api.schema import openapi_documents

from . import schema, views

# the endpoints' description joins the project's OpenAPI schema (/api/schema/)
if "open311" not in openapi_documents:
    openapi_documents.register("open311", schema.document)

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
    # everything else, a newline in the path too (the spec's 404, not the site's page)
    re_path(r"^(?P<rest>(?s:.*))$", views.not_found),
]
