"""The schema is a contract (issue 16): each mismatch schemathesis found, pinned down as a test
of the schema and of the answer (test_schemathesis.py keeps attacking the rest)."""

import pytest
import yaml
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework.exceptions import ParseError, ValidationError

from openkreis.core.api import exception_handler

pytestmark = pytest.mark.django_db


@pytest.fixture
def schema(client, harz):
    return yaml.safe_load(client.get("/api/schema/").content)


def _component(schema, name):
    return schema["components"]["schemas"][name]


def _responses(schema, method, path):
    return schema["paths"][path][method]["responses"]


def test_null_values_are_declared_nullable(schema):
    for component, field in [
        ("Region", "parent_ars"),
        ("OrgUnit", "parent"),
        ("FormSummary", "service"),
        ("FormDetail", "service"),
        ("Case", "assignee"),
        ("CaseDetail", "assignee"),
        ("Message", "reply_to"),
        ("Message", "company"),
    ]:
        assert _component(schema, component)["properties"][field].get("nullable"), (
            component,
            field,
        )


def test_a_relative_online_url_is_a_string_not_a_uri(schema, client):
    online_url = _component(schema, "Service")["properties"]["online_url"]
    assert online_url["type"] == "string" and "format" not in online_url
    service = client.get("/api/v1/services/fahrerlaubnis-ersterteilung/").json()
    assert service["online_url"].startswith("/")


def test_opening_hours_are_local_times_without_a_zone(schema, client):
    opens = _component(schema, "OpeningHours")["properties"]["opens"]
    assert "format" not in opens and opens["pattern"]
    answer = client.get("/api/v1/services/wohnsitz-anmelden/competence/?ags=15085235").json()
    assert answer[0]["location"]["opening_hours"][0]["opens"].count(":") == 2


def test_competence_is_documented_as_the_list_it_answers(schema, client):
    operation = schema["paths"]["/api/v1/services/{slug}/competence/"]["get"]
    assert operation["responses"]["200"]["content"]["application/json"]["schema"]["type"] == (
        "array"
    )
    assert {p["name"] for p in operation["parameters"]} == {"slug", "ags", "postcode"}
    answer = client.get("/api/v1/services/kfz-zulassung/competence/?ags=15085370").json()
    assert isinstance(answer, list)


def test_error_answers_are_documented(schema):
    def codes(method, path):
        return set(_responses(schema, method, path))

    assert codes("get", "/api/v1/accounts/messages/") == {"200", "400", "403", "429"}
    assert codes("post", "/api/v1/accounts/messages/{public_id}/reply/") == {
        "201",
        "400",
        "403",
        "404",
        "415",
        "429",
    }
    # the desk's API is not throttled (it is for staff with a second factor)
    assert codes("get", "/api/v1/cases/cases/{id}/") == {"200", "400", "403", "404"}
    # autocomplete is public, unthrottled, and 404 while no county data is loaded
    assert codes("get", "/api/v1/search/autocomplete/") == {"200", "400", "404"}
    assert codes("get", "/api/v1/regions/{ars}/") == {"200", "400", "404", "429"}
    not_found = _responses(schema, "get", "/api/v1/regions/{ars}/")["404"]
    assert not_found["content"]["application/json"]["schema"]["$ref"].endswith("/Error")


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/regions/abc/",  # the URL pattern wants 12 digits
        "/api/v1/services/a.b/",  # the router refuses a dot
        "/api/v1/cases/cases/1/2/",
        "/api/v1/nothing-here/",
    ],
)
def test_an_unknown_api_path_answers_json(client, harz, url):
    response = client.get(url)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Nicht gefunden."}


def test_an_api_path_without_its_slash_is_still_redirected(client, harz):
    response = client.get("/api/v1/services")
    assert response.status_code == 301 and response["Location"] == "/api/v1/services/"


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/appointments/offices/?leistung=%00",
        "/api/v1/appointments/slots/?leistung=a&standort=%00",
        "/api/v1/services/?topic=%00",
        "/api/v1/organisations/?x%00=1",
    ],
)
def test_a_nul_in_the_query_is_a_400_not_a_database_error(client, harz, url):
    """PostgreSQL text cannot hold NUL: such a query failed with a 500 (found by schemathesis)."""
    response = client.get(url)
    assert response.status_code == 400
    assert "Nullzeichen sind nicht erlaubt." in str(response.json())


def test_a_nul_in_a_path_value_is_a_404(client, harz):
    response = client.get("/api/v1/services/kfz%00zulassung/")
    assert response.status_code == 404 and response["Content-Type"] == "application/json"


def test_a_caseworkers_search_with_a_nul_is_a_400(client, harz):
    from openkreis.cases.tests.factories import login_as

    login_as(client, "own-unit")
    response = client.get("/api/v1/cases/cases/", {"q": "Muster\x00mann"})
    assert response.status_code == 400 and list(response.json()) == ["q"]


def test_every_400_body_is_fields_with_lists_of_messages():
    nested = exception_handler(ValidationError({"attachments": {0: ["Die Datei ist leer."]}}), {})
    assert nested.data == {"attachments": ["1: Die Datei ist leer."]}
    assert exception_handler(ValidationError("Genau eins."), {}).data == {"detail": ["Genau eins."]}
    parse = exception_handler(ParseError("JSON kaputt"), {})
    assert parse.status_code == 400 and parse.data == {"detail": ["JSON kaputt"]}
    django = exception_handler(DjangoValidationError("Falsch."), {})
    assert django.status_code == 400 and django.data == {"detail": ["Falsch."]}


# -- Open311 GeoReport v2 (plain Django views, described by hand: reports/open311/schema.py) ---
OPEN311 = "/maengelmelder/open311/v2"


def test_open311_is_in_the_schema_with_both_formats_and_its_error_list(schema):
    paths = {p: item for p, item in schema["paths"].items() if p.startswith(OPEN311)}
    assert sorted((p.removeprefix(OPEN311), m) for p, item in paths.items() for m in item) == [
        ("/requests.{format}", "get"),
        ("/requests.{format}", "post"),
        ("/requests/{service_request_id}.{format}", "get"),
        ("/servicerequestupdates.{format}", "get"),
        ("/services.{format}", "get"),
        ("/services/{service_code}.{format}", "get"),
        ("/tokens/{token}.{format}", "get"),
    ]
    for item in paths.values():
        for operation in item.values():
            fmt = next(p for p in operation["parameters"] if p["name"] == "format")
            assert fmt["in"] == "path" and fmt["schema"]["enum"] == ["json", "xml"]
            for status, answer in operation["responses"].items():
                assert set(answer["content"]) == {"application/json", "text/xml"}, status
                if status != "200":
                    ref = answer["content"]["application/json"]["schema"]["$ref"]
                    assert ref.endswith("/Open311Errors")
    errors = _component(schema, "Open311Errors")
    assert errors["type"] == "array" and errors["xml"] == {"name": "errors", "wrapped": True}
    assert _component(schema, "Open311Error")["required"] == ["code", "description"]
    post = paths[f"{OPEN311}/requests.{{format}}"]["post"]
    form = post["requestBody"]["content"]["application/x-www-form-urlencoded"]["schema"]
    assert form["required"] == ["api_key", "service_code", "description"]
    assert set(post["responses"]) == {"200", "400", "403", "404", "429"}
    token = paths[f"{OPEN311}/tokens/{{token}}.{{format}}"]["get"]
    api_key = next(p for p in token["parameters"] if p["name"] == "api_key")
    assert api_key["in"] == "query" and api_key["required"] is True


def test_open311_answers_are_what_the_schema_says(schema, client):
    """Each documented JSON answer validates against its schema (a GET list, one request, an
    error list); the XML answer carries the documented element names."""
    import jsonschema

    from openkreis.reports.tests.factories import ReportFactory

    report = ReportFactory()

    def validator(path, method, status, media="application/json"):
        answer = schema["paths"][OPEN311 + path][method]["responses"][status]
        resolver_schema = {**answer["content"][media]["schema"], "components": schema["components"]}
        return jsonschema.Draft4Validator(resolver_schema)

    for path, url, status in [
        ("/services.{format}", "/services.json", "200"),
        ("/services/{service_code}.{format}", "/services/strasse.json", "200"),
        ("/requests.{format}", "/requests.json", "200"),
        ("/requests/{service_request_id}.{format}", f"/requests/{report.public_id}.json", "200"),
        ("/requests/{service_request_id}.{format}", "/requests/M-AAAAAAAA.json", "404"),
        ("/requests.{format}", "/requests.json?status=offen", "400"),
        ("/tokens/{token}.{format}", "/tokens/abcdefghijklmnop.json", "403"),
    ]:
        response = client.get(OPEN311 + url)
        assert str(response.status_code) == status, (url, response.content[:300])
        validator(path, "get", status).validate(_nullable_as_json_schema(response.json()))
    xml = client.get(f"{OPEN311}/requests.xml?status=offen").content.decode()
    assert "<errors>\n  <error>\n    <code>400</code>" in xml
    assert _component(schema, "Open311Request")["xml"] == {"name": "request"}


def _nullable_as_json_schema(data):
    """OpenAPI 3.0's `nullable` is no JSON Schema keyword: drop the nulls before validating
    (the schema marks each field that may be null; the test above checks it is named)."""
    if isinstance(data, list):
        return [_nullable_as_json_schema(item) for item in data]
    if isinstance(data, dict):
        return {k: _nullable_as_json_schema(v) for k, v in data.items() if v is not None}
    return data


def test_open311_in_the_docs_page(client, harz):
    html = client.get("/api/docs/").content.decode()
    assert "Mängelmelder (Open311 GeoReport v2)" in html
    assert "requests.<wbr>{format}" in html or "requests.{format}" in html
