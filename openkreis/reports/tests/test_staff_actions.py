"""The back office's second slice: target times with overdue markers and filter, merging
duplicates, forwarding to another body, bulk actions — each only for the responsible unit."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.utils import timezone

from openkreis.core.testing import login_staff, make_staff
from openkreis.reports import services
from openkreis.reports.models import Body, Category, Follower, Photo, Report, StatusChange

ROAD = "gem-halberstadt-bauamt"
WASTE = "abfallwirtschaft"
INBOX = "/maengelmelder/bearbeitung/"


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()


def _report(key="strasse", idem="r1", email="melderin@example.org", days_ago=0, lon=11.0468):
    report, _ = services.submit(
        services.Submission(
            category=Category.objects.get(key=key),
            description="Schlagloch " + idem,
            lat=51.8957,
            lon=lon,
            email=email,
            idempotency_key=idem + "-" + "x" * 16,
        )
    )
    if days_ago:
        Report.objects.filter(pk=report.pk).update(
            created_at=timezone.now() - timedelta(days=days_ago)
        )
        report.refresh_from_db()
    return report


def _staff(client, unit=ROAD, name="t-road", role="report_officer"):
    user, secret = make_staff(name, unit, role)
    login_staff(client, user, secret)
    return user


# -- 1. target times ----------------------------------------------------------------------
@pytest.mark.django_db
def test_target_times_come_from_county_data():
    targets = dict(Category.objects.values_list("key", "target_days"))
    assert targets["beleuchtung"] == 10 and targets["abfall"] == 5 and targets["strasse"] == 20


@pytest.mark.django_db
def test_overdue_marker_and_filter(client):
    late = _report(idem="late", days_ago=25)  # roads: 20 days
    fresh = _report(idem="fresh", days_ago=3, lon=11.0500)
    done = _report(idem="done", days_ago=40, lon=11.0530)
    services.change_status(done, "fixed", actor=None)
    assert late.overdue_days == 5 and fresh.overdue_days == 0
    done.refresh_from_db()
    assert done.overdue_days == 0  # a fixed report is never overdue
    _staff(client)
    html = client.get(INBOX).content.decode()
    assert "Überfällig seit 5 Tagen" in html  # text, not colour only
    assert html.count("Überfällig seit") == 1
    overdue = client.get(INBOX + "?tab=ueberfaellig").content.decode()
    assert late.public_id in overdue
    assert fresh.public_id not in overdue and done.public_id not in overdue
    page = client.get(f"{INBOX}{late.public_id}/").content.decode()
    assert "Zieldatum" in page and "Überfällig seit 5 Tagen" in page


@pytest.mark.django_db
def test_category_without_target_is_never_overdue():
    Category.objects.filter(key="strasse").update(target_days=None)
    report = _report(idem="old", days_ago=400)
    assert report.overdue_days == 0
    assert not services.overdue(Report.objects.all()).exists()


# -- 2. merge ---------------------------------------------------------------------------------
@pytest.mark.django_db
def test_merge_moves_people_and_closes_with_link(client, django_capture_on_commit_callbacks):
    first = _report(idem="a", email="erste@example.org")
    second = _report(idem="b", email="zweite@example.org", lon=11.0500)
    services.add_follower(second, email="nachbar@example.org")
    services.add_follower(second, email="erste@example.org")  # already on A: not twice
    _staff(client)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"{INBOX}{second.public_id}/", {"action": "merge", "into": first.public_id.lower()}
        )
    assert response.status_code == 302
    second.refresh_from_db()
    assert second.status == "closed_duplicate" and second.duplicate_of == first
    followers = sorted(f.address() for f in Follower.objects.filter(report=first))
    assert followers == ["nachbar@example.org", "zweite@example.org"]
    # B's people get the closing mail that names A
    assert sorted(m.to[0] for m in mail.outbox) == [
        "erste@example.org",
        "nachbar@example.org",
        "zweite@example.org",
    ]
    assert all(first.public_id in m.body for m in mail.outbox)
    public = client.get(f"/maengelmelder/meldung/{second.public_id}/").content.decode()
    assert first.public_id in public
    # A's next change reaches B's people too
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.change_status(first, "fixed", actor=None, public_text="Erledigt.")
    assert sorted(m.to[0] for m in mail.outbox) == [
        "erste@example.org",
        "nachbar@example.org",
        "zweite@example.org",
    ]


@pytest.mark.django_db
def test_merge_bad_input_is_400_and_changes_nothing(client):
    first = _report(idem="a")
    second = _report(idem="b", lon=11.0500)
    waste = _report("abfall", idem="w")
    _staff(client)
    url = f"{INBOX}{second.public_id}/"
    for data in (
        {"action": "merge", "into": ""},
        {"action": "merge", "into": "M-NOPE"},
        {"action": "merge", "into": second.public_id},  # itself
        {"action": "merge", "into": waste.public_id},  # another unit's report
        {"action": "merge", "into": "x" * 500},
    ):
        response = client.post(url, data)
        assert response.status_code == 400, data
        assert "Es gibt ein Problem" in response.content.decode()
    services.change_status(first, "fixed", actor=None)
    assert client.post(url, {"action": "merge", "into": first.public_id}).status_code == 400
    second.refresh_from_db()
    assert second.status == "open" and second.duplicate_of is None
    # another unit cannot merge our report
    client.logout()
    _staff(client, WASTE, "t-waste")
    assert client.post(url, {"action": "merge", "into": waste.public_id}).status_code == 404


# -- 3. forward -------------------------------------------------------------------------------
@pytest.mark.django_db
def test_forward_to_another_body(client, django_capture_on_commit_callbacks):
    report = _report()
    body = Body.objects.get(key="lsbb")
    _staff(client)
    url = f"{INBOX}{report.public_id}/"
    assert "Landesstraßenbaubehörde" in client.get(url).content.decode()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"action": "forward", "body": body.pk})
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == "closed_not_responsible" and report.forwarded_to == body
    # the reporter is told whom to contact; the body (it has an address) gets the facts
    assert sorted(m.to[0] for m in mail.outbox) == [
        "lsbb-meldungen@example.org",
        "melderin@example.org",
    ]
    told = next(m for m in mail.outbox if m.to == ["melderin@example.org"])
    assert "Landesstraßenbaubehörde Sachsen-Anhalt" in told.body
    assert "Halberstadt" in told.body  # whom to contact
    public = client.get(f"/maengelmelder/meldung/{report.public_id}/").content.decode()
    assert "Landesstraßenbaubehörde Sachsen-Anhalt" in public
    # reopening clears the forwarding
    services.change_status(report, "confirmed", actor=None)
    report.refresh_from_db()
    assert report.forwarded_to is None


@pytest.mark.django_db
def test_forward_mails_the_body_the_public_facts_only(client, django_capture_on_commit_callbacks):
    report = _report()
    services.add_follower(report, email="nachbar@example.org")
    shown = Photo(report=report, width=10, height=10, approved=True)
    shown.image.save("a.jpg", ContentFile(b"jpeg"), save=False)
    shown.save()
    hidden = Photo(report=report, width=10, height=10, approved=False)
    hidden.image.save("b.jpg", ContentFile(b"jpeg"), save=False)
    hidden.save()
    user = _staff(client)
    url = f"{INBOX}{report.public_id}/"
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"action": "forward", "body": Body.objects.get(key="lsbb").pk})
    to_body = [m for m in mail.outbox if m.to == ["lsbb-meldungen@example.org"]]
    assert len(to_body) == 1
    text = to_body[0].body
    assert report.public_id in to_body[0].subject and "Halberstadt" in to_body[0].subject
    assert "Schlagloch r1" in text and "Straßen, Wege und Schlaglöcher" in text
    assert "openstreetmap.org/?mlat=51.895700&mlon=11.046800" in text
    assert f"/maengelmelder/meldung/{report.public_id}/" in text
    assert f"/maengelmelder/foto/{shown.pk}/" in text
    assert f"/maengelmelder/foto/{hidden.pk}/" not in text  # not approved: not public
    assert "melderin@" not in text and "nachbar@" not in text  # no consent to pass it on
    # the history notes the mail (internal), the public page does not show it
    note = StatusChange.objects.filter(report=report).last()
    assert "lsbb-meldungen@example.org" in note.internal_note and note.actor == user
    assert note.public_text == ""
    public = client.get(f"/maengelmelder/meldung/{report.public_id}/").content.decode()
    assert "lsbb-meldungen@" not in public


@pytest.mark.django_db
def test_forward_to_a_body_without_address_mails_only_the_reporters(
    client, django_capture_on_commit_callbacks
):
    report = _report()
    _staff(client)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"{INBOX}{report.public_id}/",
            {"action": "forward", "body": Body.objects.get(key="hsb").pk},
        )
    assert response.status_code == 302
    assert [m.to for m in mail.outbox] == [["melderin@example.org"]]


@pytest.mark.django_db
def test_a_merged_reports_public_page_links_the_kept_report():
    kept = _report(idem="a")
    merged = _report(idem="b", lon=11.0500)
    services.merge(merged, kept, actor=None)
    from django.test import Client

    html = Client().get(f"/maengelmelder/meldung/{merged.public_id}/").content.decode()
    assert (
        f'Bereits gemeldet als <a href="/maengelmelder/meldung/{kept.public_id}/">'
        f"{kept.public_id}</a>" in html
    )
    # reopened: no longer a duplicate, no link
    services.change_status(merged, "confirmed", actor=None)
    html = Client().get(f"/maengelmelder/meldung/{merged.public_id}/").content.decode()
    assert "Bereits gemeldet als" not in html


@pytest.mark.django_db
def test_config_refuses_a_bad_body_email(tmp_path):
    import shutil
    from pathlib import Path

    import yaml
    from django.conf import settings

    from openkreis.core.loader import LoadReport, TenantDataError
    from openkreis.reports import config

    source = Path(settings.BASE_DIR) / "tenants" / "harz"
    shutil.copytree(source / "reports", tmp_path / "reports")
    data = yaml.safe_load((source / "reports.yaml").read_text(encoding="utf-8"))
    data["bodies"][0]["email"] = "keine-adresse"
    (tmp_path / "reports.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(TenantDataError, match="email"):
        config.load(None, tmp_path, LoadReport())


@pytest.mark.django_db
def test_forward_bad_input_is_400(client):
    report = _report()
    _staff(client)
    url = f"{INBOX}{report.public_id}/"
    Body.objects.filter(key="db").update(active=False)
    for body in ("", "²", "999999", str(Body.objects.get(key="db").pk)):
        response = client.post(url, {"action": "forward", "body": body})
        assert response.status_code == 400, body
    report.refresh_from_db()
    assert report.status == "open"


# -- 4. bulk actions --------------------------------------------------------------------------
@pytest.mark.django_db
def test_bulk_status_change_with_template(client, django_capture_on_commit_callbacks):
    one = _report(idem="one", email="eins@example.org")
    two = _report(idem="two", email="zwei@example.org", lon=11.0500)
    untouched = _report(idem="three", lon=11.0530)
    _staff(client)
    html = client.get(INBOX).content.decode()
    assert f'name="reports" value="{one.pk}"' in html
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            INBOX + "?tab=offen",
            {"reports": [one.pk, two.pk], "status": "confirmed", "template": "bestaetigt"},
        )
    assert response.status_code == 302 and response["Location"] == INBOX + "?tab=offen"
    statuses = dict(Report.objects.values_list("pk", "status"))
    assert statuses[one.pk] == statuses[two.pk] == "confirmed"
    assert statuses[untouched.pk] == "open"
    assert sorted(m.to[0] for m in mail.outbox) == ["eins@example.org", "zwei@example.org"]
    assert "Vielen Dank" in mail.outbox[0].body
    # a transition the table does not allow is reported per report, the rest applies
    services.change_status(untouched, "fixed", actor=None)
    response = client.post(
        INBOX,
        {"reports": [one.pk, untouched.pk], "status": "scheduled", "template": "geplant"},
        follow=True,
    )
    assert untouched.public_id in response.content.decode()
    assert dict(Report.objects.values_list("pk", "status"))[one.pk] == "scheduled"
    assert Report.objects.get(pk=untouched.pk).status == "fixed"


@pytest.mark.django_db
def test_bulk_assign(client):
    one = _report(idem="one")
    two = _report(idem="two", lon=11.0500)
    worker, _ = make_staff("t-worker", ROAD, "report_officer")
    _staff(client, role="team_lead", name="t-lead")
    assert client.post(INBOX, {"reports": [one.pk, two.pk], "person": worker.pk}).status_code == 302
    assert set(Report.objects.values_list("assignee", flat=True)) == {worker.pk}
    assert client.post(INBOX, {"reports": [one.pk], "unassign": "on"}).status_code == 302
    assert Report.objects.get(pk=one.pk).assignee is None


@pytest.mark.django_db
def test_bulk_bad_input_is_400_and_other_units_reports_are_refused(client):
    own = _report(idem="own")
    waste = _report("abfall", idem="w")
    outsider, _ = make_staff("t-out", WASTE, "report_officer")
    _staff(client)
    cases = [
        {},  # nothing chosen
        {"reports": [own.pk]},  # no action
        {"reports": ["²"], "status": "confirmed", "template": "bestaetigt"},
        {"reports": [waste.pk], "status": "fixed", "template": "behoben"},  # not ours
        {"reports": [own.pk], "status": "confirmed"},  # no template
        {"reports": [own.pk], "status": "fixed", "template": "bestaetigt"},  # wrong template
        {"reports": [own.pk], "status": "closed_duplicate", "template": "doppelt"},
        {"reports": [own.pk], "status": "x" * 300, "template": "bestaetigt"},
        {"reports": [own.pk], "person": outsider.pk},  # not a colleague
        {"reports": [own.pk], "status": "confirmed", "template": "bestaetigt", "unassign": "on"},
    ]
    for data in cases:
        response = client.post(INBOX, data)
        assert response.status_code == 400, data
        assert "Es gibt ein Problem" in response.content.decode()
    assert set(Report.objects.values_list("status", flat=True)) == {"open"}
    assert not Report.objects.exclude(assignee=None).exists()


@pytest.mark.django_db
def test_bulk_needs_the_staff_gate(client, django_user_model):
    own = _report(idem="own")
    data = {"reports": [own.pk], "status": "fixed", "template": "behoben"}
    assert client.post(INBOX, data).status_code == 302  # to the login
    citizen = django_user_model.objects.create_user("b", "b@example.org", "pw-123456!x")
    client.force_login(citizen)
    assert client.post(INBOX, data).status_code == 403
    assert Report.objects.get(pk=own.pk).status == "open"


# -- 5. transparency: median days to fix (k ≥ 5) ------------------------------------------------
def _fixed_after(report, days):
    from openkreis.reports.models import StatusChange

    Report.objects.filter(pk=report.pk).update(created_at=timezone.now() - timedelta(days=days + 1))
    services.change_status(report, "fixed", actor=None)
    StatusChange.objects.filter(report=report, to_status="fixed").update(
        at=timezone.now() - timedelta(days=1)
    )


@pytest.mark.django_db
def test_median_days_to_fix_with_k_anonymity(client):

    for index, days in enumerate((2, 4, 6, 8, 30)):
        _fixed_after(_report(idem=f"s{index}", lon=11.04 + index * 0.002), days)
    for index in range(4):  # only four fixed waste reports: suppressed
        _fixed_after(_report("abfall", idem=f"w{index}", lon=11.04 + index * 0.002), 1)
    old = _report(idem="old", lon=11.06)  # fixed 13 months ago: outside the window
    services.change_status(old, "fixed", actor=None)
    from openkreis.reports.models import StatusChange

    StatusChange.objects.filter(report=old, to_status="fixed").update(
        at=timezone.now() - timedelta(days=400)
    )
    rows = {row["key"]: row for row in services.median_days_to_fix()}
    assert rows["strasse"]["days"] == 6.0 and rows["strasse"]["count"] == 5
    assert rows["abfall"]["days"] is None and rows["abfall"]["count"] is None
    response = client.get("/maengelmelder/")
    assert response.status_code == 200
    shown = {row["key"]: row for row in response.context["transparency"]}
    assert shown["strasse"]["label"] == "Straßen, Wege und Schlaglöcher"
    html = response.content.decode()  # the list page itself shows the line
    assert "6 Tage (Median von 5 behobenen Meldungen)" in html
    assert "zu wenige behobene Meldungen" in html


@pytest.mark.django_db
@pytest.mark.parametrize("bad", ["zehn", 0, 400, True])
def test_config_refuses_bad_target_days(tmp_path, bad):
    import shutil
    from pathlib import Path

    import yaml
    from django.conf import settings

    from openkreis.core.loader import LoadReport, TenantDataError
    from openkreis.reports import config

    source = Path(settings.BASE_DIR) / "tenants" / "harz"
    shutil.copytree(source / "reports", tmp_path / "reports")
    data = yaml.safe_load((source / "reports.yaml").read_text(encoding="utf-8"))
    data["categories"][0]["target_days"] = bad
    (tmp_path / "reports.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(TenantDataError, match="target_days"):
        config.load(None, tmp_path, LoadReport())
