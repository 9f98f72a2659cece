"""Retention of the Kapazitätsfinder's personal data (capacity/retention.py), the command
`purge_kita_data`, the Celery tasks and beat, and the account's export and deletion."""

import datetime as dt
import io

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone

from openkreis.capacity import retention, services, tasks
from openkreis.capacity.models import (
    Application,
    Child,
    FreePlaces,
    Kita,
    Offer,
    PlaceAlert,
    Round,
    Rules,
    Wish,
)
from openkreis.core import personal_data

from .factories import WERNIGERODE, baby, child, free, parent, start

DAYS = 730


@pytest.fixture
def kitas(harz):
    Rules.objects.filter(region=None).update(retention_days=DAYS)
    FreePlaces.objects.all().delete()
    a, b = Kita.objects.filter(municipality__ars=WERNIGERODE).order_by("key")[:2]
    free(a, "krippe", start(), 2)
    return a, b


def closed(app: Application, status: str, days_ago: int) -> Application:
    app.status = status
    app.closed_at = timezone.now() - dt.timedelta(days=days_ago)
    app.save(update_fields=["status", "closed_at"])
    return app


def aged(c: Child, days_ago: int) -> Child:
    Child.objects.filter(pk=c.pk).update(created_at=timezone.now() - dt.timedelta(days=days_ago))
    return c


@pytest.mark.django_db
def test_closed_applications_go_after_the_retention_time_with_wishes_offers_and_child(kitas):
    a, b = kitas
    anna = parent("annaret")
    old = aged(child(anna, "Mia", baby()), DAYS + 100)
    placed = services.apply(old, start_month=start(), hours=8, kitas=[a, b])
    services.run_round(seed=1)
    services.accept(Offer.objects.get(application=placed), parent=anna)
    closed(Application.objects.get(pk=placed.pk), "placed", DAYS + 1)

    # placed, but closed only yesterday: stays
    ben = parent("benret")
    recent = aged(child(ben, "Leo", baby()), DAYS + 100)
    kept = services.apply(recent, start_month=start(), hours=8, kitas=[a])
    closed(kept, "withdrawn", 1)

    # an open application stays however old it is
    open_child = aged(child(ben, "Ida", baby()), DAYS + 100)
    waiting = services.apply(open_child, start_month=start(), hours=8, kitas=[b])
    Application.objects.filter(pk=waiting.pk).update(
        applied_at=timezone.now() - dt.timedelta(days=DAYS + 50)
    )

    # a child never applied for: goes after the retention time from its creation; a new one stays
    never = aged(child(ben, "Ole", baby()), DAYS + 1)
    new = child(ben, "Uwe", baby())

    assert retention.purge(dry_run=True) == {"applications": 1, "children": 2, "alerts": 0}
    assert Application.objects.filter(pk=placed.pk).exists()

    assert retention.purge() == {"applications": 1, "children": 2, "alerts": 0}
    assert not Application.objects.filter(pk=placed.pk).exists()
    assert not Wish.objects.filter(application_id=placed.pk).exists()
    assert not Offer.objects.filter(application_id=placed.pk).exists()
    assert set(Child.objects.values_list("pk", flat=True)) == {recent.pk, open_child.pk, new.pk}
    assert not Child.objects.filter(pk__in=[old.pk, never.pk]).exists()
    assert set(Application.objects.values_list("pk", flat=True)) == {kept.pk, waiting.pk}
    assert Round.objects.count() == 1  # a seed and counts: no person, kept
    # nothing left to do
    assert retention.purge() == {"applications": 0, "children": 0, "alerts": 0}


@pytest.mark.django_db
def test_the_county_setting_decides_and_the_command_reports(kitas):
    a, _b = kitas
    anna = parent("annacmd")
    mia = aged(child(anna, "Mia", baby()), 400)
    app = closed(services.apply(mia, start_month=start(), hours=8, kitas=[a]), "withdrawn", 100)
    out = io.StringIO()
    call_command("purge_kita_data", "--dry-run", stdout=out)
    assert "0 applications, 0 children" in out.getvalue()

    Rules.objects.filter(region=None).update(retention_days=90)
    out = io.StringIO()
    call_command("purge_kita_data", "--dry-run", stdout=out)
    assert "1 applications, 1 children, 0 alerts older than 90 days would be deleted" in (
        out.getvalue()
    )
    assert Application.objects.filter(pk=app.pk).exists()
    call_command("purge_kita_data", stdout=io.StringIO())
    assert not Application.objects.filter(pk=app.pk).exists()
    assert not Child.objects.filter(pk=mia.pk).exists()


@pytest.mark.django_db
def test_alerts_go_when_the_parent_has_nothing_open(kitas):
    a, _b = kitas
    long_ago = timezone.now() - dt.timedelta(days=DAYS + 5)
    idle, busy, fresh = parent("idlealert"), parent("busyalert"), parent("freshalert")
    gone = PlaceAlert.objects.create(user=idle, age_group="krippe", created_at=long_ago)
    kept_busy = PlaceAlert.objects.create(user=busy, age_group="krippe", created_at=long_ago)
    services.apply(child(busy, "Mia", baby()), start_month=start(), hours=8, kitas=[a])
    kept_sent = PlaceAlert.objects.create(
        user=fresh,
        age_group="krippe",
        created_at=long_ago,
        last_sent_at=timezone.now() - dt.timedelta(days=3),
    )
    assert tasks.purge_kita_data() == {"applications": 0, "children": 0, "alerts": 1}
    assert set(PlaceAlert.objects.values_list("pk", flat=True)) == {kept_busy.pk, kept_sent.pk}
    assert not PlaceAlert.objects.filter(pk=gone.pk).exists()


@pytest.mark.django_db
def test_the_account_export_and_deletion_include_the_kita_data(kitas):
    a, b = kitas
    anna, ben = parent("annagdpr"), parent("bengdpr")
    mia = child(anna, "Mia", baby())
    services.apply(mia, start_month=start(), hours=7, kitas=[a, b], flags=["hardship"])
    services.run_round(seed=4)
    PlaceAlert.objects.create(user=anna, age_group="krippe")
    other = child(ben, "Leo", baby())

    exported = personal_data.export_all(anna)["kita"]
    (entry,) = exported["children"]
    assert (entry["first_name"], entry["birth_date"]) == ("Mia", baby().isoformat())
    (application,) = entry["applications"]
    assert application["wishes"] == [a.name, b.name]
    assert application["flags"] == ["hardship"]
    assert application["offers"][0]["kita"] == a.name
    assert exported["alerts"][0]["age_group"] == "krippe"
    assert personal_data.export_all(ben)["kita"]["children"][0]["applications"] == []

    personal_data.erase_all(anna)
    assert not Child.objects.filter(parent=anna).exists()
    assert not Application.objects.filter(child=mia.pk).exists()
    assert not PlaceAlert.objects.filter(user=anna).exists()
    assert Child.objects.filter(pk=other.pk).exists()


@pytest.mark.django_db
def test_tasks_expire_offers(kitas):
    a, _b = kitas
    anna = parent("annatask")
    services.apply(child(anna, "Mia", baby()), start_month=start(), hours=8, kitas=[a])
    services.run_round(seed=2)
    Offer.objects.update(deadline=timezone.now() - dt.timedelta(minutes=1))
    assert tasks.expire_offers() == 1
    assert Offer.objects.get().status == Offer.Status.EXPIRED


def test_beat_runs_the_kita_tasks():
    tasks_by_name = {e["task"]: e["schedule"] for e in settings.CELERY_BEAT_SCHEDULE.values()}
    assert tasks_by_name["openkreis.capacity.tasks.expire_offers"] <= 3600
    assert tasks_by_name["openkreis.capacity.tasks.remind_offers"] <= 3600
    assert tasks_by_name["openkreis.capacity.tasks.purge_kita_data"] == 86400
