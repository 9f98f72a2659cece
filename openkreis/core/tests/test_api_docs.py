"""The API documentation page (issue 14.13): in the portal's frame and language, one h1, the
endpoints as an accessible table that needs no JavaScript; Swagger UI only on request, in
its own region with its barriers named. The schema documents our API only."""

from openkreis.core.api.docs import endpoint_groups


def test_docs_page_has_language_title_h1_and_the_endpoints_without_javascript(client, harz):
    html = client.get("/api/docs/").content.decode()
    assert '<html lang="de">' in html
    title = "<title>Offene Schnittstelle (API): Dokumentation – Landkreis Harz</title>"
    assert title in html
    assert html.count("<h1") == 1 and "<h1>Offene Schnittstelle (API)</h1>" in html
    assert "<td><code>/<wbr>api/<wbr>v1/<wbr>services/<wbr></code></td>" in html
    assert '<td lang="en">The county' in html  # the code's own descriptions are English
    assert '<h3 id="tag-cases">Vorgänge (eAkte)</h3>' in html
    # Swagger UI is opened on request, inside its own section, with its barriers named
    assert '<details id="swagger-details">' in html and 'id="swagger-ui" lang="en"' in html
    assert "bekannte Barrieren" in html


def test_docs_page_in_english(client, harz):
    html = client.get("/api/docs/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="en">' in html and "<h1>Open API</h1>" in html


def test_the_schema_documents_only_our_api_not_wagtails_admin_api(client, harz):
    paths = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()["paths"]
    # /api/ and the Open311 endpoints described by hand (reports/open311/schema.py)
    assert paths and all(path.startswith(("/api/", "/maengelmelder/open311/v2/")) for path in paths)
    listed = [op["path"] for group in endpoint_groups("de") for op in group["operations"]]
    assert sorted(set(listed)) == sorted(paths)
