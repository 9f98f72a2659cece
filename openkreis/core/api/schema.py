"""The OpenAPI schema documents every answer an endpoint really gives (issue 16): besides its
success answer, the errors it can answer with, each with the body the exception handler
(`openkreis.core.api.exception_handler`) writes:

- 400 `ValidationError` ({field: [messages]}) for every operation: a wrong parameter or
  field, and for all of them a NUL character in the query (`base.ApiView`);
- 403 `Error` ({"detail": message}) when a permission other than AllowAny guards it, or it
  is an unsafe method on a session (CSRF). Session authentication has no WWW-Authenticate
  challenge, so "not logged in" is a 403 as well, never a 401;
- 404 `Error` when the path names an object, or the view lists 404 in `error_statuses`
  (e.g. the catalogue answers 404 while no county data is loaded);
- 415 `Error` when it takes a request body (in a media type it does not parse);
- 429 `Error` when the view is throttled: it keeps the project's default throttle classes
  (production limits anonymous callers) or sets its own.

Every view of the API gets it from `openkreis.core.api.base.ApiView`.

Endpoints that are plain Django views because they speak another specification's formats
(the Mängelmelder's Open311 GeoReport v2: XML and JSON, its own error list) describe
themselves by hand and register that description in `openapi_documents`, a port of core
that `ApiSchemaGenerator` merges into the schema (/api/schema/ and the docs page).
"""

from __future__ import annotations

from collections.abc import Callable

from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import ResolvedComponent
from rest_framework import permissions
from rest_framework.authentication import SessionAuthentication
from rest_framework.views import APIView

from openkreis.core.registry import Registry

UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}

ERROR = {
    "type": "object",
    "properties": {"detail": {"type": "string", "description": "What went wrong, for people."}},
    "required": ["detail"],
}
VALIDATION_ERROR = {
    "type": "object",
    "description": "Each wrong parameter or field (or `detail` for the request as a whole) "
    "with its messages, in the caller's language.",
    "additionalProperties": {"type": "array", "items": {"type": "string"}},
}
DESCRIPTIONS = {
    400: "Invalid parameter or field (or a NUL character in the query)",
    403: "Not logged in, missing second factor or role, or CSRF check failed",
    404: "No such object (or not yours)",
    415: "The request body is in a media type this operation does not take",
    429: "Too many requests: try again later",
}


class ApiSchema(AutoSchema):
    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        responses = operation.setdefault("responses", {})
        for status in sorted(self.error_statuses(operation)):
            responses.setdefault(str(status), self._error_response(status))
        return operation

    def error_statuses(self, operation: dict) -> set[int]:
        view, method = self.view, self.method.upper()
        statuses = {400, *getattr(view, "error_statuses", ())}
        parameters = operation.get("parameters", [])
        if "requestBody" in operation:
            statuses.add(415)
        guarded = any(
            not isinstance(permission, permissions.AllowAny)
            for permission in view.get_permissions()
        )
        session = any(
            isinstance(authenticator, SessionAuthentication)
            for authenticator in view.get_authenticators()
        )
        if guarded or (session and method in UNSAFE_METHODS):
            statuses.add(403)
        if any(p["in"] == "path" for p in parameters):
            statuses.add(404)
        # The project's default throttle classes are inherited by identity: production sets
        # them (the test settings leave them empty), so the contract names the 429.
        if type(view).throttle_classes is APIView.throttle_classes or view.throttle_classes:
            statuses.add(429)
        return statuses

    def _error_response(self, status: int) -> dict:
        name, schema = ("ValidationError", VALIDATION_ERROR) if status == 400 else ("Error", ERROR)
        component = ResolvedComponent(
            name=name, type=ResolvedComponent.SCHEMA, object=name, schema=schema
        )
        self.registry.register_on_missing(component)
        return {
            "description": DESCRIPTIONS[status],
            "content": {"application/json": {"schema": component.ref}},
        }


# A port: a callable per API described by hand, returning an OpenAPI fragment {"paths": {…},
# "components": {"schemas": {…}}, "tags": […]}. Registered by the app that owns the
# endpoints (Open311: when its URLconf is loaded, which the generator walks first).
openapi_documents: Registry[Callable[[], dict]] = Registry("openapi documents")


class ApiSchemaGenerator(SchemaGenerator):
    """drf-spectacular's generator, plus the fragments of `openapi_documents` (their paths,
    components and tags; a name that exists already is a programming error)."""

    def get_schema(self, request=None, public=False):
        schema = super().get_schema(request=request, public=public)
        if schema is None:
            return schema
        for document_id, document in openapi_documents.items():
            fragment = document()
            for section, target in (
                (fragment.get("paths", {}), schema.setdefault("paths", {})),
                (
                    fragment.get("components", {}).get("schemas", {}),
                    schema.setdefault("components", {}).setdefault("schemas", {}),
                ),
            ):
                clash = set(section) & set(target)
                if clash:
                    raise ValueError(f"{document_id}: already in the schema: {sorted(clash)}")
                target.update(section)
            if fragment.get("tags"):
                schema.setdefault("tags", []).extend(fragment["tags"])
        return schema
