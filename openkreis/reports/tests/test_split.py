"""Split: staff make a second report from one that is really two — routed by the new
category, same reporter and followers, photos that move, both histories, events, only the
responsible unit's staff, 400 on bad input."""

import pytest
from django.core import mail
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.test import Client

from openkreis.core import event_kinds
from openkreis.core.models import Event
from openkreis.core.testing import login_staff, make_staff
from openkreis.reports import services
from openkreis.reports.models import Category, Photo, Report, StatusChange

ROAD = "gem-halberstadt-bauamt"
WASTE = "abfallwirtschaft"
INBOX = "/maengelmelder/bearbeitung/"


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()


def _report(key="strasse", idem="s1", email="melderin@example.org"):
    report, _ = services.submit(
        services.Submission(
            category=Category.objects.get(key=key),
            description="Schlagloch und daneben eine kaputte Laterne",
            lat=51.8957,
            lon=11.0468,
            street="Breiter Weg 12",
            place="vor der Bäckerei",
            email=email,
            idempotency_key=idem + "-" + "x" * 16,
        )
    )
    return report


def _photo(report, approved=False):
    photo = Photo(report=report, width=10, height=10, approved=approved)
    photo.image.save("p.jpg", ContentFile(b"jpeg"), save=False)
    photo.save()
    return photo


def _staff(client, unit=ROAD, name="t-road"):
    user, secret = make_staff(name, unit, "report_officer")
    login_staff(client, user, secret)
    return user


@pytest.mark.django_db
def test_split_makes_a_routed_report_for_the_same_people(
    client, django_capture_on_commit_callbacks
):
    report = _report()
    services.add_follower(report, email="nachbar@example.org")
    keep, move = _photo(report), _photo(report, approved=True)
    user = _staff(client)
    url = f"{INBOX}{report.public_id}/"
    page = client.get(url).content.decode()
    assert "In zwei Meldungen aufteilen" in page and 'value="split"' in page
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url,
            {
                "action": "split",
                "new_category": Category.objects.get(key="abfall").pk,
                "new_description": "Sperrmüll neben dem Schlagloch",
                "new_place": "",
                "move_photos": [str(move.pk)],
            },
        )
    assert response.status_code == 302
    new = Report.objects.get(split_from=report)
    # routed by the table for the new category: the waste unit of the county
    assert new.unit.key == WASTE and new.category.key == "abfall"
    assert new.status == "open" and new.area == report.area
    assert (new.lat, new.lon, new.street) == (report.lat, report.lon, report.street)
    assert new.place == "vor der Bäckerei"  # empty field: the original's place text
    assert new.description == "Sperrmüll neben dem Schlagloch"
    assert new.email == "melderin@example.org"
    assert [f.address() for f in new.followers.all()] == ["nachbar@example.org"]
    assert list(new.photos.all()) == [move] and list(report.photos.all()) == [keep]
    # the original stays as it is, with a public line in its history
    report.refresh_from_db()
    assert report.status == "open" and report.category.key == "strasse"
    line = StatusChange.objects.filter(report=report).last()
    assert line.public_text.startswith(f"Aufgeteilt: neue Meldung {new.public_id}")
    assert line.actor == user
    first = StatusChange.objects.get(report=new)
    assert first.public_text == f"Aufgeteilt aus Meldung {report.public_id}."
    # both people are told about the new report (one mail each)
    assert sorted(m.to[0] for m in mail.outbox) == ["melderin@example.org", "nachbar@example.org"]
    assert all(new.public_id in m.subject and report.public_id in m.body for m in mail.outbox)
    # events: split on the original (no person), received on the new one
    split = Event.objects.get(subject=f"report:{report.pk}", kind=event_kinds.REPORT_SPLIT)
    assert split.data == {
        "category": "strasse",
        "area": report.area.region.ars,
        "new": f"report:{new.pk}",
        "new_category": "abfall",
    }
    assert Event.objects.filter(
        subject=f"report:{new.pk}", kind=event_kinds.REPORT_RECEIVED
    ).exists()
    # public pages say so and link each other
    public = Client().get(f"/maengelmelder/meldung/{report.public_id}/").content.decode()
    assert f"Aufgeteilt: neue Meldung {new.public_id}" in public
    assert f'href="/maengelmelder/meldung/{new.public_id}/"' in public
    other = Client().get(f"/maengelmelder/meldung/{new.public_id}/").content.decode()
    assert f'href="/maengelmelder/meldung/{report.public_id}/"' in other
    assert "melderin@" not in public + other
    # the new report is in the waste unit's inbox, not in ours
    assert client.get(f"{INBOX}{new.public_id}/").status_code == 404
    client.logout()
    _staff(client, WASTE, "t-waste")
    assert new.public_id in client.get(INBOX).content.decode()
    # the next status change of the new report reaches both people
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.change_status(new, "fixed", actor=None, public_text="Abgeholt.")
    assert sorted(m.to[0] for m in mail.outbox) == ["melderin@example.org", "nachbar@example.org"]


@pytest.mark.django_db
def test_split_bad_input_is_400_and_changes_nothing(client):
    report = _report()
    other = _report(idem="s2")
    foreign = _photo(other)
    _staff(client)
    url = f"{INBOX}{report.public_id}/"
    light = Category.objects.get(key="beleuchtung").pk
    for data in (
        {"action": "split", "new_category": "", "new_description": "x"},
        {"action": "split", "new_category": "²", "new_description": "x"},
        {"action": "split", "new_category": "99999999999999999999", "new_description": "x"},
        {"action": "split", "new_category": light, "new_description": ""},
        {"action": "split", "new_category": light, "new_description": "x" * 2001},
        {"action": "split", "new_category": light, "new_description": "x", "new_place": "y" * 501},
    ):
        response = client.post(url, data)
        assert response.status_code == 400, data
        assert "Es gibt ein Problem" in response.content.decode()
    # a photo of another report (the field offers none here: this report has no photos)
    _photo(report)
    response = client.post(
        url,
        {
            "action": "split",
            "new_category": light,
            "new_description": "x",
            "move_photos": [str(foreign.pk)],
        },
    )
    assert response.status_code == 400
    assert Report.objects.filter(split_from=report).count() == 0
    assert list(foreign.report.photos.all()) == [foreign]
    # a closed report cannot be split
    services.change_status(report, "fixed", actor=None)
    response = client.post(
        url, {"action": "split", "new_category": light, "new_description": "Laterne"}
    )
    assert response.status_code == 400
    assert "abgeschlossene Meldung" in response.content.decode()
    assert not Report.objects.filter(split_from=report).exists()


@pytest.mark.django_db
def test_only_the_responsible_units_staff_split(client, django_user_model):
    report = _report()
    light = Category.objects.get(key="beleuchtung").pk
    data = {"action": "split", "new_category": light, "new_description": "Laterne"}
    url = f"{INBOX}{report.public_id}/"
    assert client.post(url, data).status_code == 302  # to the login
    citizen = django_user_model.objects.create_user("buerger", "b@example.org", "pw-123456!x")
    client.force_login(citizen)
    assert client.post(url, data).status_code == 403
    client.logout()
    _staff(client, WASTE, "t-waste")
    assert client.post(url, data).status_code == 404
    client.logout()
    user, secret = make_staff("t-case", ROAD, "caseworker")  # the eAkte's role
    login_staff(client, user, secret)
    assert client.post(url, data).status_code == 403
    assert not Report.objects.filter(split_from=report).exists()
