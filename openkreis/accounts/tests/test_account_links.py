"""The account menu shows the links other apps register (accounts.navigation): "Meine
Meldungen" for every account, "Fahrschule" only for members of a driving school."""

import pytest

from openkreis.accounts.navigation import AccountLink, account_links, links_for

pytestmark = pytest.mark.django_db


def test_registered_links_apply_per_account(django_user_model):
    user = django_user_model.objects.create_user("nav-buerger", "nav@example.org", "x" * 20)
    labels = [label for label, _url in links_for(user)]
    assert "My reports" in labels or "Meine Meldungen" in labels
    assert not any(label in ("Driving school", "Fahrschule") for label in labels)
    account_links.register(
        "test-only", AccountLink("Nur für Test", "accounts:data", lambda u: False)
    )
    try:
        assert "Nur für Test" not in [label for label, _url in links_for(user)]
    finally:
        account_links.unregister("test-only")


def test_the_menu_shows_them(client, django_user_model):
    user = django_user_model.objects.create_user("nav-buerger2", "nav2@example.org", "x" * 20)
    client.force_login(user)
    html = client.get("/mein-konto/", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert 'href="/maengelmelder/meine/"' in html and "Meine Meldungen" in html
    assert "/fahrschule/" not in html
