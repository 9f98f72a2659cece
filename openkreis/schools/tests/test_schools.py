"""The driving schools' channel: county data, submitting with consent (link or signed), the
consent link's failure modes, the school's table and its authorisation, the test-order
notice on "decide", the cockpit event's channel, and bad input (4xx, never 500)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import mail
from django.utils import timezone

from openkreis.accounts import services as accounts
from openkreis.accounts.models import Message
from openkreis.cases import services as cases
from openkreis.cases.models import Case
from openkreis.catalog.models import Service
from openkreis.core.loader import LoadReport, TenantDataError
from openkreis.core.models import Event
from openkreis.core.testing import make_staff
from openkreis.schools import demo, services
from openkreis.schools.models import DrivingSchool, PendingUpload, SchoolApplication

from .factories import FILES, make_pupil, make_user, school_with_member, submit

HARZ = Path(settings.BASE_DIR) / "tenants" / "harz"
TODAY = dt.date.today()


@pytest.fixture(autouse=True)
def on_commit_now(monkeypatch):
    """The test runs in one transaction: run after-commit work (the e-mails) at once."""
    from django.db import transaction

    monkeypatch.setattr(transaction, "on_commit", lambda func, using=None, robust=False: func())


@pytest.fixture
def brocken(db):
    return school_with_member("fahrschule-brocken", "fs-brocken")


@pytest.fixture
def bodetal(db):
    return school_with_member("fahrschule-bodetal", "fs-bodetal")


@pytest.fixture
def worker(db):
    user, _secret = make_staff("sb-fs-test", "fahrerlaubnisbehoerde", "caseworker")
    return user


def _link_token() -> str:
    body = mail.outbox[-1].body
    return re.search(r"/fahrschule/einwilligung/([A-Za-z0-9_-]+)/", body).group(1)


# -- county data ------------------------------------------------------------------------------
def test_county_data_is_loaded_and_idempotent(db, tmp_path):
    assert DrivingSchool.objects.filter(key="fahrschule-brocken", permit_number="HZ-FS-2019-014")
    offered = [o.service.slug for o in services.offered_services()]
    assert offered == ["fahrerlaubnis-ersterteilung", "fahrerlaubnis-erweiterung"]
    report = LoadReport()
    services.load_county_data(None, HARZ, report)
    assert report.changes == 0
    (tmp_path / "schools.yaml").write_text(
        "services:\n  - service: gibt-es-nicht\n    classes: [{value: B, label: {de: B, en: B}}]\n"
    )
    with pytest.raises(TenantDataError, match="gibt-es-nicht"):
        services.load_county_data(None, tmp_path, LoadReport())


# -- submitting -------------------------------------------------------------------------------
def test_signed_at_school_opens_the_case_with_the_pupil_as_applicant(brocken):
    school, member = brocken
    application = submit(school, member, consent="signed")
    case = Case.objects.get(pk=application.case_id)
    assert case.channel == Case.Channel.DRIVING_SCHOOL == "school"
    assert case.applicant_name == "Lena Vogel"
    assert case.applicant_birth_date == dt.date(2008, 3, 14)
    assert case.applicant_email == "lena@example.org"
    assert sorted(d.doc_type for d in case.documents.all()) == ["erste-hilfe", "sehtest"]
    via = {row["label"]: row["value"] for row in case.data["summary"][2]["answers"]}
    assert via["Fahrschule"] == "Fahrschule Brocken"
    assert via["Fahrschulerlaubnis"] == "HZ-FS-2019-014"
    assert via["Einwilligung"].startswith("In der Fahrschule unterschrieben; erfasst von Sabine")
    application.refresh_from_db()
    assert application.consent_recorded_by == member and application.consent_at
    # the pending copy is gone: the case holds the personal data now
    assert application.details == {} and not application.uploads.exists()
    # the cockpit's event carries the channel
    received = Event.objects.get(kind="case.received", subject=case.subject)
    assert received.data["channel"] == "school"


def test_caseworker_sees_school_and_consent_on_the_case_page(brocken, worker, client):
    from openkreis.core.testing import login_staff

    school, member = brocken
    application = submit(school, member)
    user, secret = make_staff("sb-fs-page", "fahrerlaubnisbehoerde", "caseworker")
    login_staff(client, user, secret)
    response = client.get(f"/sachbearbeitung/vorgang/{application.case_id}/")
    assert response.status_code == 200
    text = response.content.decode()
    assert "Fahrschule Brocken" in text and "HZ-FS-2019-014" in text
    assert "In der Fahrschule unterschrieben; erfasst von Sabine Lehmann am" in text


def test_only_members_submit_and_bad_files_are_refused(brocken, bodetal):
    school, member = brocken
    _other_school, stranger = bodetal
    with pytest.raises(services.SchoolError):
        submit(school, stranger)
    with pytest.raises(services.SchoolError):
        services.submit_for_pupil(
            member,
            school,
            service=Service.objects.get(slug="fahrerlaubnis-ersterteilung"),
            classes=["B"],
            pupil=make_pupil(),
            eye_test_date=TODAY,
            files=[FILES[0], (PendingUpload.Kind.FIRST_AID, "x.pdf", b"not a pdf at all")],
            consent="signed",
        )
    assert not SchoolApplication.objects.exists()


# -- the consent link -------------------------------------------------------------------------
def test_link_consent_opens_the_case_once(brocken, client):
    school, member = brocken
    with_link = submit(school, member, consent="link")
    assert with_link.case_id is None
    token = _link_token()
    assert mail.outbox[-1].to == ["lena@example.org"]
    url = f"/fahrschule/einwilligung/{token}/"
    page = client.get(url)
    assert page.status_code == 200
    assert "Lena Vogel" in page.content.decode() and "Fahrschule Brocken" in page.content.decode()
    assert client.post(url).status_code == 200
    with_link.refresh_from_db()
    case = Case.objects.get(pk=with_link.case_id)
    assert case.channel == "school" and case.applicant_user is None
    assert "per Bestätigungslink bestätigt" in str(case.data["summary"][2])
    # used twice: refused, still one case
    assert client.post(url).status_code == 410
    assert client.get(url).status_code == 410
    assert Case.objects.filter(channel="school").count() == 1


def test_expired_and_unknown_links(brocken, client):
    school, member = brocken
    application = submit(school, member, consent="link")
    token = _link_token()
    SchoolApplication.objects.filter(pk=application.pk).update(
        token_expires_at=timezone.now() - dt.timedelta(minutes=1)
    )
    response = client.post(f"/fahrschule/einwilligung/{token}/")
    assert response.status_code == 410
    assert "abgelaufen" in response.content.decode()
    assert not Case.objects.filter(channel="school").exists()
    assert client.get("/fahrschule/einwilligung/nicht-echt/").status_code == 404
    # the school sends a new link: the old one is unknown now, the new one works
    services.resend_link(member, application)
    new_token = _link_token()
    assert new_token != token
    assert client.get(f"/fahrschule/einwilligung/{token}/").status_code == 404
    assert client.post(f"/fahrschule/einwilligung/{new_token}/").status_code == 200


def test_wrong_user_cannot_confirm(brocken, client):
    school, member = brocken
    application = submit(school, member, consent="link")
    url = f"/fahrschule/einwilligung/{_link_token()}/"
    client.force_login(make_user("someone-else"))
    assert client.post(url).status_code == 403
    client.force_login(member)  # the school cannot consent for its pupil
    assert client.post(url).status_code == 403
    staff, _secret = make_staff("sb-consent", "fahrerlaubnisbehoerde", "caseworker")
    client.force_login(staff)
    assert client.get(url).status_code == 403
    application.refresh_from_db()
    assert application.case_id is None and application.consent_at is None
    pupil = make_user("lena", "lena@example.org", "Lena", "Vogel")
    client.force_login(pupil)
    assert client.post(url).status_code == 200
    application.refresh_from_db()
    assert Case.objects.get(pk=application.case_id).applicant_user == pupil
    assert application.consent_recorded_by == pupil


# -- the school's table -----------------------------------------------------------------------
def test_school_sees_only_its_own_applications(brocken, bodetal, client):
    school, member = brocken
    other, other_member = bodetal
    submit(school, member, consent="signed")
    submit(school, member, consent="link", first_name="Mia", last_name="Schulze")
    foreign = submit(other, other_member, first_name="Tim", last_name="Fremd")
    client.force_login(member)
    home = client.get("/fahrschule/")
    assert home.status_code == 302 and home["Location"].endswith(f"/fahrschule/{school.public_id}/")
    page = client.get(f"/fahrschule/{school.public_id}/")
    text = page.content.decode()
    assert page.status_code == 200
    assert "Lena Vogel" in text and "Mia Schulze" in text and "Tim Fremd" not in text
    assert "Eingegangen" in text and "Wartet auf die Einwilligung" in text
    # status only: no address, e-mail or date of birth of the pupil
    assert "Domplatz" not in text and "lena@example.org" not in text and "14.03.2008" not in text
    # another school's page and application: as if they did not exist
    assert client.get(f"/fahrschule/{other.public_id}/").status_code == 404
    foreign_url = f"/fahrschule/{school.public_id}/antrag/{foreign.public_id}/"
    assert client.get(foreign_url).status_code == 404
    assert client.get(f"/fahrschule/{school.public_id}/antrag/12345/").status_code == 404
    assert client.get("/fahrschule/not-a-uuid/").status_code == 404
    # the school cannot read the pupil's case thread in the mailbox
    assert not accounts.may_see_case(member, foreign.case_id)


@pytest.mark.parametrize("who", ["anonymous", "citizen", "other_school", "staff", "pupil"])
def test_school_view_authorisation(brocken, bodetal, client, who):
    school, member = brocken
    application = submit(school, member, consent="link")
    token = _link_token()
    pages = [
        f"/fahrschule/{school.public_id}/",
        f"/fahrschule/{school.public_id}/antrag/neu/",
        f"/fahrschule/{school.public_id}/antrag/{application.public_id}/",
    ]
    if who == "anonymous":
        for url in pages:
            response = client.get(url)
            assert response.status_code == 302 and "/konto/login/" in response["Location"]
        return
    if who == "citizen":
        client.force_login(make_user("buergerin"))
    elif who == "other_school":
        client.force_login(bodetal[1])
    elif who == "staff":
        client.force_login(make_staff("sb-fs-auth", "fahrerlaubnisbehoerde", "team_lead")[0])
    else:  # the pupil, after confirming their own application
        pupil = make_user("lena", "lena@example.org", "Lena", "Vogel")
        client.force_login(pupil)
        assert client.post(f"/fahrschule/einwilligung/{token}/").status_code == 200
    for url in pages:
        assert client.get(url).status_code == 404, url
    home = client.get("/fahrschule/")
    if who == "other_school":  # to its own school, not this one
        assert home["Location"].endswith(f"/fahrschule/{bodetal[0].public_id}/")
    else:
        assert home.status_code == 403


def test_school_does_not_see_the_pupils_other_cases(brocken, client):
    school, member = brocken
    pupil = make_user("lena", "lena@example.org", "Lena", "Vogel")
    other_case = cases.open_case(
        service=Service.objects.get(slug="fahrerlaubnis-erweiterung"),
        channel="online",
        applicant=cases.Applicant(name="Lena Vogel", email="lena@example.org", user=pupil),
    )
    application = submit(school, member, consent="link")
    client.force_login(pupil)
    client.post(f"/fahrschule/einwilligung/{_link_token()}/")
    application.refresh_from_db()
    assert school.applications.count() == 1
    client.force_login(member)
    text = client.get(f"/fahrschule/{school.public_id}/").content.decode()
    assert other_case.file_number not in text
    assert Case.objects.get(pk=application.case_id).file_number in text
    assert not accounts.may_see_case(member, other_case.pk)
    assert not accounts.may_see_case(member, application.case_id)


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ("?status=²", 400),
        ("?status=nonsense", 400),
        ("?page=abc", 400),
        ("?page=0", 400),
        ("?page=9", 404),
        ("?page=１", 400),
        ("?status=pending", 200),
        ("?status=new", 200),
    ],
)
def test_bad_filters_answer_4xx(brocken, client, query, status):
    school, member = brocken
    submit(school, member)
    client.force_login(member)
    response = client.get(f"/fahrschule/{school.public_id}/{query}")
    assert response.status_code == status
    if status >= 400:
        assert "error-summary" in response.content.decode()


def test_status_filter(brocken, worker, client):
    school, member = brocken
    decided = submit(school, member)
    submit(school, member, consent="link", first_name="Mia", last_name="Schulze")
    case = cases.transition(Case.objects.get(pk=decided.case_id), "claim", actor=worker)
    cases.decide(case, actor=worker, outcome="granted", text="Voraussetzungen liegen vor.")
    client.force_login(member)
    base = f"/fahrschule/{school.public_id}/"
    text = client.get(base + "?status=decided").content.decode()
    assert "Lena Vogel" in text and "Mia Schulze" not in text
    assert "Prüfauftrag erteilt" in text
    text = client.get(base + "?status=pending").content.decode()
    assert "Mia Schulze" in text and "Lena Vogel" not in text
    text = client.get(base + "?status=in_progress").content.decode()
    assert "Keine Anträge mit diesem Status" in text or "Lena Vogel" not in text


# -- the form ---------------------------------------------------------------------------------
def _post_data(**overrides):
    data = {
        "service": "fahrerlaubnis-ersterteilung",
        "classes": ["B"],
        "first_name": "Jonas",
        "last_name": "Krüger",
        "birth_date": "02.09.2008",
        "street": "Hoher Weg 21",
        "postcode": "38820",
        "city": "Halberstadt",
        "email": "jonas@example.org",
        "phone": "",
        "eye_test_date": (TODAY - dt.timedelta(days=5)).strftime("%d.%m.%Y"),
        "consent": "signed",
        "signed_confirmed": "on",
    }
    data.update(overrides)
    return data


def _files():
    from django.core.files.uploadedfile import SimpleUploadedFile

    return {
        "eye_test": SimpleUploadedFile("sehtest.pdf", demo.demo_pdf(), "application/pdf"),
        "first_aid": SimpleUploadedFile("erste-hilfe.png", demo.demo_png(), "image/png"),
    }


def test_the_form_submits_for_amake_pupil(brocken, client):
    school, member = brocken
    client.force_login(member)
    url = f"/fahrschule/{school.public_id}/antrag/neu/"
    assert client.get(url).status_code == 200
    response = client.post(url, {**_post_data(), **_files()})
    assert response.status_code == 302
    application = SchoolApplication.objects.get(pupil_name="Jonas Krüger")
    assert application.case_id and application.classes == ["B"]
    detail = client.get(response["Location"])
    assert detail.status_code == 200
    assert "In der Fahrschule unterschrieben" in detail.content.decode()


@pytest.mark.parametrize(
    ("overrides", "files", "message"),
    [
        ({"birth_date": "31.02.2008"}, True, "Tag.Monat.Jahr"),
        ({"birth_date": (TODAY - dt.timedelta(days=365 * 10)).isoformat()}, True, "15 Jahre"),
        ({"classes": ["C"]}, True, "Nur diese Klassen"),
        ({"classes": ["X<script>"]}, True, "aus der Liste"),
        ({"service": "reisepass"}, True, "Wählen Sie, was"),
        ({"postcode": "3882"}, True, "fünf Ziffern"),
        ({"email": "kein-at"}, True, "name@example.org"),
        ({"eye_test_date": "01.01.2001"}, True, "zwei Jahre"),
        ({"consent": "signed", "signed_confirmed": ""}, True, "unterschrieben hat"),
        ({"consent": "fax"}, True, "wie die Schülerin / der Schüler einwilligt"),
        ({}, False, "Laden Sie die Sehtestbescheinigung hoch"),
    ],
)
def test_the_form_refuses_bad_input(brocken, client, overrides, files, message):
    school, member = brocken
    client.force_login(member)
    url = f"/fahrschule/{school.public_id}/antrag/neu/"
    response = client.post(url, {**_post_data(**overrides), **(_files() if files else {})})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not SchoolApplication.objects.exists()


def test_a_disguised_file_is_refused(brocken, client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    school, member = brocken
    client.force_login(member)
    response = client.post(
        f"/fahrschule/{school.public_id}/antrag/neu/",
        {
            **_post_data(),
            "eye_test": SimpleUploadedFile(
                "sehtest.pdf", b"MZ\x90\x00 not a pdf", "application/pdf"
            ),
            "first_aid": SimpleUploadedFile("eh.png", demo.demo_png(), "image/png"),
        },
    )
    assert response.status_code == 400
    assert not SchoolApplication.objects.exists()


# -- the test order ---------------------------------------------------------------------------
def test_decide_puts_the_test_order_into_the_company_mailbox(brocken, worker, client):
    school, member = brocken
    colleague = make_user("fs-kollege")
    accounts_company = school.company
    # a second member of the school sees the notice too
    from openkreis.accounts.models import CompanyMembership

    CompanyMembership.objects.create(company=accounts_company, user=colleague)
    pupil = make_user("lena", "lena@example.org", "Lena", "Vogel")
    application = submit(school, member, consent="link")
    client.force_login(pupil)
    client.post(f"/fahrschule/einwilligung/{_link_token()}/")
    application.refresh_from_db()
    case = cases.transition(Case.objects.get(pk=application.case_id), "claim", actor=worker)
    mail.outbox.clear()
    cases.decide(case, actor=worker, outcome="granted", text="Alle Voraussetzungen liegen vor.")
    notice = Message.objects.get(company=accounts_company)
    assert notice.kind == "notice" and notice.case_id is None
    assert notice.subject.startswith("Prüfauftrag erteilt: Lena Vogel")
    assert case.file_number in notice.body
    assert notice in accounts.visible_messages(colleague)
    assert notice not in accounts.visible_messages(pupil)
    # the pupil's decision letter is the pupil's, not the school's
    pupil_letters = accounts.visible_messages(pupil).filter(case_id=case.pk)
    assert pupil_letters.filter(kind="decision").exists()
    assert not accounts.visible_messages(member).filter(case_id=case.pk).exists()
    # the e-mail that something arrived (never the content) went to both members
    notified = {address for m in mail.outbox for address in m.to}
    assert {"fs-brocken@example.org", "fs-kollege@example.org"} <= notified
    assert all("Lena" not in m.body for m in mail.outbox if "fs-" in m.to[0])
    # once only: reopen and decide again
    lead, _secret = make_staff("sb-fs-lead", "fahrerlaubnisbehoerde", "team_lead")
    case = cases.transition(Case.objects.get(pk=case.pk), "close", actor=worker)
    case = cases.transition(case, "reopen", actor=lead)
    cases.decide(case, actor=worker, outcome="granted", text="Noch einmal.")
    assert Message.objects.filter(company=accounts_company).count() == 1
    client.force_login(member)
    text = client.get(f"/fahrschule/{school.public_id}/").content.decode()
    assert "Prüfauftrag erteilt" in text


def test_refused_application_sends_no_test_order(brocken, worker):
    school, member = brocken
    application = submit(school, member)
    case = cases.transition(Case.objects.get(pk=application.case_id), "claim", actor=worker)
    cases.decide(case, actor=worker, outcome="refused", text="Der Sehtest fehlt.")
    assert not Message.objects.filter(company=school.company).exists()
    row = services.status_rows([application])[0]
    assert row["status"] == "Entschieden: kein Prüfauftrag"


def test_online_cases_send_no_school_notice(brocken, worker):
    school, _member = brocken
    case = cases.open_case(
        service=Service.objects.get(slug="fahrerlaubnis-ersterteilung"),
        channel="online",
        applicant=cases.Applicant(name="Ohne Schule", email="o@example.org"),
    )
    case = cases.transition(case, "claim", actor=worker)
    cases.decide(case, actor=worker, outcome="granted", text="Ja.")
    assert not Message.objects.filter(company=school.company).exists()


# -- demo -------------------------------------------------------------------------------------
def test_demo_makes_a_school_login_and_three_applications(db):
    make_staff("sb-fahrerlaubnis", "fahrerlaubnisbehoerde", "caseworker")
    report = LoadReport()
    demo.load_demo(None, HARZ, report)
    school = DrivingSchool.objects.get(key="fahrschule-brocken")
    user = get_user_model().objects.get(username=demo.USERNAME)
    assert user.check_password(demo.PASSWORD)
    assert list(services.schools_of(user)) == [school]
    rows = services.status_rows(school.applications.all())
    assert sorted(r["status_key"] for r in rows) == ["decided", "in_progress", "pending"]
    assert Message.objects.filter(company=school.company, kind="notice").count() == 1
    demo.load_demo(None, HARZ, LoadReport())  # idempotent
    assert school.applications.count() == 3


def test_the_authority_registers_a_school_in_the_admin(brocken, client):
    school, _member = brocken
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    from openkreis.core.testing import STAFF_PASSWORD, login_staff

    admin = get_user_model().objects.create_superuser("fs-admin", "a@example.org", STAFF_PASSWORD)
    EmailAddress.objects.create(user=admin, email="a@example.org", verified=True, primary=True)
    secret = generate_totp_secret()
    TOTP.activate(admin, secret)
    login_staff(client, admin, secret)
    listing = client.get("/django-admin/schools/drivingschool/")
    assert listing.status_code == 200 and "HZ-FS-2019-014" in listing.content.decode()
    assert client.get(f"/django-admin/schools/drivingschool/{school.pk}/change/").status_code == 200
    # a company account belongs to one school only
    with pytest.raises(services.SchoolError):
        services.link_company(DrivingSchool.objects.get(key="fahrschule-bodetal"), school.company)


def test_english_pages(brocken, client):
    school, member = brocken
    submit(school, member, consent="link")
    client.force_login(member)
    text = client.get(f"/en/fahrschule/{school.public_id}/").content.decode()
    assert "Applications of our pupils" in text and "Waiting for the pupil&#x27;s consent" in text


def test_stale_pending_applications_are_deleted(brocken):
    school, member = brocken
    stale = submit(school, member, consent="link")
    fresh = submit(school, member, consent="link", first_name="Mia")
    done = submit(school, member, consent="signed", first_name="Jonas")
    SchoolApplication.objects.filter(pk=stale.pk).update(
        token_expires_at=timezone.now() - dt.timedelta(days=services.PENDING_KEEP_DAYS + 1)
    )
    assert services.delete_stale_pending() == 1
    left = set(SchoolApplication.objects.values_list("pk", flat=True))
    assert left == {fresh.pk, done.pk}
    assert not PendingUpload.objects.filter(application_id=stale.pk).exists()


def test_gdpr_export_and_account_deletion(brocken, client):
    school, member = brocken
    application = submit(school, member, consent="link")
    pupil = make_user("lena", "lena@example.org", "Lena", "Vogel")
    client.force_login(pupil)
    client.post(f"/fahrschule/einwilligung/{_link_token()}/")
    export = accounts.export_data(member)["driving_schools"]
    assert export["submitted_for_pupils"][0]["pupil"] == "Lena Vogel"
    assert accounts.export_data(pupil)["driving_schools"]["consents"][0]["method"] == "link"
    accounts.delete_account(pupil)
    application.refresh_from_db()
    assert application.consent_recorded_by is None and application.consent_at is not None


def test_the_account_menu_leads_members_to_their_school(brocken, client):
    """ "Fahrschule" in "Mein Konto" for the school's members (accounts.navigation port)."""
    _school, member = brocken
    client.force_login(member)
    html = client.get("/mein-konto/", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert 'href="/fahrschule/"' in html and "Fahrschule" in html
