"""The Kapazitätsfinder's `kita.*` events (docs/events.md): written by the services, counts and
places only — never a child's name, birth date or parent."""

import datetime as dt
import json

import pytest
from django.utils import timezone

from openkreis.capacity import events, services
from openkreis.capacity.models import FreePlaces, Kita, KitaGroup, Offer
from openkreis.core import event_kinds
from openkreis.core.models import Event

from .factories import HALBERSTADT, WERNIGERODE, baby, child, free, parent, start


def kita_events(kind=None):
    qs = Event.objects.filter(kind__startswith="kita.").order_by("id")
    return list(qs.filter(kind=kind) if kind else qs)


def no_personal_data(*names):
    """No event mentions the children's names, birth dates or the parents."""
    dump = json.dumps([(e.subject, e.data) for e in kita_events()])
    for name in names:
        assert name not in dump
    assert baby().isoformat() not in dump


@pytest.fixture
def market(harz):
    FreePlaces.objects.all().delete()
    a, b = Kita.objects.filter(municipality__ars=WERNIGERODE).order_by("key")[:2]
    free(a, "krippe", start(), 1)
    p1, p2 = parent("annaevents"), parent("benevents")
    mia = child(p1, "Mia", baby())
    leo = child(p2, "Leo", baby(), ars=HALBERSTADT)
    return a, b, (p1, mia), (p2, leo)


@pytest.mark.django_db
def test_apply_and_round_write_events_without_personal_data(market):
    a, b, (p1, mia), (p2, leo) = market
    first = services.apply(mia, start_month=start(), hours=8, kitas=[a, b])
    services.apply(leo, start_month=start(), hours=8, kitas=[a])

    submitted = kita_events(event_kinds.KITA_APPLICATION_SUBMITTED)
    assert [e.subject for e in submitted][0] == f"kita_application:{first.pk}"
    assert submitted[0].data == {
        "municipality": WERNIGERODE,
        "age_group": "krippe",
        "month": f"{start():%Y-%m}",
        "wishes": 2,
    }
    assert submitted[1].data["municipality"] == HALBERSTADT

    round_ = services.run_round(seed=3)
    (ran,) = kita_events(event_kinds.KITA_ROUND_RUN)
    assert ran.subject == f"kita_round:{round_.pk}"
    assert ran.data == {"applications": 2, "offers": 1, "pools": 1, "places": 1}
    (made,) = kita_events(event_kinds.KITA_OFFER_MADE)
    offer = Offer.objects.get()
    assert made.subject == f"kita_application:{offer.application_id}"
    assert made.data["kita"] == a.key
    assert made.data["municipality"] == WERNIGERODE  # the Kita's municipality
    assert (made.data["age_group"], made.data["wish_rank"]) == ("krippe", 1)
    assert 0 <= made.data["days"] < 1
    no_personal_data("Mia", "Leo", "annaevents", "benevents", p1.email, p2.email)


@pytest.mark.django_db
def test_accept_decline_and_expiry_are_recorded(market):
    a, b, (p1, mia), (p2, leo) = market
    free(b, "krippe", start(), 1)
    services.apply(mia, start_month=start(), hours=8, kitas=[a])
    services.apply(leo, start_month=start(), hours=8, kitas=[b])
    services.run_round(seed=5)
    mine = Offer.objects.get(application__child=mia)
    theirs = Offer.objects.get(application__child=leo)

    services.accept(mine, parent=p1)
    (accepted,) = kita_events(event_kinds.KITA_OFFER_ACCEPTED)
    assert accepted.data["kita"] == a.key

    services.decline(theirs, parent=p2)
    (declined,) = kita_events(event_kinds.KITA_OFFER_DECLINED)
    assert declined.data["kita"] == b.key

    # a refused action writes nothing
    with pytest.raises(services.CapacityError):
        services.decline(theirs, parent=p2)
    assert len(kita_events(event_kinds.KITA_OFFER_DECLINED)) == 1

    # the next round offers C's place again … and its deadline passes
    c = Kita.objects.filter(municipality__ars=WERNIGERODE).order_by("key")[2]
    free(c, "krippe", start(), 1)
    leo_app = theirs.application
    leo_app.wishes.create(rank=5, kita=c)
    services.run_round(seed=6)
    late = Offer.objects.get(application=leo_app, status=Offer.Status.OPEN)
    assert services.expire_offers(now=late.deadline + dt.timedelta(seconds=1)) == 1
    (expired,) = kita_events(event_kinds.KITA_OFFER_EXPIRED)
    assert expired.data["kita"] == c.key
    assert expired.subject == f"kita_application:{leo_app.pk}"
    no_personal_data("Mia", "Leo", p1.email, p2.email)


@pytest.mark.django_db
def test_record_free_places_names_the_municipality_age_group_month_and_number(harz):
    kita = Kita.objects.filter(municipality__ars=WERNIGERODE).order_by("key").first()
    row = FreePlaces.objects.create(
        group=KitaGroup.objects.get(kita=kita, age_group="kindergarten"),
        month=start(),
        free=4,
        reported_at=timezone.now(),
    )
    user = parent("kitastaff")
    events.record_free_places(row, user)
    (event,) = kita_events(event_kinds.KITA_FREE_PLACES_REPORTED)
    assert event.subject == f"kita_places:{kita.key}"
    assert event.data == {
        "kita": kita.key,
        "municipality": WERNIGERODE,
        "age_group": "kindergarten",
        "month": f"{start():%Y-%m}",
        "free": 4,
    }
    assert "kitastaff" not in json.dumps(event.data)


def test_every_kita_kind_is_listed():
    kinds = {k for k in event_kinds.ALL if k.startswith("kita.")}
    assert kinds == {
        "kita.application_submitted",
        "kita.application_withdrawn",
        "kita.round_run",
        "kita.offer_made",
        "kita.offer_accepted",
        "kita.offer_declined",
        "kita.offer_expired",
        "kita.offer_overridden",
        "kita.free_places_reported",
    }


@pytest.mark.django_db
def test_withdrawal_is_recorded_with_the_application_data(market):
    a, _b, (p1, mia), _other = market
    application = services.apply(mia, start_month=start(), hours=8, kitas=[a])
    services.withdraw(application, parent=p1)
    (withdrawn,) = kita_events(event_kinds.KITA_APPLICATION_WITHDRAWN)
    assert withdrawn.subject == f"kita_application:{application.pk}"
    assert withdrawn.data == {
        "municipality": WERNIGERODE,
        "age_group": "krippe",
        "month": f"{start():%Y-%m}",
        "wishes": 1,
    }
    no_personal_data("Mia", p1.email)


# -- doctor slots and holiday rooms -----------------------------------------------------------
def provider_events():
    return list(Event.objects.filter(kind__regex=r"^(slot|room)\.").order_by("id"))


@pytest.mark.django_db
def test_slot_and_room_events_carry_no_personal_data(harz):
    from openkreis.capacity import providers, retention
    from openkreis.capacity.models import DoctorSlot, Practice, Room

    from .factories import slot

    Event.objects.all().delete()
    practice = Practice.objects.get(key="wr-hausarzt-brocken")
    start_ = timezone.now().replace(microsecond=0) + dt.timedelta(days=2)
    assert providers.add_slot(practice, start_, 20)
    assert not providers.add_slot(practice, start_, 20)  # the same time again: no event
    (published,) = provider_events()
    assert (published.kind, published.subject) == (
        event_kinds.SLOT_PUBLISHED,
        "practice:wr-hausarzt-brocken",
    )
    assert published.data == {
        "practice": "wr-hausarzt-brocken",
        "specialty": "allgemeinmedizin",
        "municipality": WERNIGERODE,
        "count": 1,
        "source": "manual",
    }
    new = DoctorSlot.objects.get(practice=practice, start=start_)
    booking = providers.book(new.pk, "Erika Mustermann", "erika.m@example.org")
    assert providers.cancel(booking, by="practice")
    again = providers.book(new.pk, "Max Meier", "max.meier@example.org")
    providers.cancel(again)
    kinds = [e.kind for e in provider_events()]
    twice = [event_kinds.SLOT_BOOKED, event_kinds.SLOT_CANCELLED] * 2
    assert kinds == [event_kinds.SLOT_PUBLISHED, *twice]
    booked, cancelled, _booked, cancelled_again = provider_events()[1:]
    assert booked.subject == f"doctor_slot:{new.pk}"
    assert booked.data["minutes"] == 20 and 1.9 <= booked.data["days_ahead"] <= 2.1
    assert cancelled.kind == event_kinds.SLOT_CANCELLED and cancelled.data["by"] == "practice"
    assert cancelled_again.data["by"] == "resident"

    past = slot(practice, days=-2)
    room = Room.objects.filter(host__key="ilsenburg-ilsetal").first()
    arrival = timezone.localdate() + dt.timedelta(days=10)
    providers.send_room_request(
        room,
        {
            "arrival": arrival,
            "departure": arrival + dt.timedelta(days=3),
            "persons": 2,
            "name": "Gast Gustav",
            "email": "gustav@example.org",
            "message": "Wir kommen mit Hund",
        },
    )
    requested = provider_events()[-1]
    assert requested.kind == event_kinds.ROOM_REQUESTED
    assert requested.subject == f"room:{room.pk}"
    assert requested.data == {
        "host": "ilsenburg-ilsetal",
        "municipality": room.host.municipality.ars,
        "persons": 2,
        "nights": 3,
        "days_ahead": 10,
    }
    counts = retention.purge_providers()
    assert counts["slots_expired"] >= 1
    expired = [e for e in provider_events() if e.kind == event_kinds.SLOT_EXPIRED]
    assert f"doctor_slot:{past.pk}" in {e.subject for e in expired}
    dump = json.dumps([(e.subject, e.data) for e in provider_events()])
    for secret in ("Erika", "Mustermann", "erika.m@", "Max", "Gustav", "gustav@", "Hund"):
        assert secret not in dump
