"""Dated slots of private resources (services/dated.py): the engine's one claim for a
resource that is no public office — exclusive, given back at once, never on the public
pages, and never a cell of a public counter."""

import datetime as dt
import threading

import pytest
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from openkreis.appointments import services
from openkreis.appointments.models import Booking, Branch, Counter, SlotClaim

from .helpers import book, first_slot, svc

pytestmark = pytest.mark.django_db


def soon(hours=30):
    return timezone.now().replace(microsecond=0) + dt.timedelta(hours=hours)


def test_a_private_resource_is_made_once_and_is_no_office():
    counter = services.private_resource("practice:test", "Praxis Test")
    again = services.private_resource("practice:test", "anders")
    assert counter == again and Counter.objects.filter(branch__key="practice:test").count() == 1
    branch = counter.branch
    assert branch.private and branch.location is None and str(branch) == "Praxis Test"
    # a public branch cannot be taken for a private resource, nor the other way round
    office = Branch.objects.filter(private=False).first()
    office.key = "buero"
    office.save(update_fields=["key"])
    with pytest.raises(ValueError):
        services.private_resource("buero")
    with pytest.raises(IntegrityError), transaction.atomic():
        Branch.objects.create(private=True)  # neither location nor key
    with pytest.raises(IntegrityError), transaction.atomic():
        Branch.objects.create(private=False, key="ohne-ort")  # an office needs a Location


def test_a_dated_claim_is_exclusive_and_given_back_at_once():
    counter = services.private_resource("practice:a")
    other = services.private_resource("practice:b")
    start = soon()
    claim = services.claim_dated(counter, start)
    assert (claim.counter, claim.start, claim.booking) == (counter, start, None)
    assert services.is_claimed(counter, start) and not services.is_claimed(other, start)
    assert not services.is_claimed(None, start)
    with pytest.raises(services.SlotTaken):
        services.claim_dated(counter, start)
    # the lost race leaves the caller's transaction usable (a savepoint)
    with transaction.atomic():
        with pytest.raises(services.SlotTaken):
            services.claim_dated(counter, start)
        assert services.claim_dated(counter, start + dt.timedelta(minutes=7)).pk
    # the same start of another resource, and an overlapping start, are other slots
    assert services.claim_dated(other, start).pk
    assert services.release_dated([claim.pk, None]) == 1
    assert not services.is_claimed(counter, start)
    assert services.claim_dated(counter, start).pk != claim.pk
    with pytest.raises(services.BookingError):
        services.claim_dated(counter, timezone.now() - dt.timedelta(minutes=1))


def test_dated_claims_are_for_private_resources_only_and_leave_bookings_alone(halberstadt):
    chosen = svc("fuehrerschein-umtausch")
    slot = first_slot(halberstadt, chosen, after_today=True)
    booking = book(halberstadt, chosen, slot)
    public_counter = booking.counter
    with pytest.raises(ValueError):
        services.claim_dated(public_counter, slot.start + dt.timedelta(days=1))
    cells = list(booking.claims.values_list("pk", flat=True))
    assert services.release_dated(cells) == 0  # a booking's cells are not dated claims
    assert booking.claims.count() == len(cells)
    assert set(services.dated_claims()) == set()


def test_a_private_resource_never_shows_on_the_public_pages(client, halberstadt):
    counter = services.private_resource("practice:geheim", "Praxis Geheim")
    Counter.objects.filter(pk=counter.pk).update(label="Geheimzimmer")
    counter.services.set(halberstadt.services.all())  # even if it claimed to serve them
    counter.branch.services.set(halberstadt.services.all())
    services.claim_dated(counter, soon())
    assert counter.branch not in services.tenant_branches()
    chosen = svc("fuehrerschein-umtausch")
    assert all(o["branch"] != counter.branch for o in services.branches_for(chosen))
    page = client.get(reverse("appointments:start")).content.decode()
    assert "Praxis Geheim" not in page
    offices = client.get(reverse("appointments:location"), {"leistung": "fuehrerschein-umtausch"})
    assert offices.status_code == 200
    assert "Praxis Geheim" not in offices.content.decode()
    # and no booking, reminder or no-show ever sees a dated claim
    assert not Booking.objects.filter(counter=counter).exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_threads_racing_for_one_dated_slot_exactly_one_claims_it():
    counter = services.private_resource("practice:race")
    start = soon()
    threads, results, lock = 10, [], threading.Lock()
    barrier = threading.Barrier(threads)

    def attempt():
        try:
            barrier.wait()
            with transaction.atomic():
                services.claim_dated(counter, start)
            outcome = "won"
        except services.SlotTaken:
            outcome = "lost"
        except Exception as exc:  # noqa: BLE001 - reported below
            outcome = repr(exc)
        finally:
            connection.close()
        with lock:
            results.append(outcome)

    workers = [threading.Thread(target=attempt) for _ in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert sorted(results) == ["lost"] * (threads - 1) + ["won"], results
    assert SlotClaim.objects.filter(counter=counter, start=start).count() == 1
