"""The four-week questionnaire "Ist der Mangel behoben?": one mail per address and report
(never twice, also when the task runs twice), an unguessable link stored hashed, one answer
per link, "No" reopens and tells the unit, expiry, 404 for unknown links, the transparency
share only at k ≥ 5."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client, override_settings
from django.utils import timezone

from openkreis.core import event_kinds
from openkreis.core.models import Event, OrgUnit
from openkreis.reports import services, tasks
from openkreis.reports.models import Category, FollowUp, Report, StatusChange

LINK = re.compile(r"http://[^/\s]+(/maengelmelder/rueckmeldung/[A-Za-z0-9_-]+/)")


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()


def _fixed(days_ago=28.5, idem="f1", email="melderin@example.org", lon=11.0468, followers=()):
    report, _ = services.submit(
        services.Submission(
            category=Category.objects.get(key="strasse"),
            description="Schlagloch " + idem,
            lat=51.8957,
            lon=lon,
            email=email,
            idempotency_key=idem + "-" + "x" * 16,
        )
    )
    for address in followers:
        services.add_follower(report, email=address)
    services.change_status(report, "fixed", actor=None, public_text="Verfüllt.")
    at = timezone.now() - timedelta(days=days_ago)
    StatusChange.objects.filter(report=report).update(at=at)
    Report.objects.filter(pk=report.pk).update(created_at=at - timedelta(days=3))
    report.refresh_from_db()
    return report


def _links() -> dict[str, str]:
    return {m.to[0]: LINK.search(m.body).group(1) for m in mail.outbox}


@pytest.mark.django_db
def test_one_mail_per_address_even_when_the_task_runs_twice():
    # the same address twice (another spelling) is one person
    report = _fixed(followers=["nachbar@example.org", "NACHBAR@example.org"])
    _fixed(days_ago=10, idem="young", lon=11.05)  # fixed too recently
    _fixed(days_ago=60, idem="old", lon=11.053)  # long before: not asked any more
    mail.outbox.clear()
    assert tasks.send_follow_ups() == 2  # the Celery task
    assert sorted(m.to[0] for m in mail.outbox) == ["melderin@example.org", "nachbar@example.org"]
    message = mail.outbox[0]
    assert report.public_id in message.subject and "behoben" in message.subject
    assert "nachbar@" not in message.body  # nobody sees another's address
    assert tasks.send_follow_ups() == 0  # a second run sends nothing
    call_command("send_report_follow_ups")  # nor does the cron command
    assert len(mail.outbox) == 2
    # stored: one row per address, the token only as its hash
    rows = list(FollowUp.objects.filter(report=report))
    assert sorted(r.email for r in rows) == ["melderin@example.org", "nachbar@example.org"]
    for address, path in _links().items():
        token = path.rstrip("/").rsplit("/", 1)[1]
        assert len(token) >= 40
        assert not FollowUp.objects.filter(token_hash=token).exists()
        assert FollowUp.objects.get(email=address).token_hash != token


@pytest.mark.django_db
def test_a_parallel_run_finds_the_row_and_sends_nothing():
    report = _fixed()
    FollowUp.objects.create(report=report, email="melderin@example.org", token_hash="x" * 64)
    mail.outbox.clear()
    assert services.send_follow_ups() == 0 and mail.outbox == []


@pytest.mark.django_db
@override_settings(OPENKREIS_REPORTS_FOLLOW_UP_DAYS=7)
def test_the_delay_is_a_setting():
    _fixed(days_ago=8)
    mail.outbox.clear()
    assert services.send_follow_ups() == 1


@pytest.mark.django_db
def test_a_reopened_report_is_not_asked():
    report = _fixed()
    services.change_status(report, "confirmed", actor=None)
    mail.outbox.clear()
    assert services.send_follow_ups() == 0


@pytest.mark.django_db
def test_yes_records_the_answer_once(django_capture_on_commit_callbacks):
    report = _fixed()
    mail.outbox.clear()
    services.send_follow_ups()
    path = _links()["melderin@example.org"]
    client = Client(enforce_csrf_checks=True)
    page = client.get(path)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Ist der Mangel behoben?" in html and report.public_id in html
    assert "melderin@" not in html  # no personal data on the page
    assert page["Cache-Control"].startswith("max-age=0") or "no-cache" in page["Cache-Control"]
    # without the CSRF token: refused
    assert client.post(path, {"answer": "yes"}).status_code == 403
    token = client.cookies["csrftoken"].value
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(path, {"answer": "yes", "csrfmiddlewaretoken": token})
    assert response.status_code == 200
    assert "Danke für Ihre Antwort" in response.content.decode()
    report.refresh_from_db()
    assert report.status == "fixed"
    row = FollowUp.objects.get(report=report)
    assert row.answer == "yes" and row.answered_at is not None
    event = Event.objects.get(subject=f"report:{report.pk}", kind=event_kinds.REPORT_FOLLOW_UP)
    assert event.data == {"category": "strasse", "area": report.area.region.ars, "answer": "yes"}
    # the link works once
    again = client.post(path, {"answer": "no", "csrfmiddlewaretoken": token})
    assert again.status_code == 200
    assert "Sie haben schon geantwortet" in again.content.decode()
    report.refresh_from_db()
    assert report.status == "fixed"
    assert FollowUp.objects.get(report=report).answer == "yes"


@pytest.mark.django_db
def test_no_reopens_tells_the_unit_and_keeps_the_comment_internal(
    django_capture_on_commit_callbacks,
):
    report = _fixed(followers=["nachbar@example.org"])
    OrgUnit.objects.filter(pk=report.unit_id).update(email="bauamt@example.org")
    mail.outbox.clear()
    services.send_follow_ups()
    path = _links()["nachbar@example.org"]
    mail.outbox.clear()
    client = Client()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(path, {"answer": "no", "comment": "Das Loch ist wieder da."})
    assert response.status_code == 200
    assert "wieder offen" in response.content.decode()
    assert 'class="status status-confirmed"' in response.content.decode()  # the new status
    report.refresh_from_db()
    assert report.status == "confirmed"
    change = StatusChange.objects.filter(report=report).last()
    assert change.public_text.startswith("Wiedereröffnet nach Rückmeldung")
    assert "Das Loch ist wieder da." in change.internal_note and change.actor is None
    kinds = set(Event.objects.filter(subject=f"report:{report.pk}").values_list("kind", flat=True))
    assert {event_kinds.REPORT_REOPENED, event_kinds.REPORT_FOLLOW_UP} <= kinds
    follow = Event.objects.get(subject=f"report:{report.pk}", kind=event_kinds.REPORT_FOLLOW_UP)
    assert follow.data["answer"] == "no" and "Loch" not in str(follow.data)
    unit_mail = [m for m in mail.outbox if m.to == ["bauamt@example.org"]]
    assert len(unit_mail) == 1
    assert "Das Loch ist wieder da." in unit_mail[0].body
    assert f"/maengelmelder/bearbeitung/{report.public_id}/" in unit_mail[0].body
    # reporter and follower get the usual status mail
    assert {"melderin@example.org", "nachbar@example.org"} <= {m.to[0] for m in mail.outbox}
    public = client.get(f"/maengelmelder/meldung/{report.public_id}/").content.decode()
    assert "Wiedereröffnet nach Rückmeldung" in public
    assert "Das Loch ist wieder da." not in public


@pytest.mark.django_db
def test_no_without_a_unit_address_mails_the_assignee(django_capture_on_commit_callbacks):
    from openkreis.core.testing import make_staff

    report = _fixed()
    OrgUnit.objects.filter(pk=report.unit_id).update(email="")
    worker, _ = make_staff("t-worker", report.unit.key, "report_officer")
    Report.objects.filter(pk=report.pk).update(assignee=worker)
    mail.outbox.clear()
    services.send_follow_ups()
    path = _links()["melderin@example.org"]
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        Client().post(path, {"answer": "no"})
    assert "t-worker@example.org" in [m.to[0] for m in mail.outbox]


@pytest.mark.django_db
def test_unknown_expired_and_bad_input():
    report = _fixed()
    mail.outbox.clear()
    services.send_follow_ups()
    path = _links()["melderin@example.org"]
    client = Client()
    for bad in ("nope", "x" * 43, "x" * 500, "%C2%B2", "%00"):
        assert client.get(f"/maengelmelder/rueckmeldung/{bad}/").status_code == 404
        assert (
            client.post(f"/maengelmelder/rueckmeldung/{bad}/", {"answer": "no"}).status_code == 404
        )
    for data in ({}, {"answer": "vielleicht"}, {"answer": "no", "comment": "x" * 1001}):
        response = client.post(path, data)
        assert response.status_code == 400, data
        assert "Es gibt ein Problem" in response.content.decode()
    report.refresh_from_db()
    assert report.status == "fixed"
    FollowUp.objects.update(sent_at=timezone.now() - timedelta(days=57))
    expired = client.get(path)
    assert expired.status_code == 410
    assert "Dieser Link ist abgelaufen" in expired.content.decode()
    assert client.post(path, {"answer": "no"}).status_code == 410
    report.refresh_from_db()
    assert report.status == "fixed"


@pytest.mark.django_db
def test_the_transparency_share_needs_five_answers():
    reports = [_fixed(idem=f"t{i}", lon=11.0468 + i * 0.003) for i in range(5)]
    now = timezone.now()
    for index, report in enumerate(reports[:4]):
        FollowUp.objects.create(
            report=report,
            email=f"p{index}@example.org",
            token_hash=f"{index}" * 64,
            answer="yes" if index else "no",
            answered_at=now,
        )
    row = next(r for r in services.median_days_to_fix() if r["key"] == "strasse")
    assert row["confirmed_percent"] is None and row["answers"] is None  # 4 < k
    cache.clear()
    FollowUp.objects.create(
        report=reports[4],
        email="p4@example.org",
        token_hash="9" * 64,
        answer="yes",
        answered_at=now,
    )
    row = next(r for r in services.median_days_to_fix() if r["key"] == "strasse")
    assert row["answers"] == 5 and row["confirmed_percent"] == 80
    html = Client().get("/maengelmelder/").content.decode()
    assert "80 %" in html
