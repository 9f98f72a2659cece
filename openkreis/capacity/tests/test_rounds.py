"""Applications, allocation rounds and offers: the parent's side of a Kita place."""

import datetime as dt
import threading

import pytest
from django.db import connection
from django.utils import timezone

from openkreis.capacity import services
from openkreis.capacity.models import Application, FreePlaces, Kita, KitaGroup, Offer, Round

from .factories import HALBERSTADT, WERNIGERODE, baby, child, parent, start


def krippe_kitas():
    """Two Wernigerode Kitas, only they have free places (in the Krippe, at the start)."""
    FreePlaces.objects.all().delete()
    a, b = Kita.objects.filter(municipality__ars=WERNIGERODE).order_by("key")[:2]
    for kita in (a, b):
        FreePlaces.objects.create(
            group=KitaGroup.objects.get(kita=kita, age_group="krippe"), month=start(), free=1
        )
    return a, b


@pytest.mark.django_db
def test_a_round_offers_by_priority_and_explains_the_better_wish(harz):
    a, b = krippe_kitas()
    p1, p2 = parent("anna"), parent("ben")
    # Wernigerode gives a sibling 12 points, residence 10: the sibling from Halberstadt wins A
    resident = child(p1, "Mia", baby())
    sibling = child(p2, "Leo", baby(), ars=HALBERSTADT, siblings=[a])
    first = services.apply(resident, start_month=start(), hours=8, kitas=[a, b])
    second = services.apply(sibling, start_month=start(), hours=8, kitas=[a])

    round_ = services.run_round(seed=11)
    assert round_.summary == {"applications": 2, "offers": 2, "pools": 2, "places": 2}
    won_a = Offer.objects.get(application=second)
    got_b = Offer.objects.get(application=first)
    assert (won_a.group.kita, won_a.wish_rank, won_a.points) == (a, 1, 12)
    assert (got_b.group.kita, got_b.wish_rank) == (b, 2)
    assert got_b.explanation == [
        {
            "kita": a.pk,
            "code": "priority",
            "your_points": 10,
            "cutoff_points": 12,
            "missing": ["sibling"],
        }
    ]
    assert got_b.deadline > timezone.now() + dt.timedelta(days=13)
    assert set(Application.objects.values_list("status", flat=True)) == {"offered"}

    # a second round offers nothing more: the open offers hold the places
    again = services.run_round(seed=12)
    assert again.summary["offers"] == 0 and again.summary["places"] == 0


@pytest.mark.django_db
def test_accepting_takes_the_place_and_closes_the_application(harz):
    a, _ = krippe_kitas()
    p = parent("carla")
    application = services.apply(child(p, "Ida", baby()), start_month=start(), hours=6, kitas=[a])
    services.run_round(seed=1)
    offer = Offer.objects.get(application=application)
    with pytest.raises(services.CapacityError):
        services.accept(offer, parent=parent("someone-else"))
    services.accept(offer, parent=p)
    application.refresh_from_db()
    assert application.status == "placed"
    assert FreePlaces.objects.get(group=offer.group, month=offer.month).free == 0
    with pytest.raises(services.CapacityError, match="nicht mehr offen|no longer open"):
        services.accept(offer, parent=p)


@pytest.mark.django_db
def test_a_declined_or_expired_offer_goes_to_the_next_round(harz):
    a, b = krippe_kitas()
    p1, p2 = parent("dora"), parent("emil")
    early = services.apply(child(p1, "Ole", baby()), start_month=start(), hours=8, kitas=[a, b])
    Application.objects.filter(pk=early.pk).update(applied_at=timezone.now() - dt.timedelta(days=9))
    late = services.apply(child(p2, "Pia", baby()), start_month=start(), hours=8, kitas=[a])
    services.run_round(seed=3)
    offer = Offer.objects.get(application=early)
    assert offer.group.kita == a  # same points: the earlier application wins A
    assert not Offer.objects.filter(application=late).exists()
    services.decline(offer, parent=p1)

    services.run_round(seed=4)
    assert Offer.objects.get(application=late).group.kita == a
    retry = Offer.objects.get(application=early, status="open")
    assert retry.group.kita == b  # A is not offered again to whoever declined it

    # the late child's offer expires: it waits again, without A
    Offer.objects.filter(application=late).update(deadline=timezone.now() - dt.timedelta(hours=1))
    assert services.expire_offers() == 1
    late.refresh_from_db()
    assert late.status == "submitted" and not late.wishes.exists()


@pytest.mark.django_db
def test_bad_applications_are_refused_with_a_reason(harz):
    a, b = krippe_kitas()
    p = parent("fritz")
    c = child(p, "Tom", baby())
    kindergarten_only = Kita.objects.exclude(groups__age_group="krippe").first()
    cases = [
        ({"kitas": []}, "mindestens|at least"),
        ({"kitas": list(Kita.objects.all()[:6])}, "höchstens|at most"),
        ({"kitas": [a, a]}, "nur einmal|only once"),
        ({"kitas": [a], "start_month": services.add_months(start(), -4)}, "Monat|month"),
        ({"kitas": [a], "flags": ["rich"]}, "Kriterium|criterion"),
    ]
    if kindergarten_only is not None:
        cases.append(({"kitas": [kindergarten_only]}, "Alter|age"))
    for kwargs, message in cases:
        arguments = {"start_month": start(), "hours": 8, **kwargs}
        with pytest.raises(services.CapacityError, match=message):
            services.apply(c, **arguments)
    services.apply(c, start_month=start(), hours=8, kitas=[a, b])
    with pytest.raises(services.CapacityError, match="offenen Antrag|open application"):
        services.apply(c, start_month=start(), hours=8, kitas=[b])


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_acceptances_never_exceed_the_free_places():
    """Eight offers for one free place (made by hand, as after a manual change of the
    reported places): the row lock lets exactly one acceptance through."""
    kita = Kita.objects.filter(municipality__ars=WERNIGERODE).order_by("key").first()
    group = KitaGroup.objects.get(kita=kita, age_group="krippe")
    FreePlaces.objects.create(group=group, month=start(), free=1)
    round_ = Round.objects.create(seed=1)
    offers = []
    for i in range(8):
        p = parent(f"race{i}")
        application = Application.objects.create(
            child=child(p, f"Kind {i}", baby()), start_month=start(), hours=8, status="offered"
        )
        offers.append(
            (
                p,
                Offer.objects.create(
                    round=round_,
                    application=application,
                    group=group,
                    month=start(),
                    deadline=timezone.now() + dt.timedelta(days=1),
                ),
            )
        )
    barrier = threading.Barrier(len(offers))
    results, lock = [], threading.Lock()

    def attempt(p, offer):
        try:
            barrier.wait()
            services.accept(offer, parent=p)
            outcome = "won"
        except services.CapacityError:
            outcome = "lost"
        except Exception as exc:  # noqa: BLE001 - reported below
            outcome = repr(exc)
        finally:
            connection.close()
        with lock:
            results.append(outcome)

    workers = [threading.Thread(target=attempt, args=pair) for pair in offers]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert sorted(results) == ["lost"] * 7 + ["won"]
    assert FreePlaces.objects.get(group=group).free == 0
    assert Offer.objects.filter(status="accepted").count() == 1
