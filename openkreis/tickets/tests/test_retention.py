"""Retention of the guest tickets (tickets/retention.py, tasks.py): stays go with guests,
tickets and HarzCard entries after Scheme.retention_days, check events too; the account's
export and deletion (core.personal_data) leave the company's stays in place."""

import datetime as dt
import json

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone

from openkreis.core import personal_data
from openkreis.tickets import retention, tasks
from openkreis.tickets.models import (
    AttractionEntry,
    CheckEvent,
    Guest,
    Scheme,
    Stay,
    Ticket,
)

from . import _t4data as data

pytestmark = pytest.mark.django_db
DAYS = 30


@pytest.fixture
def scheme(harz):
    Scheme.objects.all().delete()
    return Scheme.objects.create(retention_days=DAYS)


@pytest.fixture
def stays(scheme):
    today = timezone.localdate()
    place = data.accommodation("Wernigerode")
    old = data.stay(place, today - dt.timedelta(days=DAYS + 10), 3, 2)  # left 37 days ago
    recent = data.stay(place, today - dt.timedelta(days=DAYS - 5), 3, 1)  # left 22 days ago
    future_cancelled = data.stay(
        place,
        today + dt.timedelta(days=60),
        2,
        1,
        cancelled_at=timezone.now() - dt.timedelta(days=DAYS + 1),
    )
    castle = data.attraction()
    for made in (old, recent):
        for ticket in data.tickets_for(made):
            data.entry(ticket, castle, timezone.now() - dt.timedelta(days=DAYS + 5))
    data.check("257", timezone.now() - dt.timedelta(days=DAYS + 1))
    data.check("257", timezone.now() - dt.timedelta(days=DAYS - 1))
    return old, recent, future_cancelled


def test_a_dry_run_counts_and_deletes_nothing(stays):
    counts = retention.purge(dry_run=True)
    assert counts == {"stays": 2, "guests": 3, "tickets": 2, "entries": 2, "checks": 1}
    assert Stay.objects.filter(pk__in=[s.pk for s in stays]).count() == 3


def test_the_purge_deletes_old_stays_with_guests_tickets_entries_and_old_checks(stays):
    old, recent, cancelled = stays
    assert tasks.purge_ticket_data() == {
        "stays": 2,
        "guests": 3,
        "tickets": 2,
        "entries": 2,
        "checks": 1,
    }
    assert list(Stay.objects.filter(pk__in=[s.pk for s in stays])) == [recent]
    assert not Guest.objects.filter(stay_id__in=[old.pk, cancelled.pk]).exists()
    assert not Ticket.objects.filter(guest__stay_id=old.pk).exists()
    assert Ticket.objects.filter(guest__stay=recent).count() == 1
    # the recent stay's entry stays even though the entry itself is old: it goes with its stay
    assert AttractionEntry.objects.filter(ticket__guest__stay=recent).count() == 1
    assert CheckEvent.objects.count() == 1
    # idempotent
    assert retention.purge() == {"stays": 0, "guests": 0, "tickets": 0, "entries": 0, "checks": 0}


def test_without_a_scheme_the_default_retention_applies(harz):
    Scheme.objects.all().delete()
    assert retention.retention_days() == retention.DEFAULT_RETENTION_DAYS


def test_the_purge_runs_daily_by_beat():
    entry = settings.CELERY_BEAT_SCHEDULE["tickets-purge"]
    assert entry == {"task": "openkreis.tickets.tasks.purge_ticket_data", "schedule": 86400.0}
    assert tasks.purge_ticket_data.name == entry["task"]


def test_export_and_deletion_of_a_hosts_member(stays):
    old, recent, _cancelled = stays
    user = get_user_model().objects.create_user("gastgeberin", "g@example.org", "x" * 16)
    other = get_user_model().objects.create_user("kollege", "k@example.org", "x" * 16)
    Stay.objects.filter(pk=recent.pk).update(created_by=user)
    Stay.objects.filter(pk=old.pk).update(created_by=other)
    AttractionEntry.objects.filter(ticket__guest__stay=recent).update(recorded_by=user)

    section = personal_data.export_all(user)["tickets"]
    json.dumps(section)  # JSON-ready
    assert [s["stay"] for s in section["stays_registered"]] == [str(recent.public_id)]
    assert section["stays_registered"][0]["guests"] == 1
    assert "Muster" not in json.dumps(section)  # the guests' names are the company's records
    assert section["harzcard_entries_recorded"] == 1

    personal_data.erase_all(user)
    recent.refresh_from_db()
    assert recent.created_by is None  # the stay stays with the company
    assert recent.accommodation.company.accommodations.get().stays.filter(pk=recent.pk).exists()
    assert Guest.objects.filter(stay=recent).count() == 1
    assert not AttractionEntry.objects.filter(recorded_by=user).exists()
    assert Stay.objects.get(pk=old.pk).created_by == other  # others' rows untouched
    assert personal_data.export_all(user)["tickets"]["stays_registered"] == []
