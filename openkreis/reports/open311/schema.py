"""The Open311 GeoReport v2 endpoints in the project's OpenAPI schema (docs/open311.md).

The views are plain Django views (the spec's two formats and its error list, no DRF), so
they are described here by hand and merged by core's `ApiSchemaGenerator` through its port
`openapi_documents` (registered by `open311/urls.py`). Each path ends in `.{format}`
(`json` or `xml`, the OpenAPI specification's own example of a path with a format); each
answer is documented in both media types with the same structure, the XML with its element
names. `tests/api/test_schemathesis.py` attacks these operations like every other one.
"""

from __future__ import annotations

from copy import deepcopy

PREFIX = "/maengelmelder/open311/v2"
TAG = "maengelmelder"
JSON = "application/json"
XML = "text/xml"


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _nullable(kind: str = "string", **extra) -> dict:
    return {"type": kind, "nullable": True, **extra}


def _list(item: str, root: str) -> dict:
    """A list: in JSON an array, in XML <root><item's element>…</…>…</root>."""
    return {"type": "array", "items": _ref(item), "xml": {"name": root, "wrapped": True}}


SCHEMAS = {
    "Open311Service": {
        "type": "object",
        "description": "A category of defects (`<service>` in XML).",
        "xml": {"name": "service"},
        "properties": {
            "service_code": {"type": "string", "description": "The category key"},
            "service_name": {"type": "string"},
            "description": _nullable(),
            "metadata": {"type": "boolean", "description": "Always false: no attributes"},
            "type": {"type": "string", "enum": ["realtime", "batch", "blackbox"]},
            "keywords": _nullable(),
            "group": {"type": "string"},
        },
        "required": ["service_code", "service_name", "metadata", "type"],
    },
    "Open311Attribute": {
        "type": "object",
        "xml": {"name": "attribute"},
        "properties": {
            "variable": {"type": "boolean"},
            "code": {"type": "string"},
            "datatype": {
                "type": "string",
                "enum": [
                    "string",
                    "number",
                    "datetime",
                    "text",
                    "singlevaluelist",
                    "multivaluelist",
                ],
            },  # fmt: skip
            "required": {"type": "boolean"},
            "datatype_description": _nullable(),
            "order": {"type": "integer"},
            "description": {"type": "string"},
            "values": {
                "type": "array",
                "xml": {"name": "values", "wrapped": True},
                "items": {
                    "type": "object",
                    "xml": {"name": "value"},
                    "properties": {"key": {"type": "string"}, "name": {"type": "string"}},
                },
            },
        },
    },
    "Open311ServiceDefinition": {
        "type": "object",
        "description": "A category's attributes (none today: `attributes` is empty).",
        "xml": {"name": "service_definition"},
        "properties": {
            "service_code": {"type": "string"},
            "attributes": {
                "type": "array",
                "xml": {"name": "attributes", "wrapped": True},
                "items": _ref("Open311Attribute"),
            },
        },
        "required": ["service_code", "attributes"],
    },
    "Open311Request": {
        "type": "object",
        "description": "A report as the spec lists it: public data only (never the reporter, "
        "followers, the assignee, internal notes or unapproved photos). Dates are W3C with "
        "the offset.",
        "xml": {"name": "request"},
        "properties": {
            "service_request_id": {"type": "string", "pattern": "^M-[A-Z2-9]{8}$"},
            "status": {"type": "string", "enum": ["open", "closed"]},
            "status_notes": _nullable(description="The latest public text of a status change"),
            "service_name": {"type": "string"},
            "service_code": {"type": "string"},
            "description": {"type": "string"},
            "agency_responsible": {"type": "string"},
            "service_notice": _nullable(),
            "requested_datetime": {"type": "string", "format": "date-time"},
            "updated_datetime": {"type": "string", "format": "date-time"},
            "expected_datetime": _nullable(format="date-time"),
            "address": _nullable(),
            "address_id": _nullable(),
            "zipcode": _nullable(),
            "lat": _nullable("number"),
            "long": _nullable("number"),
            "media_url": _nullable(description="The first approved photo (absolute URL)"),
        },
        "required": ["service_request_id", "status", "service_code", "requested_datetime"],
    },
    "Open311Created": {
        "type": "object",
        "description": "The answer to a POST: the new report's id, or the id of the open "
        "report it joined (a duplicate within 50 m), or the first report of the same "
        "Idempotency-Key.",
        "xml": {"name": "request"},
        "properties": {
            "service_request_id": {"type": "string"},
            "service_notice": _nullable(),
            "account_id": _nullable(),
        },
        "required": ["service_request_id"],
    },
    "Open311Token": {
        "type": "object",
        "xml": {"name": "request"},
        "properties": {
            "service_request_id": {"type": "string"},
            "token": {"type": "string"},
        },
        "required": ["service_request_id", "token"],
    },
    "Open311Update": {
        "type": "object",
        "description": "A public status change (FixMyStreet's servicerequestupdates).",
        "xml": {"name": "request_update"},
        "properties": {
            "update_id": {"type": "string"},
            "service_request_id": {"type": "string"},
            "status": {
                "type": "string",
                "enum": [
                    "OPEN",
                    "IN_PROGRESS",
                    "ACTION_SCHEDULED",
                    "FIXED",
                    "DUPLICATE",
                    "NOT_COUNCILS_RESPONSIBILITY",
                    "NO_FURTHER_ACTION",
                ],
            },  # fmt: skip
            "updated_datetime": {"type": "string", "format": "date-time"},
            "description": {"type": "string"},
            "media_url": _nullable(),
        },
        "required": ["update_id", "service_request_id", "status", "updated_datetime"],
    },
    "Open311Error": {
        "type": "object",
        "xml": {"name": "error"},
        "properties": {
            "code": {"type": "integer", "description": "The HTTP status"},
            "description": {
                "type": "string",
                "description": "What went wrong, in the path's language (German; English "
                "under /en/). A wrong field is named first: `lat: …`.",
            },
        },
        "required": ["code", "description"],
    },
}
SCHEMAS["Open311Errors"] = {
    "type": "array",
    "description": "The spec's error list: one entry per problem.",
    "items": _ref("Open311Error"),
    "xml": {"name": "errors", "wrapped": True},
    "minItems": 1,
}

ERRORS = {
    400: "A missing or invalid parameter or field (one error each), a NUL character in the "
    "query or a form field, bad dates or status, a place outside the county, a form above "
    "the size limits",
    403: "api_key missing, unknown or inactive",
    404: "Unknown service_code, service_request_id, token or path (also a NUL in the path), "
    "or another jurisdiction_id",
    429: "A rate limit: per API client, or per e-mail address (5 an hour)",
}

FORMAT = {
    "name": "format",
    "in": "path",
    "required": True,
    "description": "The answer's format: `json` (application/json) or `xml` (text/xml).",
    "schema": {"type": "string", "enum": ["json", "xml"]},
}
JURISDICTION = {
    "name": "jurisdiction_id",
    "in": "query",
    "description": "Optional; this server serves one county (e.g. `kreis-hz.de`). Another "
    "value answers 404.",
    "schema": {"type": "string"},
}
API_KEY_QUERY = {
    "name": "api_key",
    "in": "query",
    "required": True,
    "description": "The key of the API client that sent the token.",
    "schema": {"type": "string"},
}


def _path_param(name: str, description: str, pattern: str | None = None) -> dict:
    schema = {"type": "string"}
    if pattern:
        schema["pattern"] = pattern
    return {"name": name, "in": "path", "required": True, "description": description,
            "schema": schema}  # fmt: skip


def _answers(success: dict, errors: tuple[int, ...], description: str) -> dict:
    responses = {
        "200": {
            "description": description,
            "content": {JSON: {"schema": success}, XML: {"schema": success}},
        }
    }
    for status in errors:
        responses[str(status)] = {
            "description": ERRORS[status],
            "content": {
                JSON: {"schema": _ref("Open311Errors")},
                XML: {"schema": _ref("Open311Errors")},
            },
        }
    return responses


def _operation(operation_id, summary, description, parameters, responses, **extra) -> dict:
    return {
        "operationId": operation_id,
        "summary": summary,
        "description": description,
        "tags": [TAG],
        "security": [],
        "parameters": [FORMAT, *parameters],
        "responses": responses,
        **extra,
    }


REQUEST_FORM = {
    "type": "object",
    "properties": {
        "api_key": {"type": "string", "description": "The API client's key (admin)"},
        "service_code": {"type": "string", "maxLength": 60},
        "lat": {"type": "number", "minimum": -90, "maximum": 90},
        "long": {"type": "number", "minimum": -180, "maximum": 180},
        "address_string": {
            "type": "string",
            "maxLength": 500,
            "description": "Without lat/long: must name a town or municipality of the county",
        },
        "address_id": {"type": "string", "maxLength": 200, "description": "Ignored"},
        "email": {"type": "string", "maxLength": 254, "description": "For the update mails"},
        "first_name": {"type": "string", "maxLength": 200, "description": "Not stored"},
        "last_name": {"type": "string", "maxLength": 200, "description": "Not stored"},
        "phone": {"type": "string", "maxLength": 60, "description": "Not stored"},
        "description": {"type": "string", "maxLength": 2000},
        "media_url": {
            "type": "string",
            "maxLength": 2000,
            "description": "Checked (http/https), not fetched",
        },
        "device_id": {"type": "string", "maxLength": 200, "description": "Ignored"},
        "account_id": {"type": "string", "maxLength": 200, "description": "Ignored"},
        "jurisdiction_id": {"type": "string"},
        "idempotency_key": {
            "type": "string",
            "pattern": "^[A-Za-z0-9_.:-]{16,64}$",
            "description": "As the Idempotency-Key header (the header wins)",
        },
    },
    "required": ["api_key", "service_code", "description"],
}


def document() -> dict:
    """The OpenAPI fragment: paths, components and the tag (a fresh copy each time)."""
    service_code = _path_param("service_code", "A category key", r"^[-a-zA-Z0-9_]{1,60}$")
    request_id = _path_param(
        "service_request_id", "The report's public number (M-…)", r"^M-[A-Z2-9]{8}$"
    )
    token = _path_param("token", "The Idempotency-Key the client sent with its POST")
    list_filters = [
        JURISDICTION,
        {
            "name": "service_request_id",
            "in": "query",
            "description": "Comma-separated ids (at most 1000); overrides every other filter.",
            "schema": {"type": "string"},
        },
        {
            "name": "service_code",
            "in": "query",
            "description": "Comma-separated category keys.",
            "schema": {"type": "string"},
        },
        {
            "name": "status",
            "in": "query",
            "description": "`open`, `closed` or both, comma-separated.",
            "schema": {"type": "string", "enum": ["open", "closed", "open,closed"]},
        },
        {
            "name": "start_date",
            "in": "query",
            "description": "W3C date-time with a zone; by requested_datetime. Without both "
            "dates: the last 90 days; the span is at most 90 days.",
            "schema": {"type": "string", "format": "date-time"},
        },
        {
            "name": "end_date",
            "in": "query",
            "description": "W3C date-time with a zone.",
            "schema": {"type": "string", "format": "date-time"},
        },
    ]
    date_filters = [p for p in list_filters if p["name"] in ("start_date", "end_date")]
    paths = {
        f"{PREFIX}/services.{{format}}": {
            "get": _operation(
                "open311_services",
                "Open311: list the categories (services)",
                "The active categories of the county.",
                [JURISDICTION],
                _answers(_list("Open311Service", "services"), (400, 404), "Services"),
            )
        },
        f"{PREFIX}/services/{{service_code}}.{{format}}": {
            "get": _operation(
                "open311_service_definition",
                "Open311: a category's attributes (service definition)",
                "No category asks for attributes today: `attributes` is empty.",
                [service_code, JURISDICTION],
                _answers(_ref("Open311ServiceDefinition"), (400, 404), "Service definition"),
            )
        },
        f"{PREFIX}/requests.{{format}}": {
            "get": _operation(
                "open311_requests",
                "Open311: list reports (service requests)",
                "Public data only, newest first, at most 1000.",
                list_filters,
                _answers(
                    _list("Open311Request", "service_requests"), (400, 404), "Service requests"
                ),
            ),  # fmt: skip
            "post": _operation(
                "open311_create_request",
                "Open311: send a report (service request)",
                "Needs an api_key (API clients are managed in the admin). Routed like the web "
                "form; a position outside the county is refused; an open report of the same "
                "category within 50 m is answered with its id (the sender's e-mail follows "
                "it). The same Idempotency-Key again returns the first report; the key is "
                "also the token for GET tokens/{token}.",
                [
                    {
                        "name": "Idempotency-Key",
                        "in": "header",
                        "description": "16–64 characters A–Z a–z 0–9 _ . : - (a UUID fits).",
                        "schema": {"type": "string", "pattern": "^[A-Za-z0-9_.:-]{16,64}$"},
                    }
                ],
                _answers(
                    _list("Open311Created", "service_requests"),
                    (400, 403, 404, 429),
                    "Received (or joined an open report)",
                ),
                requestBody={
                    "required": True,
                    "content": {"application/x-www-form-urlencoded": {"schema": REQUEST_FORM}},
                },
            ),  # fmt: skip
        },
        f"{PREFIX}/requests/{{service_request_id}}.{{format}}": {
            "get": _operation(
                "open311_request",
                "Open311: one report (service request)",
                "A list with the one report, as the spec shows it.",
                [request_id, JURISDICTION],
                _answers(
                    _list("Open311Request", "service_requests"), (400, 404), "The service request"
                ),
            )  # fmt: skip
        },
        f"{PREFIX}/tokens/{{token}}.{{format}}": {
            "get": _operation(
                "open311_token",
                "Open311: the report a token (Idempotency-Key) made",
                "Only for the API client that sent the token.",
                [token, API_KEY_QUERY, JURISDICTION],
                _answers(
                    _list("Open311Token", "service_requests"),
                    (400, 403, 404),
                    "The service request id",
                ),
            )  # fmt: skip
        },
        f"{PREFIX}/servicerequestupdates.{{format}}": {
            "get": _operation(
                "open311_updates",
                "Open311: public status changes (FixMyStreet's servicerequestupdates)",
                "By the change's time; without dates the last 90 days; at most 1000.",
                [JURISDICTION, *date_filters],
                _answers(
                    _list("Open311Update", "service_request_updates"), (400, 404), "Status changes"
                ),
            )  # fmt: skip
        },
    }
    return deepcopy(
        {
            "paths": paths,
            "components": {"schemas": SCHEMAS},
            "tags": [
                {
                    "name": TAG,
                    "description": "Mängelmelder — Open311 GeoReport v2 "
                    "(https://wiki.open311.org/GeoReport_v2), German descriptions in errors; "
                    "the same under /en/maengelmelder/open311/v2/ in English. See "
                    "docs/open311.md.",
                }
            ],
        }
    )
