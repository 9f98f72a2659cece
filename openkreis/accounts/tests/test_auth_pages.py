"""django-allauth's pages in the portal's design and plain German: labels above the inputs
(no placeholders, no "Anmeldung:"), the portal's input class, errors next to the field and
in an error summary, one password rule, and the second-factor pages."""

import re

import pytest
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError

from openkreis.accounts.passwords import password_rule
from openkreis.core.testing import make_staff

from .factories import PASSWORD

RULE = "Mindestens 12 Zeichen. Kein Passwort, das sehr viele Menschen benutzen"
STOCK_RULES = [  # Django's own rule texts in German
    "ähnlich",
    "Ziffern bestehen",
    "allgemein üblich",
    "zu üblich",
    "mindestens 12 Zeichen enthalten",
]


def main(response) -> str:
    html = response.content.decode()
    return html[html.index("<main") : html.index("</main>")]


def input_tag(html: str, field_id: str) -> str:
    match = re.search(rf'<input[^>]*id="{field_id}"[^>]*>', html)
    assert match, f"no input {field_id}"
    return match.group(0)


def label(html: str, field_id: str) -> str:
    match = re.search(rf'<label for="{field_id}">([^<]*)</label>', html)
    assert match, f"no label for {field_id}"
    return match.group(1)


def test_login_page_in_plain_german_with_labels_above_the_inputs(client, harz):
    html = main(client.get("/konto/login/"))
    assert "<h1>Anmelden</h1>" in html
    assert label(html, "id_login") == "Benutzername oder E-Mail-Adresse"
    assert label(html, "id_password") == "Passwort"
    assert html.index('<label for="id_login">') < html.index('id="id_login"')  # label above
    assert "Anmeldung" not in html and "placeholder" not in html and "Passwort:" not in html
    assert len(re.findall(r'<input[^>]+class="input"', html)) == 2  # the portal's 48 px inputs
    assert '<a href="/konto/password/reset/">Passwort vergessen?</a>' in html
    assert re.search(r'<button class="button" type="submit">\s*Anmelden\s*</button>', html)
    assert 'href="/konto/signup/">Konto anlegen</a>' in html


def test_failed_login_is_summarised_and_linked_to_the_field(client, anna):
    response = client.post("/konto/login/", {"login": "anna", "password": "falsch-falsch-1"})
    html = main(response)
    full = response.content.decode()
    assert "<title>Fehler: Anmelden" in full
    summary = html[html.index('class="error-summary"') :]
    assert "Es gibt ein Problem" in summary and 'href="#id_login"' in summary
    assert "Benutzername oder Passwort stimmen nicht" in summary
    missing = main(client.post("/konto/login/", {"login": "anna", "password": ""}))
    # next to the field (described by it) and in the summary, with the field's name
    assert 'id="id_password-error"' in missing
    field = input_tag(missing, "id_password")
    assert 'aria-describedby="id_password-error"' in field and 'aria-invalid="true"' in field
    assert re.search(r'<a href="#id_password">Passwort: [^<]+</a>', missing)


def test_an_absurdly_long_login_is_a_clear_error_not_a_500(client, harz):
    """Issue 16 F6: a 60,000-character login made SQLite's LIKE fail with a 500."""
    response = client.post("/konto/login/", {"login": "a" * 60_000, "password": "x" * 20})
    assert response.status_code == 200  # the form again, with the error at the field
    assert 'id="id_login-error"' in response.content.decode()
    assert 'maxlength="254"' in client.get("/konto/login/").content.decode()


def test_signup_page_names_one_password_rule(client, harz):
    html = main(client.get("/konto/signup/"))
    assert "<h1>Konto anlegen</h1>" in html
    assert label(html, "id_email") == "E-Mail-Adresse"
    assert label(html, "id_username") == "Benutzername"
    assert label(html, "id_password1") == "Passwort"
    assert label(html, "id_password2") == "Passwort wiederholen"
    assert RULE in html and "Datenlecks" in html
    for stock in STOCK_RULES:
        assert stock not in html, stock
    assert 'aria-describedby="id_password1-hint"' in input_tag(html, "id_password1")
    assert "placeholder" not in html


def test_signup_errors_stand_next_to_the_field_and_in_the_summary(client, harz):
    response = client.post(
        "/konto/signup/",
        {"email": "neu@example.org", "username": "neu", "password1": "kurz", "password2": "kurz"},
    )
    html = main(response)
    field_error = re.search(r'<p class="error-message" id="id_password1-error">(.+?)</p>', html)
    assert field_error and "zu kurz" in field_error.group(1)
    assert "mindestens 12 Zeichen lang" in field_error.group(1)
    assert re.search(r'<a href="#id_password1">Passwort: Das Passwort ist zu kurz', html)
    common = main(
        client.post(
            "/konto/signup/",
            {
                "email": "neu@example.org",
                "username": "neu",
                "password1": "password1234",
                "password2": "password1234",
            },
        )
    )
    assert "Dieses Passwort benutzen sehr viele Menschen" in common
    for stock in STOCK_RULES:
        assert stock not in common, stock


def test_the_password_rule_is_length_and_the_block_list_only(harz):
    with pytest.raises(ValidationError) as short:
        password_validation.validate_password("kurz")
    assert "zu kurz" in short.value.messages[0] and "12" in short.value.messages[0]
    with pytest.raises(ValidationError) as common:
        password_validation.validate_password("password1234")
    assert "sehr viele Menschen" in common.value.messages[0]
    # no composition rules: a long password of digits only is fine
    password_validation.validate_password("839274619283")
    assert password_rule().startswith("Mindestens 12 Zeichen.")
    assert len(password_validation.password_validators_help_texts()) == 2


def test_password_change_and_reset_pages_use_the_same_design(client, anna):
    client.post("/konto/login/", {"login": "anna", "password": PASSWORD})
    html = main(client.get("/konto/password/change/"))
    assert label(html, "id_oldpassword") == "Ihr jetziges Passwort"
    assert label(html, "id_password1") == "Neues Passwort"
    assert label(html, "id_password2") == "Neues Passwort wiederholen"
    assert RULE in html and 'class="auth-form" novalidate' in html
    for stock in STOCK_RULES:
        assert stock not in html, stock
    client.logout()
    html = main(client.get("/konto/password/reset/"))
    assert label(html, "id_email") == "E-Mail-Adresse" and "placeholder" not in html
    assert "kontaktiere" not in html and "melden Sie sich bitte bei uns" in html


def test_totp_setup_page_explains_the_steps(client, anna):
    client.post("/konto/login/", {"login": "anna", "password": PASSWORD})
    client.post("/konto/reauthenticate/", {"password": PASSWORD})  # allauth asks again
    response = client.get("/konto/2fa/totp/activate/")
    assert response.status_code == 200
    html = main(response)
    assert "<h1>Zwei-Faktor-Anmeldung einschalten</h1>" in html
    assert 'alt="QR-Code für Ihre Authenticator-App"' in html
    secret = re.search(r'<code class="totp-secret" id="totp-secret">([A-Z2-7 ]+)</code>', html)
    assert secret and re.fullmatch(r"([A-Z2-7]{4} )*[A-Z2-7]{1,4}", secret.group(1))
    assert label(html, "id_code") == "Code aus der App"
    assert 'inputmode="numeric"' in input_tag(html, "id_code")
    assert "Authentifizierungsgeheimnis" not in html and "placeholder" not in html
    wrong = main(client.post("/konto/2fa/totp/activate/", {"code": "000000"}))
    assert 'href="#id_code"' in wrong and 'id="id_code-error"' in wrong
    assert wrong.index('class="error-summary"') < wrong.index("<h1>")  # summary on top


def test_second_factor_login_page(client, harz):
    user, _secret = make_staff("sb-zwei", "auslaenderbehoerde", "caseworker")
    client.post("/konto/login/", {"login": "sb-zwei", "password": "dienst-passwort-2026!"})
    html = main(client.get("/konto/2fa/authenticate/"))
    assert re.search(r"<h1>\s*Zwei-Faktor-Anmeldung\s*</h1>", html)
    assert label(html, "id_code") == "Code aus Ihrer Authenticator-App"
    assert 'class="input"' in html and "placeholder" not in html
    assert re.search(r'<button class="button"\s+type="submit"\s*>\s*Anmelden', html)
    wrong = main(client.post("/konto/2fa/authenticate/", {"code": "000000"}))
    assert "Der Code stimmt nicht" in wrong and 'href="#id_code"' in wrong


@pytest.mark.parametrize(
    "url, data, field",
    [
        ("/konto/password/change/", {"oldpassword": "falsch"}, "id_oldpassword"),
        ("/konto/email/", {"action_add": "", "email": "keine-adresse"}, "id_email"),
    ],
)
def test_allauth_pages_put_the_error_summary_on_top(client, anna, url, data, field):
    """On allauth's own pages (drawn with the generic elements) the summary stood below the
    heading inside the form; like login and registration it opens the page, once."""
    client.post("/konto/login/", {"login": "anna", "password": PASSWORD})
    html = main(client.post(url, data))
    assert html.count('class="error-summary"') == 1
    assert html.index('class="error-summary"') < html.index("<h1>")
    assert f'href="#{field}"' in html
    assert "Gib " not in html  # formal German, not Django REST framework's "du"
