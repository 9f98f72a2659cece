"""OpenID Connect login against a REAL provider: django-oauth-toolkit with OIDC enabled,
started here in its own process with its own settings and database. Discovery, the
authorization code flow with PKCE, the token endpoint, the RSA-signed ID token (checked
against the provider's JWKS) and userinfo all go over HTTP — nothing is mocked."""

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
import requests
from django.conf import settings

from openkreis.accounts.models import Profile
from openkreis.core.models import Event

pytestmark = pytest.mark.slow

ROOT = Path(settings.BASE_DIR)
CLIENT_ID = "openkreis-test"
CLIENT_SECRET = "openkreis-test-secret-" + "s" * 20
CALLBACK = "https://testserver/konto/oidc/harz-id/login/callback/"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def provider(tmp_path_factory):
    """The provider process; yields its issuer URL."""
    db = tmp_path_factory.mktemp("oidc") / "provider.sqlite3"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "openkreis.accounts.tests.oidc_provider.settings",
        "OIDC_PROVIDER_DB": str(db),
    }
    env.pop("DATABASE_URL", None)
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    setup = (
        "from django.contrib.auth.models import User; "
        "from oauth2_provider.models import Application; "
        "User.objects.create_user('lena', 'lena.sommer@example.org', 'idp-passwort-2026', "
        "first_name='Lena', last_name='Sommer'); "
        f"Application.objects.create(name='openkreis', client_id={CLIENT_ID!r}, "
        f"client_secret={CLIENT_SECRET!r}, hash_client_secret=False, "
        "client_type='confidential', authorization_grant_type='authorization-code', "
        f"redirect_uris={CALLBACK!r}, algorithm='RS256', skip_authorization=True)"
    )
    subprocess.run([*manage, "shell", "-c", setup], cwd=ROOT, env=env, check=True)
    port = _free_port()
    server = subprocess.Popen(
        [*manage, "runserver", f"127.0.0.1:{port}", "--noreload", "--nothreading"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    issuer = f"http://127.0.0.1:{port}/o"
    try:
        deadline = time.time() + 30
        while True:
            try:
                requests.get(issuer + "/.well-known/openid-configuration", timeout=2)
                break
            except requests.ConnectionError:
                if time.time() > deadline or server.poll() is not None:
                    raise RuntimeError("the OIDC provider did not start") from None
                time.sleep(0.2)
        yield issuer
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture
def oidc_settings(settings, provider):
    settings.SOCIALACCOUNT_PROVIDERS = {
        "openid_connect": {
            "OAUTH_PKCE_ENABLED": True,
            "APPS": [
                {
                    "provider_id": "harz-id",
                    "name": "Harz-ID (Test)",
                    "client_id": CLIENT_ID,
                    "secret": CLIENT_SECRET,
                    "settings": {
                        "server_url": provider,
                        "token_auth_method": "client_secret_basic",
                        "scope": ["openid", "profile", "email", "address"],
                    },
                }
            ],
        }
    }
    return provider


def _log_in_at_provider(authorize_url: str) -> str:
    """A person at the provider: the login form, then consent is skipped; returns the
    redirect back to openkreis (with code and state)."""
    browser = requests.Session()
    page = browser.get(authorize_url, timeout=10)
    assert page.status_code == 200 and "csrfmiddlewaretoken" in page.text
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    nxt = re.search(r'name="next" value="([^"]+)"', page.text).group(1).replace("&amp;", "&")
    login = browser.post(
        page.url,
        data={
            "csrfmiddlewaretoken": token,
            "username": "lena",
            "password": "idp-passwort-2026",
            "next": nxt,
        },
        headers={"Referer": page.url},
        allow_redirects=False,
        timeout=10,
    )
    assert login.status_code == 302, login.text[:500]
    back = browser.get(
        requests.compat.urljoin(page.url, login.headers["Location"]),
        allow_redirects=False,
        timeout=10,
    )
    assert back.status_code == 302, back.text[:500]
    return back.headers["Location"]


def _oidc_login(client) -> "requests.Response":
    start = client.post("/konto/oidc/harz-id/login/")
    assert start.status_code == 302
    authorize = start["Location"]
    query = parse_qs(urlparse(authorize).query)
    assert query["code_challenge_method"] == ["S256"]
    assert {"openid", "profile", "email", "address"} <= set(query["scope"][0].split())
    callback = _log_in_at_provider(authorize)
    assert callback.startswith(CALLBACK) and "code=" in callback
    parsed = urlparse(callback)
    return client.get(f"{parsed.path}?{parsed.query}")


def test_login_with_a_real_oidc_provider_creates_the_account_and_profile(
    client, harz, oidc_settings, django_user_model
):
    from allauth.account.models import EmailAddress
    from allauth.socialaccount.models import SocialAccount

    page = client.get("/konto/login/")
    assert "Harz-ID (Test)" in page.content.decode()  # the alternative is offered
    done = _oidc_login(client)
    assert done.status_code == 302, done.content.decode()[:2000]
    account = SocialAccount.objects.get(provider="harz-id")
    user = account.user
    assert user.email == "lena.sommer@example.org"
    assert EmailAddress.objects.get(user=user).verified  # the provider vouches for it
    profile = Profile.objects.get(user=user)
    assert (profile.first_name, profile.last_name) == ("Lena", "Sommer")
    assert profile.birth_date.isoformat() == "1990-04-12"
    assert (profile.street, profile.postcode, profile.city) == (
        "Breiter Weg 12",
        "38855",
        "Wernigerode",
    )
    assert Event.objects.filter(kind="account.created", data__method="oidc").exists()
    assert client.get("/mein-konto/").status_code == 200
    # a second login finds the same account
    client.logout()
    assert _oidc_login(client).status_code == 302
    assert django_user_model.objects.filter(email="lena.sommer@example.org").count() == 1
    assert client.get("/mein-konto/").status_code == 200


def test_a_forged_callback_is_refused_without_login(client, harz, oidc_settings):
    client.post("/konto/oidc/harz-id/login/")
    response = client.get("/konto/oidc/harz-id/login/callback/?code=forged&state=forged")
    assert response.status_code in (400, 401)  # allauth's error page, never a 500
    assert client.get("/mein-konto/").status_code == 302
