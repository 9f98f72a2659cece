"""Retention of the Kapazitätsfinder's personal data (capacity/retention.py), the command
`purge_kita_data`, the Celery tasks and beat, and the account's export and deletion."""

import datetime as dt
import io

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone

from openkreis.appointments import services as engine
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
    assert tasks.purge_kita_data() == {
        "applications": 0,
        "children": 0,
        "alerts": 1,
        "slots_expired": 0,
        "bookings": 0,
        "waitlist": 0,
    }
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


# -- doctor slots and waiting lists -----------------------------------------------------------
def _provider_setup():
    from openkreis.capacity.models import DoctorSlot

    from .factories import booked, practice, slot

    p = practice("ret-praxis", retention_days=30)
    past_free = slot(p, days=-1)
    past_cancelled = slot(p, days=-1, hour=11)
    booked(past_cancelled, "CANC0001", "Ex", "ex@example.org", state="cancelled")
    recent = slot(p, days=-10)
    booked(recent, "RECENT01", "Ria", "r@example.org")
    old = slot(p, days=-31)
    booked(old, "OLDBOOK1", "Olga", "o@example.org")
    booked(old, "OLDCANC1", "Otto", "ot@example.org", state="cancelled")
    ahead = slot(p, days=3)
    booked(ahead, "AHEAD001", "Anna", "a@example.org")
    return (
        p,
        DoctorSlot,
        {
            "past_free": past_free,
            "past_cancelled": past_cancelled,
            "recent": recent,
            "old": old,
            "ahead": ahead,
        },
    )


@pytest.mark.django_db
def test_passed_slots_and_old_bookings_go_after_the_practices_retention_time(harz):
    from openkreis.capacity.models import SlotBooking, WaitlistEntry
    from openkreis.core import event_kinds
    from openkreis.core.models import Event

    p, DoctorSlot, slots = _provider_setup()
    now = timezone.now()

    def entry(name, **when):
        return WaitlistEntry.objects.create(
            practice=p, specialty=p.specialty, name=name, email=f"{name}@example.org", **when
        )

    told_long_ago = entry("w1", notified_at=now - dt.timedelta(days=31))
    told_lately = entry("w2", notified_at=now - dt.timedelta(days=5))
    waiting_forever = entry("w3", created_at=now - dt.timedelta(days=retention.WAITLIST_DAYS + 1))
    waiting = entry("w4", created_at=now - dt.timedelta(days=100))
    before = set(DoctorSlot.objects.values_list("pk", flat=True))
    expect = {"slots_expired": 2, "bookings": 2, "waitlist": 2}
    assert retention.purge_providers(dry_run=True) == expect
    assert set(DoctorSlot.objects.values_list("pk", flat=True)) == before

    assert tasks.purge_kita_data() == {"applications": 0, "children": 0, "alerts": 0, **expect}
    left = set(DoctorSlot.objects.filter(practice=p).values_list("pk", flat=True))
    assert left == {slots["recent"].pk, slots["ahead"].pk}
    assert set(SlotBooking.objects.values_list("code", flat=True)) >= {"RECENT01", "AHEAD001"}
    assert not SlotBooking.objects.filter(code__in=["CANC0001", "OLDBOOK1", "OLDCANC1"]).exists()
    # the engine's claims of the deleted bookings are given back, the others stay
    p.refresh_from_db()
    claimed = engine.dated_claims().filter(counter=p.resource).values_list("start", flat=True)
    assert sorted(claimed) == [slots["recent"].start, slots["ahead"].start]
    assert set(WaitlistEntry.objects.values_list("pk", flat=True)) == {
        told_lately.pk,
        waiting.pk,
    }
    assert not WaitlistEntry.objects.filter(pk__in=[told_long_ago.pk, waiting_forever.pk]).exists()
    expired = Event.objects.filter(kind=event_kinds.SLOT_EXPIRED)
    assert {e.subject for e in expired} == {
        f"doctor_slot:{slots['past_free'].pk}",
        f"doctor_slot:{slots['past_cancelled'].pk}",
    }
    assert retention.purge_providers() == {"slots_expired": 0, "bookings": 0, "waitlist": 0}

    # a county with a longer time keeps the bookings longer
    p.retention_days = 60
    p.save()
    old = slots["recent"]
    old.start = timezone.now() - dt.timedelta(days=45)
    old.save()
    assert retention.purge_providers()["bookings"] == 0
    assert DoctorSlot.objects.filter(pk=old.pk).exists()


@pytest.mark.django_db
def test_the_command_reports_the_doctor_slots(harz):
    _provider_setup()
    out = io.StringIO()
    call_command("purge_kita_data", "--dry-run", stdout=out)
    assert (
        "Doctor slots: 2 passed without a booking, 2 bookings past the practices' retention "
        "time, 0 waiting-list entries would be deleted." in out.getvalue()
    )


@pytest.mark.django_db
def test_the_account_export_and_deletion_include_bookings_and_waiting_lists(
    harz, django_capture_on_commit_callbacks
):
    from django.core import mail

    from openkreis.capacity import providers
    from openkreis.capacity.models import SlotBooking, WaitlistEntry

    from .factories import booked, practice, slot

    anna, ben = parent("annaslot"), parent("benslot")
    p = practice("gdpr-praxis", notify_waiting=1)
    ahead, gone = slot(p, days=4), slot(p, days=-2)
    booking = providers.book(ahead.pk, "Anna A", "annaslot@example.org", user=anna)
    booked(gone, "PASTANNA", "Anna A", "x@e.org", user=anna)
    providers.join_waitlist(p, "Anna A", "AnnaSlot@example.org")
    providers.join_waitlist(p, "Ben B", "benslot@example.org")

    exported = personal_data.export_all(anna)["freie_termine"]
    assert {b["number"] for b in exported["bookings"]} == {booking.code, "PASTANNA"}
    assert exported["bookings"][0]["practice"] == p.name
    assert [w["email"] for w in exported["waiting_lists"]] == ["annaslot@example.org"]
    assert personal_data.export_all(ben)["freie_termine"]["bookings"] == []

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        personal_data.personal_data["freie_termine"].erase(anna)
    assert not SlotBooking.objects.filter(code__in=[booking.code, "PASTANNA"]).exists()
    p.refresh_from_db()
    assert not engine.dated_claims().filter(counter=p.resource).exists()  # both claims back
    # the slot ahead is free again and the first person waiting hears of it
    assert ahead.pk in {s.pk for s in providers.free_slots()}
    assert [m.to for m in mail.outbox] == [["benslot@example.org"]]
    assert list(WaitlistEntry.objects.values_list("email", flat=True)) == ["benslot@example.org"]
