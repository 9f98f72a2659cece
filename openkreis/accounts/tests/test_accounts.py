"""Registration with e-mail verification, profile and prefill, rate-limited login, GDPR
export and deletion, companies, the API and the demo."""

import json
import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from openkreis.accounts import services
from openkreis.accounts.models import Company, Message, Profile
from openkreis.core.models import Event
from openkreis.core.tests.factories import StaffFactory
from openkreis.forms import services as forms

from .factories import PASSWORD, CitizenFactory, MessageFactory, open_case_for, pdf_bytes


def test_registration_needs_the_emailed_link_before_login(client, harz, django_user_model):
    response = client.get("/konto/signup/")
    assert response.status_code == 200 and "Konto anlegen" in response.content.decode()
    response = client.post(
        "/konto/signup/",
        {
            "email": "neu@example.org",
            "username": "neu",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )
    assert response.status_code == 302
    user = django_user_model.objects.get(username="neu")
    assert Profile.objects.filter(user=user).exists()
    assert Event.objects.filter(kind="account.created", subject=f"account:{user.pk}").exists()
    assert not EmailAddress.objects.get(user=user).verified
    # not verified yet: the login sends another link instead of logging in
    client.logout()
    client.post("/konto/login/", {"login": "neu", "password": PASSWORD})
    assert client.get(reverse("accounts:overview")).status_code == 302
    link = re.search(r"https?://\S+/konto/confirm-email/\S+/", mail.outbox[0].body).group(0)
    path = link.split("://", 1)[1].split("/", 1)[1]
    assert client.post("/" + path).status_code == 302
    assert EmailAddress.objects.get(user=user).verified
    response = client.post("/konto/login/", {"login": "neu", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get(reverse("accounts:overview")).status_code == 200


def test_weak_password_and_taken_email_are_refused_in_german(client, harz, django_user_model):
    CitizenFactory(username="anna")
    response = client.post(
        "/konto/signup/",
        {"email": "anna@example.org", "username": "x1", "password1": "kurz", "password2": "kurz"},
    )
    html = response.content.decode()
    assert response.status_code == 200 and "zu kurz" in html
    assert "E-Mail" in html and not django_user_model.objects.filter(username="x1").exists()


def test_login_is_locked_after_five_failures(client, anna):
    for _ in range(5):
        client.post("/konto/login/", {"login": "anna", "password": "falsch-falsch-falsch"})
    response = client.post("/konto/login/", {"login": "anna", "password": PASSWORD})
    html = response.content.decode()
    assert response.status_code in (200, 403, 429)
    assert "Zu viele" in html or "gesperrt" in html, html[html.find("<main") :][:1500]
    assert client.get(reverse("accounts:overview")).status_code == 302


def test_password_reset_mails_a_link(client, anna):
    mail.outbox.clear()
    response = client.post("/konto/password/reset/", {"email": "anna@example.org"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1 and "/konto/password/reset/key/" in mail.outbox[0].body


def test_profile_is_saved_validated_and_prefilled_into_forms(client, anna, harz, settings):
    from openkreis.catalog.models import Service
    from openkreis.forms.integration import profile_data

    client.force_login(anna)
    bad = client.post(
        reverse("accounts:overview"),
        {"birth_date": "31.02.1990", "postcode": "3885", "phone": "abc"},
    )
    html = bad.content.decode()
    assert bad.status_code == 400
    assert "Tag.Monat.Jahr" in html and "genau 5 Ziffern" in html and 'href="#id_postcode"' in html
    future = client.post(reverse("accounts:overview"), {"birth_date": "01.01.2999"})
    assert "Vergangenheit" in future.content.decode()
    ok = client.post(
        reverse("accounts:overview"),
        {
            "first_name": "Anna Maria",
            "last_name": "Berg",
            "birth_date": "14.06.1985",
            "street": "Markt 1",
            "postcode": "38855",
            "city": "Wernigerode",
            "phone": "03943 1234",
        },
    )
    assert ok.status_code == 302
    prefill = profile_data(anna)
    assert prefill["first_name"] == "Anna Maria" and prefill["birth_date"] == "1985-06-14"
    assert prefill["address"] == {"street": "Markt 1", "postcode": "38855", "city": "Wernigerode"}
    assert prefill["phone"] == "03943 1234"
    forms.load_forms(harz, settings.OPENKREIS_TENANTS_DIR / "harz")
    draft = forms.start_application(anna, Service.objects.get(slug="aufenthaltskarte-eu"))
    assert "Berg" in json.dumps(draft.data) and "1985-06-14" in json.dumps(draft.data)


def test_export_contains_profile_drafts_cases_and_message_metadata(client, anna, harz, settings):
    from openkreis.catalog.models import Service

    services.update_profile(anna, first_name="Anna", last_name="Berg", city="Wernigerode")
    forms.load_forms(harz, settings.OPENKREIS_TENANTS_DIR / "harz")
    draft = forms.start_application(anna, Service.objects.get(slug="aufenthaltskarte-eu"))
    case = open_case_for(anna)
    services.deliver_message(
        anna,
        subject="Bescheid",
        body="geheim",
        case_id=case.pk,
        attachments=[("b.pdf", pdf_bytes(), "application/pdf")],
    )
    client.force_login(anna)
    assert client.get(reverse("accounts:data")).status_code == 200
    response = client.get(reverse("accounts:data") + "?format=json")
    assert response["Content-Type"].startswith("application/json")
    assert "attachment" in response["Content-Disposition"]
    data = json.loads(response.content)
    assert data["account"]["email"] == "anna@example.org"
    assert data["profile"]["city"] == "Wernigerode"
    assert [a["id"] for a in data["applications"]] == [str(draft.public_id)]
    assert [c["file_number"] for c in data["cases"]] == [case.file_number]
    (message,) = data["messages"]
    assert message["subject"] == "Bescheid" and message["attachments"][0]["name"] == "b.pdf"
    assert "body" not in message  # metadata only


def test_delete_account_keeps_cases_and_removes_drafts_messages_profile(
    client, anna, harz, settings, django_capture_on_commit_callbacks
):
    from openkreis.cases.models import Case
    from openkreis.catalog.models import Service
    from openkreis.forms.models import Application

    forms.load_forms(harz, settings.OPENKREIS_TENANTS_DIR / "harz")
    draft = forms.start_application(anna, Service.objects.get(slug="aufenthaltskarte-eu"))
    case = open_case_for(anna)
    message = services.deliver_message(
        anna,
        subject="x",
        body="y",
        case_id=case.pk,
        attachments=[("b.pdf", pdf_bytes(), "application/pdf")],
    )
    stored = message.attachments.get().file.path
    client.force_login(anna)
    wrong = client.post(reverse("accounts:delete"), {"confirm": "jemand@example.org"})
    assert wrong.status_code == 400 and "nicht die E-Mail-Adresse" in wrong.content.decode()
    pk = anna.pk
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("accounts:delete"), {"confirm": "Anna@example.org"})
    assert response.status_code == 302
    assert not Profile.objects.filter(user_id=pk).exists()
    assert not Message.objects.filter(owner_id=pk).exists()
    assert not Application.objects.filter(pk=draft.pk).exists()
    case = Case.objects.get(pk=case.pk)
    assert case.applicant_user_id is None and case.applicant_email == "anna@example.org"
    import os

    assert not os.path.exists(stored)
    assert Event.objects.filter(kind="account.deleted", subject=f"account:{pk}").exists()
    assert client.get(reverse("accounts:overview")).status_code == 302


def test_staff_cannot_delete_their_account_here(client, harz):
    worker = StaffFactory(username="sb-del", unit="auslaenderbehoerde")
    with pytest.raises(services.AccountError):
        services.delete_account(worker)


def test_company_members_share_the_companys_applications_and_mail(
    client, harz, django_capture_on_commit_callbacks
):
    boss = CitizenFactory(username="chefin")
    clerk = CitizenFactory(username="buero")
    outsider = CitizenFactory(username="fremd")
    client.force_login(boss)
    response = client.post(reverse("accounts:companies"), {"name": "Harzer Holz GmbH"})
    company = Company.objects.get(name="Harzer Holz GmbH")
    assert response.status_code == 302
    url = reverse("accounts:company", args=[company.public_id])
    with django_capture_on_commit_callbacks(execute=True):
        invited = client.post(url, {"action": "add", "email": clerk.email, "role": "member"})
    assert invited.status_code == 302
    token = mail.outbox[-1].body.split("/firmen/einladung/")[1].split("/")[0]
    client.force_login(clerk)
    accept = reverse("accounts:invitation", args=[token])
    assert client.post(accept, {"action": "accept"}).status_code == 302
    # the clerk applies and files the application for the company
    case = open_case_for(clerk, slug="baugenehmigung-vereinfacht")
    client.force_login(clerk)
    assert client.post(url, {"action": "file", "case": case.pk}).status_code == 302
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        message = services.deliver_message(clerk, subject="Bescheid", body="x", case_id=case.pk)
    assert message.company == company
    assert sorted(m.to[0] for m in mail.outbox) == sorted([boss.email, clerk.email])
    assert services.get_message(boss, message.public_id) == message
    assert services.unread_count(boss) == 1
    with pytest.raises(Message.DoesNotExist):
        services.get_message(outsider, message.public_id)
    # the boss answers for the company; the answer is in the company's thread
    answer = services.reply(boss, message, body="Danke")
    assert answer.company == company and answer.sender_name == "Harzer Holz GmbH"
    assert services.get_message(clerk, answer.public_id) == answer
    # the last administrator cannot be removed
    with pytest.raises(services.AccountError):
        services.remove_member(company, actor=boss, member_id=company.memberships.get(user=boss).pk)


def test_api_lists_reads_and_replies(client, anna):
    case = open_case_for(anna)
    message = MessageFactory(owner=anna, subject="Hinweis", body="x", case_id=case.pk)
    client.force_login(anna)
    assert client.get("/api/v1/accounts/messages/unread/").json() == {"unread": 1}
    listed = client.get("/api/v1/accounts/messages/?unread=true").json()
    assert listed["count"] == 1 and listed["results"][0]["subject"] == "Hinweis"
    bad = client.get("/api/v1/accounts/messages/?unread=vielleicht")
    assert bad.status_code == 400
    detail = client.get(f"/api/v1/accounts/messages/{message.public_id}/").json()
    assert detail["unread"] is False and detail["read_at"]
    from django.core.files.uploadedfile import SimpleUploadedFile

    fake = client.post(
        f"/api/v1/accounts/messages/{message.public_id}/reply/",
        {"body": "Anbei", "attachments": [SimpleUploadedFile("x.pdf", b"MZ not a pdf")]},
    )
    assert fake.status_code == 400 and "x.pdf ist keine PDF" in json.dumps(fake.json())
    ok = client.post(
        f"/api/v1/accounts/messages/{message.public_id}/reply/",
        {"body": "Anbei", "attachments": [SimpleUploadedFile("x.pdf", pdf_bytes())]},
    )
    assert ok.status_code == 201 and ok.json()["direction"] == "out"
    assert len(ok.json()["attachments"]) == 1


def test_demo_citizen_has_mail_from_the_real_eakte_paths(
    harz, settings, django_capture_on_commit_callbacks
):
    from openkreis.accounts.demo import USERNAME
    from openkreis.core import tenant_data
    from openkreis.core.loader import LoadReport

    folder = settings.OPENKREIS_TENANTS_DIR / "harz"
    with django_capture_on_commit_callbacks(execute=True):
        tenant_data.load_demo(harz, folder, LoadReport(), only="cases-demo")
        tenant_data.load_demo(harz, folder, LoadReport(), only="accounts-demo")
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.get(username=USERNAME)
    kinds = sorted(services.visible_messages(user).values_list("kind", flat=True))
    assert kinds == ["decision", "notice", "request"]
    # Her online applications carry what she answered: the caseworker opening her case sees
    # the licence class and the eye test, not only "captured for this case" (issue 14.1).
    from openkreis.cases.models import Case
    from openkreis.cases.services import application_data

    mine = Case.objects.filter(applicant_user=user, channel="online")
    assert mine.count() == 2
    first_pages = {
        "aufenthaltskarte-eu": "Staatsangehörigkeit und Geburtsort",
        "fahrerlaubnis-ersterteilung": "Welche Fahrerlaubnis möchten Sie?",
    }
    for case in mine:
        titles = [group["title"] for group in application_data(case)]
        assert titles[0] == first_pages[case.service.slug], titles
    licence = mine.get(service__slug="fahrerlaubnis-ersterteilung")
    rows = {r["label"]: r["value"] for g in application_data(licence) for r in g["rows"]}
    assert rows["Fahrerlaubnisklassen"] == "B – Auto"
    assert "Datum des Sehtests" in rows
    # idempotent
    with django_capture_on_commit_callbacks(execute=True):
        tenant_data.load_demo(harz, folder, LoadReport(), only="accounts-demo")
    assert services.visible_messages(user).count() == 3
    assert timezone.now()


def test_a_citizen_may_turn_on_totp_and_then_logs_in_with_the_code(client, anna):
    from allauth.mfa.totp.internal.auth import generate_totp_secret

    from openkreis.core.testing import totp_code

    client.force_login(anna)
    page = client.get(reverse("accounts:overview")).content.decode()
    assert "Zwei-Faktor-Anmeldung einschalten" in page
    activate = client.get("/konto/2fa/totp/activate/")  # asks for the password again first
    assert activate.status_code == 200 or "/konto/reauthenticate/" in activate["Location"]
    secret = generate_totp_secret()
    from allauth.mfa.totp.internal.auth import TOTP

    TOTP.activate(anna, secret)
    client.logout()
    response = client.post("/konto/login/", {"login": "anna", "password": PASSWORD})
    assert response.status_code == 302 and "/konto/2fa/authenticate/" in response["Location"]
    assert client.get(reverse("accounts:overview")).status_code == 302  # not yet
    wrong = client.post("/konto/2fa/authenticate/", {"code": "000000"})
    assert wrong.status_code == 200
    response = client.post("/konto/2fa/authenticate/", {"code": totp_code(secret)})
    assert response.status_code == 302
    assert (
        "Die Zwei-Faktor-Anmeldung ist eingeschaltet."
        in client.get(reverse("accounts:overview")).content.decode()
    )
