"""The API documentation page: an accessible, server-rendered list of the endpoints (works
without JavaScript, in the portal's frame and language), with Swagger UI below it for
those who want to try calls. Swagger UI is a third-party widget with known barriers; it is
contained in its own labelled region and named in the accessibility statement."""

from __future__ import annotations

from functools import lru_cache

from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularSwaggerView
from rest_framework.response import Response

from .schema import ApiSchemaGenerator

METHODS = ("get", "post", "put", "patch", "delete")
GROUP_LABELS = {
    "services": _("Services"),
    "organisations": _("Organisations and offices"),
    "regions": _("Municipalities and areas"),
    "search": _("Search"),
    "forms": _("Online applications"),
    "cases": _("Cases (eAkte)"),
    "accounts": _("Account and mailbox"),
    "appointments": _("Appointments"),
    "cockpit": _("Cockpit"),
    "maengelmelder": "Mängelmelder (Open311 GeoReport v2)",  # a name, the same in English
    "marketplace": _("Local shopping: stock of the shops"),
}


@lru_cache(maxsize=4)
def endpoint_groups(language: str) -> list[dict]:
    """The schema's operations grouped by tag: [{tag, operations: [{method, path, summary}]}].

    The schema depends only on the code and the language, so it is built once per process."""
    schema = ApiSchemaGenerator().get_schema(request=None, public=True)
    groups: dict[str, list[dict]] = {}
    for path, item in sorted(schema.get("paths", {}).items()):
        for method in METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            tag = _group_of(path)
            groups.setdefault(tag, []).append(
                {
                    "method": method.upper(),
                    "path": path,
                    # break a long path on a phone only after a slash
                    "parts": [part + "/" for part in path.rstrip("/").split("/")],
                    "summary": operation.get("summary") or operation.get("description", ""),
                }
            )
    order = list(GROUP_LABELS)
    return [
        {"tag": tag, "label": str(GROUP_LABELS.get(tag, tag)), "operations": ops}
        for tag, ops in sorted(
            groups.items(), key=lambda item: order.index(item[0]) if item[0] in order else 99
        )
    ]


def _group_of(path: str) -> str:
    """/api/v1/cases/… → "cases"; the catalogue's own endpoints (/api/v1/services/…) too;
    /maengelmelder/open311/v2/… → "maengelmelder"."""
    parts = [part for part in path.split("/") if part and part not in ("api", "v1")]
    return parts[0] if parts else "api"


class ApiDocsView(SpectacularSwaggerView):
    template_name = "core/api_docs.html"

    @extend_schema(exclude=True)
    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        assert isinstance(response, Response)
        response.data["endpoint_groups"] = endpoint_groups(get_language() or "de")
        return response


def only_our_api(endpoints, **kwargs):
    """drf-spectacular preprocessing hook: the schema documents /api/ only. Wagtail's admin
    API (/admin/api/…) is internal to the editors' interface and not part of the open API."""
    return [endpoint for endpoint in endpoints if endpoint[0].startswith("/api/")]
