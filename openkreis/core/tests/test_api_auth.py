"""Issue 16 F2: the API authenticates only by a session (which allauth grants after the
second factor, where one is set up), never by HTTP Basic, which would skip the second
factor and CSRF. The schema does not advertise Basic authentication."""

import base64

from django.contrib.auth import get_user_model

PASSWORD = "Harz-Basic-Probe-2026!"


def _basic(username: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()


def test_http_basic_does_not_authenticate_the_api(client, db):
    get_user_model().objects.create_user("probe", "probe@example.org", PASSWORD)
    response = client.get(
        "/api/v1/accounts/messages/", HTTP_AUTHORIZATION=_basic("probe", PASSWORD)
    )
    assert response.status_code in (401, 403)
    reply = client.post(
        "/api/v1/accounts/messages/unread/",
        HTTP_AUTHORIZATION=_basic("probe", PASSWORD),
    )
    assert reply.status_code in (401, 403, 405)


def test_a_session_still_authenticates_the_api(client, db):
    user = get_user_model().objects.create_user("probe", "probe@example.org", PASSWORD)
    client.force_login(user)
    assert client.get("/api/v1/accounts/messages/").status_code == 200


def test_the_schema_advertises_no_basic_authentication(client, db):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    schemes = schema.get("components", {}).get("securitySchemes", {})
    assert "basicAuth" not in schemes
    assert all(scheme.get("scheme") != "basic" for scheme in schemes.values())
