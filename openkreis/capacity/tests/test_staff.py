"""The staff side of the Kapazitätsfinder: a Kita reports free places, the coordination sees
applications without names, the county runs rounds and makes overrides with a reason —
never beyond the free places. Staff log in through the login pages with TOTP."""

import datetime as dt
import threading
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import connection

from openkreis.capacity import coordination, demo, services
from openkreis.capacity.models import (
    Application,
    FreePlaces,
    Kita,
    KitaGroup,
    Offer,
    PlaceAlert,
    Round,
)
from openkreis.core import event_kinds
from openkreis.core.loader import LoadReport
from openkreis.core.models import Event, Organisation, OrgUnit, StaffMembership
from openkreis.core.staff import areas_for
from openkreis.core.testing import login_staff, make_staff

from .factories import WERNIGERODE, baby, child, parent, start

REASON = "Härtefall nach Stellungnahme der Familienhilfe (Akte im Jugendamt)"


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()


def two_kitas():
    """Kita A and B in Wernigerode; no free places anywhere else."""
    FreePlaces.objects.all().delete()
    a, b = Kita.objects.filter(municipality__ars=WERNIGERODE).order_by("key")[:2]
    return a, b


def month_value(month: dt.date) -> str:
    return month.strftime("%Y-%m")


def apply_to(kid, kitas):
    return services.apply(kid, start_month=start(), hours=8, kitas=kitas)


def krippe(kita) -> KitaGroup:
    return KitaGroup.objects.get(kita=kita, age_group="krippe")


def staff(client, name, unit, role):
    user, secret = make_staff(name, unit, role)
    login_staff(client, user, secret)
    return user


@pytest.fixture
def county(client, harz):
    return staff(client, "kreis-kita", "jugendamt", "kita_coordinator")


def kita_staff_of(kita, client, name="kita-a"):
    org = Organisation.objects.get(key="gem-wernigerode")
    kita.unit = OrgUnit.objects.create(organisation=org, key=f"unit-{name}", name=kita.name)
    kita.save(update_fields=["unit"])
    return staff(client, name, f"unit-{name}", "kita_staff")


# -- pages --------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_every_page_works_for_the_county(client, county):
    a, b = two_kitas()
    FreePlaces.objects.create(group=krippe(a), month=start(), free=1)
    first = apply_to(child(parent("p1"), "Mia", baby()), [a, b])
    second = apply_to(child(parent("p2"), "Ole", baby()), [a])
    round_ = services.run_round(actor=county, seed=5)
    pages = {
        "/kita/verwaltung/": ["Kita-Plätze", a.name, b.name],
        f"/kita/verwaltung/kita/{a.key}/": ["Freie Plätze melden", "Mia"],
        "/kita/verwaltung/antraege/": [f"K-{first.pk:06d}", f"K-{second.pk:06d}"],
        f"/kita/verwaltung/antraege/?kita={b.key}": [f"K-{first.pk:06d}"],
        "/kita/verwaltung/runden/": ["Runde jetzt durchführen", f"Runde {round_.pk}"],
        f"/kita/verwaltung/runden/{round_.pk}/": ["5", f"K-{first.pk:06d}"],
        "/kita/verwaltung/warteliste/": [f"K-{second.pk:06d}"],
        f"/kita/verwaltung/antraege/{second.pk}/": ["Angebot außerhalb der Runde"],
        f"/kita/verwaltung/antraege/{first.pk}/": ["Offenes Angebot zurücknehmen"],
    }
    for url, texts in pages.items():
        response = client.get(url, HTTP_ACCEPT_LANGUAGE="de")
        assert response.status_code == 200, url
        page = response.content.decode()
        for text in texts:
            assert text in page, (url, text)
    # the applications list is pseudonymised: numbers, no first names
    listing = client.get("/kita/verwaltung/antraege/").content.decode()
    assert "Mia" not in listing and "Ole" not in listing
    assert "kita" in dict(areas_for(county))


@pytest.mark.django_db
def test_kita_staff_see_only_their_kita_and_first_names_only(client, harz):
    a, b = two_kitas()
    user = kita_staff_of(a, client)
    FreePlaces.objects.create(group=krippe(a), month=start(), free=1)
    kid = child(parent("p1"), "Mia", baby(), siblings=[a])
    apply_to(kid, [a])
    services.run_round(seed=3)
    home = client.get("/kita/verwaltung/").content.decode()
    assert a.name in home and b.name not in home
    page = client.get(f"/kita/verwaltung/kita/{a.key}/").content.decode()
    assert "Mia" in page
    # no criteria, no points, no birth date on the Kita's page
    assert "Geschwister" not in page and kid.birth_date.strftime("%d.%m.%Y") not in page
    assert client.get(f"/kita/verwaltung/kita/{b.key}/").status_code == 403
    assert coordination.scope_for(user).kita_ids == {a.pk}


@pytest.mark.django_db
def test_unknown_kita_and_application_answer_404(client, county):
    assert client.get("/kita/verwaltung/kita/gibt-es-nicht/").status_code == 404
    assert client.get("/kita/verwaltung/antraege/?kita=gibt-es-nicht").status_code == 404
    assert client.get("/kita/verwaltung/antraege/999999/").status_code == 404
    assert client.get("/kita/verwaltung/runden/999999/").status_code == 404


# -- free places --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_reporting_free_places_creates_and_replaces_the_number(client, harz):
    a, _b = two_kitas()
    user = kita_staff_of(a, client)
    url = f"/kita/verwaltung/kita/{a.key}/"
    data = {"group": krippe(a).pk, "month": month_value(start()), "free": 3}
    assert client.post(url, data).status_code == 302
    row = FreePlaces.objects.get(group=krippe(a), month=start())
    assert (row.free, row.reported_by) == (3, user)
    assert client.post(url, {**data, "free": 1}).status_code == 302
    row.refresh_from_db()
    assert row.free == 1
    event = Event.objects.filter(kind=event_kinds.KITA_FREE_PLACES_REPORTED).last()
    assert event.data["free"] == 1 and event.data["kita"] == a.key


@pytest.mark.django_db
def test_bad_free_places_input_is_a_form_error(client, harz):
    a, b = two_kitas()
    kita_staff_of(a, client)
    url = f"/kita/verwaltung/kita/{a.key}/"
    for data in (
        {"group": krippe(a).pk, "month": month_value(start()), "free": -1},
        {"group": krippe(a).pk, "month": "1999-01", "free": 2},
        {"group": krippe(b).pk, "month": month_value(start()), "free": 2},  # another Kita's
        {"group": "x", "month": "y", "free": "z"},
    ):
        response = client.post(url, data, HTTP_ACCEPT_LANGUAGE="de")
        assert response.status_code == 400, data
        assert "Es gibt ein Problem" in response.content.decode()
    assert not FreePlaces.objects.exists()


@pytest.mark.django_db
def test_fewer_free_places_than_open_offers_hold_are_refused(client, harz):
    a, _b = two_kitas()
    kita_staff_of(a, client)
    FreePlaces.objects.create(group=krippe(a), month=start(), free=2)
    apply_to(child(parent("p1"), "Mia", baby()), [a])
    apply_to(child(parent("p2"), "Ole", baby()), [a])
    services.run_round(seed=1)
    assert Offer.objects.filter(status="open").count() == 2
    url = f"/kita/verwaltung/kita/{a.key}/"
    response = client.post(
        url,
        {"group": krippe(a).pk, "month": month_value(start()), "free": 1},
        HTTP_ACCEPT_LANGUAGE="de",
    )
    assert response.status_code == 400
    assert "2 offene Angebote" in response.content.decode()
    assert FreePlaces.objects.get(group=krippe(a), month=start()).free == 2


# -- rounds -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_county_starts_a_round_and_sees_its_seed(client, county):
    a, _b = two_kitas()
    FreePlaces.objects.create(group=krippe(a), month=start(), free=1)
    apply_to(child(parent("p1"), "Mia", baby()), [a])
    response = client.post("/kita/verwaltung/runden/", {"seed": "4242"})
    round_ = Round.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/{round_.pk}/")
    assert (round_.seed, round_.started_by, round_.summary["offers"]) == (4242, county, 1)
    page = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert "4242" in page and "Angebote dieser Runde" in page
    # without a seed a random one is drawn; a bad seed is a form error
    assert client.post("/kita/verwaltung/runden/", {"seed": ""}).status_code == 302
    assert client.post("/kita/verwaltung/runden/", {"seed": "-3"}).status_code == 400
    assert Round.objects.count() == 2


# -- overrides ----------------------------------------------------------------------------------


def _offer_post(client, application, group, reason):
    return client.post(
        f"/kita/verwaltung/antraege/{application.pk}/",
        {"action": "offer", "group": group.pk, "month": month_value(start()), "reason": reason},
        HTTP_ACCEPT_LANGUAGE="de",
    )


@pytest.mark.django_db
def test_an_override_needs_a_reason_and_is_recorded(client, county):
    a, b = two_kitas()
    FreePlaces.objects.create(group=krippe(b), month=start(), free=1)
    application = apply_to(child(parent("p1"), "Mia", baby()), [a])
    for reason in ("", "zu kurz"):
        response = _offer_post(client, application, krippe(b), reason)
        assert response.status_code == 400
        assert "Begründung" in response.content.decode()
    assert not Offer.objects.exists()

    assert _offer_post(client, application, krippe(b), REASON).status_code == 302
    offer = Offer.objects.get()
    assert (offer.group, offer.round, offer.wish_rank, offer.override_reason) == (
        krippe(b),
        None,
        None,
        REASON,
    )
    application.refresh_from_db()
    assert application.status == Application.Status.OFFERED
    event = Event.objects.get(kind=event_kinds.KITA_OFFER_OVERRIDDEN)
    assert event.subject == f"kita_application:{application.pk}"
    assert "Mia" not in str(event.data) and REASON not in str(event.data)

    # withdrawal: also only with a reason; the application waits again, with its wishes
    url = f"/kita/verwaltung/antraege/{application.pk}/"
    short = client.post(url, {"action": "withdraw", "offer": offer.pk, "reason": "nein"})
    assert short.status_code == 400
    done = client.post(url, {"action": "withdraw", "offer": offer.pk, "reason": REASON})
    assert done.status_code == 302
    offer.refresh_from_db()
    application.refresh_from_db()
    assert offer.status == Offer.Status.WITHDRAWN and REASON in offer.override_reason
    assert application.status == Application.Status.SUBMITTED
    assert application.wishes.count() == 1
    assert Event.objects.filter(kind=event_kinds.KITA_OFFER_OVERRIDDEN).count() == 2
    # nothing open any more to withdraw: a form error, not a 500
    again = client.post(url, {"action": "withdraw", "offer": offer.pk, "reason": REASON})
    assert again.status_code == 400


@pytest.mark.django_db
def test_an_override_never_exceeds_the_free_places(client, county):
    a, b = two_kitas()
    FreePlaces.objects.create(group=krippe(a), month=start(), free=1)
    holder = apply_to(child(parent("p1"), "Mia", baby()), [a])
    other = apply_to(child(parent("p2"), "Ole", baby()), [b])
    services.run_round(seed=2)
    assert Offer.objects.get().application == holder
    # the one free place is held by an open offer: no override on top of it
    response = _offer_post(client, other, krippe(a), REASON)
    assert response.status_code == 400
    assert "keinen freien Platz" in response.content.decode()
    # no row at all for a group: refused as well
    assert _offer_post(client, other, krippe(b), REASON).status_code == 400
    assert Offer.objects.count() == 1
    # a group of the wrong age is not even offered in the form
    kindergarten = KitaGroup.objects.get(kita=a, age_group="kindergarten")
    assert _offer_post(client, other, kindergarten, REASON).status_code == 400
    # the service refuses the same without the form
    with pytest.raises(services.CapacityError):
        coordination.override_offer(other, krippe(a), start(), reason=REASON, actor=county)
    # an application that already holds an offer gets no second one
    FreePlaces.objects.filter(group=krippe(a)).update(free=5)
    with pytest.raises(services.CapacityError):
        coordination.override_offer(holder, krippe(a), start(), reason=REASON, actor=county)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_overrides_never_exceed_the_free_places():
    """Six overrides at once for a group with two free places: the row lock lets exactly
    two through."""
    a, _b = two_kitas()
    FreePlaces.objects.create(group=krippe(a), month=start(), free=2)
    actor, _secret = make_staff("kreis-race", "jugendamt", "kita_coordinator")
    applications = [apply_to(child(parent(f"race{i}"), f"Kind {i}", baby()), [a]) for i in range(6)]
    barrier = threading.Barrier(len(applications))
    results, lock = [], threading.Lock()

    def attempt(application):
        try:
            barrier.wait()
            coordination.override_offer(application, krippe(a), start(), reason=REASON, actor=actor)
            outcome = "won"
        except services.CapacityError:
            outcome = "lost"
        except Exception as exc:  # noqa: BLE001 - reported below
            outcome = repr(exc)
        finally:
            connection.close()
        with lock:
            results.append(outcome)

    workers = [threading.Thread(target=attempt, args=(app,)) for app in applications]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert sorted(results) == ["lost"] * 4 + ["won"] * 2
    assert Offer.objects.filter(status="open").count() == 2


# -- demo data and the staff area ---------------------------------------------------------------


@pytest.mark.django_db
def test_demo_staff_and_kita_units(harz):
    folder = Path(settings.BASE_DIR) / "tenants" / "harz"
    demo.load_demo(harz, folder, LoadReport())
    demo.load_demo(harz, folder, LoadReport())  # idempotent
    assert not Kita.objects.filter(active=True, unit=None).exists()
    roles = {
        m.user.username: (m.org_unit.key, m.role)
        for m in StaffMembership.objects.filter(user__username__startswith="kita-")
    }
    assert roles == {
        "kita-kunterbunt": ("kita-wernigerode-kunterbunt", "kita_staff"),
        "kita-wernigerode": ("gem-wernigerode-kita", "kita_coordinator"),
        "kita-landkreis": ("jugendamt", "kita_coordinator"),
    }
    users = get_user_model().objects
    scope = coordination.scope_for(users.get(username="kita-wernigerode"))
    assert set(scope.kitas().values_list("municipality__ars", flat=True)) == {WERNIGERODE}
    assert coordination.scope_for(users.get(username="kita-landkreis")).county
    kita = coordination.scope_for(users.get(username="kita-kunterbunt")).kitas()
    assert [k.key for k in kita] == ["wernigerode-kunterbunt"]


# -- free places reach the parents' alerts (notify.py) -----------------------------------------


@pytest.mark.django_db
def test_more_free_places_tell_the_parents_after_the_commit(
    client, harz, django_capture_on_commit_callbacks
):
    a, _b = two_kitas()
    kita_staff_of(a, client)
    alert = PlaceAlert.objects.create(user=parent("wartend"), age_group="krippe")
    url = f"/kita/verwaltung/kita/{a.key}/"
    data = {"group": krippe(a).pk, "month": month_value(start()), "free": 2}
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert client.post(url, data).status_code == 302
    assert callbacks  # notify.places_freed (and the mail it sends) after the commit
    alert.refresh_from_db()
    assert alert.last_sent_at is not None
    # fewer places: nobody is told
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert client.post(url, {**data, "free": 1}).status_code == 302
    assert callbacks == []
