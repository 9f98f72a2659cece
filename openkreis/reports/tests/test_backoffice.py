"""The back office: the staff gate, unit scoping (authorisation table), status changes by the
transition table with template texts, mails to reporter and followers, events, assignment."""

import pytest
from django.core import mail
from django.core.cache import cache

from openkreis.core import event_kinds
from openkreis.core.models import Event
from openkreis.core.testing import login_staff, make_staff
from openkreis.reports import services
from openkreis.reports.models import Category, Report, StatusChange

ROAD = "gem-halberstadt-bauamt"
WASTE = "abfallwirtschaft"


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()


def _report(key="strasse", lat=51.8957, lon=11.0468, email="melderin@example.org", idem="r1"):
    report, _ = services.submit(
        services.Submission(
            category=Category.objects.get(key=key),
            description="Schlagloch",
            lat=lat,
            lon=lon,
            email=email,
            idempotency_key=idem + "-" + "x" * 16,
        )
    )
    return report


# who → (unit, roles); expected status for: inbox, road report page, waste report page
TABLE = [
    ("anonymous", None, (302, 302, 302)),
    ("citizen", None, (403, 403, 403)),
    ("road", (ROAD, ["report_officer"]), (200, 200, 404)),
    ("road_lead", (ROAD, ["team_lead"]), (200, 200, 404)),
    # the eAkte's caseworker role does not open the Mängelmelder, even in the right unit
    ("road_caseworker", (ROAD, ["caseworker"]), (403, 403, 403)),
    ("waste", (WASTE, ["report_officer"]), (200, 404, 200)),
    ("other_unit", ("auslaenderbehoerde", ["report_officer"]), (200, 404, 404)),
    ("other_lead", ("auslaenderbehoerde", ["team_lead"]), (200, 404, 404)),
    ("manager", ("landrat", ["manager"]), (403, 403, 403)),
    ("auditor", ("kommunalaufsicht", ["auditor"]), (403, 403, 403)),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("who", "membership", "expected"), TABLE)
def test_authorisation_table(client, django_user_model, who, membership, expected):
    road = _report()
    waste = _report("abfall", idem="w1")
    assert waste.unit.key == WASTE
    if who == "citizen":
        user = django_user_model.objects.create_user("buergerin", "b@example.org", "pw-123456!x")
        client.force_login(user)
    elif membership:
        user, secret = make_staff(f"t-{who}", membership[0], *membership[1])
        login_staff(client, user, secret)
    urls = [
        "/maengelmelder/bearbeitung/",
        f"/maengelmelder/bearbeitung/{road.public_id}/",
        f"/maengelmelder/bearbeitung/{waste.public_id}/",
    ]
    got = tuple(client.get(url).status_code for url in urls)
    assert got == expected
    # a change to another unit's report is refused the same way and changes nothing
    for report, code in ((road, expected[1]), (waste, expected[2])):
        response = client.post(
            f"/maengelmelder/bearbeitung/{report.public_id}/",
            {"action": "status", "status": "fixed", "public_text": "x"},
        )
        if code != 200:
            assert response.status_code == code
            report.refresh_from_db()
            assert report.status == "open"


@pytest.mark.django_db
def test_inbox_lists_only_own_units_reports(client):
    road = _report()
    waste = _report("abfall", idem="w1")
    user, secret = make_staff("t-road", ROAD, "report_officer")
    login_staff(client, user, secret)
    html = client.get("/maengelmelder/bearbeitung/").content.decode()
    assert road.public_id in html and waste.public_id not in html
    for query in (
        "?seite=²",
        "?kategorie=²&gemeinde=99999999999999999999",
        "?tab=x&q=" + "a" * 500,
    ):
        assert client.get("/maengelmelder/bearbeitung/" + query).status_code == 200


@pytest.mark.django_db
def test_fixing_mails_reporter_and_followers_and_records_events(
    client, django_capture_on_commit_callbacks
):
    report = _report()
    services.add_follower(report, email="nachbar@example.org")
    user, secret = make_staff("t-road", ROAD, "report_officer")
    login_staff(client, user, secret)
    url = f"/maengelmelder/bearbeitung/{report.public_id}/"
    page = client.get(url).content.decode()
    assert "melderin@example.org" in page  # staff see whom to ask
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url,
            {
                "action": "status",
                "status": "confirmed",
                "template": "bestaetigt",
                "public_text": "",
                "internal_note": "Bauhof Kolonne 2",
            },
        )
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == "confirmed"
    change = StatusChange.objects.filter(report=report).last()
    assert change.public_text.startswith("Vielen Dank")  # the template's text
    assert change.internal_note == "Bauhof Kolonne 2" and change.actor == user
    assert sorted(m.to[0] for m in mail.outbox) == ["melderin@example.org", "nachbar@example.org"]
    assert "Bauhof Kolonne 2" not in mail.outbox[0].body
    assert report.public_id in mail.outbox[0].subject
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"action": "status", "status": "fixed", "public_text": "Loch verfüllt."})
    report.refresh_from_db()
    assert report.status == "fixed"
    assert len(mail.outbox) == 2 and "Loch verfüllt." in mail.outbox[0].body
    # the public page shows the public text, never the internal note or an address
    public = client.get(f"/maengelmelder/meldung/{report.public_id}/").content.decode()
    assert "Loch verfüllt." in public
    assert "Bauhof Kolonne 2" not in public and "melderin@" not in public
    kinds = list(Event.objects.filter(subject=f"report:{report.pk}").values_list("kind", flat=True))
    assert kinds == [
        event_kinds.REPORT_RECEIVED,
        event_kinds.REPORT_SUPPORTED,
        event_kinds.REPORT_CONFIRMED,
        event_kinds.REPORT_FIXED,
    ]
    fixed = Event.objects.get(subject=f"report:{report.pk}", kind=event_kinds.REPORT_FIXED)
    assert set(fixed.data) == {"category", "area", "from", "to", "days"}
    # reopening is allowed, going back to "in progress" from fixed is not
    response = client.post(url, {"action": "status", "status": "in_progress"})
    assert response.status_code == 400
    report.refresh_from_db()
    assert report.status == "fixed"
    client.post(url, {"action": "status", "status": "confirmed", "template": "wieder-offen"})
    assert Event.objects.filter(
        subject=f"report:{report.pk}", kind=event_kinds.REPORT_REOPENED
    ).exists()


@pytest.mark.django_db
def test_assign_only_to_people_of_the_unit_and_notes_are_internal(client):
    report = _report()
    lead, secret = make_staff("t-lead", ROAD, "team_lead")
    worker, _ = make_staff("t-worker", ROAD, "report_officer")
    outsider, _ = make_staff("t-out", WASTE, "report_officer")
    login_staff(client, lead, secret)
    url = f"/maengelmelder/bearbeitung/{report.public_id}/"
    assert client.post(url, {"action": "assign", "person": outsider.pk}).status_code == 400
    assert client.post(url, {"action": "assign", "person": worker.pk}).status_code == 302
    report.refresh_from_db()
    assert report.assignee == worker
    assert client.post(url, {"action": "note", "internal_note": "Ortstermin Di"}).status_code == 302
    assert client.post(url, {"action": "note", "internal_note": ""}).status_code == 400
    assert client.post(url, {"action": "teleport"}).status_code == 400
    assert client.post(url, {"action": "photo", "photo": "²"}).status_code == 400
    report.refresh_from_db()
    assert report.status == "open"
    assert (
        "Ortstermin Di"
        not in client.get(f"/maengelmelder/meldung/{report.public_id}/").content.decode()
    )


@pytest.mark.django_db
def test_demo_data_loads_and_is_idempotent(harz):
    from pathlib import Path

    from django.conf import settings

    from openkreis.core.loader import LoadReport
    from openkreis.reports import demo

    folder = Path(settings.BASE_DIR) / "tenants" / "harz"
    demo.load_demo(harz, folder, LoadReport())
    count = Report.objects.count()
    assert count == len(demo.DEMO_REPORTS)
    assert set(Report.objects.values_list("status", flat=True)) >= {"open", "fixed", "scheduled"}
    demo.load_demo(harz, folder, LoadReport())
    assert Report.objects.count() == count
