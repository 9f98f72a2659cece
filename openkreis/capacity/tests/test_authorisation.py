"""Authorisation table of the Kapazitätsfinder's staff pages: who may see and report a
Kita's free places, see the applications naming it, start a round, make an override.
Staff log in through the real login pages with their second factor (core.testing)."""

import pytest
from django.core.cache import cache

from openkreis.capacity.models import FreePlaces, KitaGroup, Offer, Round
from openkreis.core.models import Organisation, OrgUnit
from openkreis.core.testing import login_as

from .factories import baby, child, parent, start
from .test_staff import apply_to, month_value, two_kitas

ROLES = {
    "kita_a": ("kita-test-a", ["kita_staff"]),
    "kita_b": ("kita-test-b", ["kita_staff"]),
    "municipality_a": ("gem-wernigerode-kita", ["kita_coordinator"]),
    "municipality_other": ("gem-halberstadt-kita", ["kita_coordinator"]),
    "county": ("jugendamt", ["kita_coordinator"]),
    "caseworker": ("jugendamt", ["caseworker"]),
}

OK, DENIED, LOGIN = "allowed", 403, "login"

# role → view Kita A places, report Kita A places, view applications naming A,
#        override (an offer outside the round), start a round
TABLE = [
    ("anonymous", (LOGIN, LOGIN, LOGIN, LOGIN, LOGIN)),
    ("citizen", (DENIED, DENIED, DENIED, DENIED, DENIED)),
    ("kita_a", (OK, OK, DENIED, DENIED, DENIED)),
    ("kita_b", (DENIED, DENIED, DENIED, DENIED, DENIED)),
    ("municipality_a", (OK, OK, OK, DENIED, DENIED)),
    ("municipality_other", (DENIED, DENIED, DENIED, DENIED, DENIED)),
    ("county", (OK, OK, OK, OK, OK)),
    ("caseworker", (DENIED, DENIED, DENIED, DENIED, DENIED)),
]


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()


def _outcome(response) -> object:
    if response.status_code in (200, 302) and not (
        response.status_code == 302 and "/konto/login/" in response["Location"]
    ):
        return OK
    if response.status_code == 302:
        return LOGIN
    return response.status_code


@pytest.mark.django_db
@pytest.mark.parametrize(("role", "expected"), TABLE, ids=[row[0] for row in TABLE])
def test_authorisation_table(client, role, expected):
    a, b = two_kitas()
    wernigerode = Organisation.objects.get(key="gem-wernigerode")
    for kita, key in ((a, "kita-test-a"), (b, "kita-test-b")):
        kita.unit = OrgUnit.objects.create(organisation=wernigerode, key=key, name=kita.name)
        kita.save(update_fields=["unit"])
    group = KitaGroup.objects.get(kita=a, age_group="krippe")
    FreePlaces.objects.create(group=group, month=start(), free=2)
    application = apply_to(child(parent("eltern-x"), "Mia", baby()), [a])
    if role == "citizen":
        client.force_login(parent("buergerin"))
    else:
        login_as(client, role, ROLES, prefix="kt")

    got = (
        _outcome(client.get(f"/kita/verwaltung/kita/{a.key}/")),
        _outcome(
            client.post(
                f"/kita/verwaltung/kita/{a.key}/",
                {"group": group.pk, "month": month_value(start()), "free": 5},
            )
        ),
        _outcome(client.get(f"/kita/verwaltung/antraege/?kita={a.key}")),
        _outcome(
            client.post(
                f"/kita/verwaltung/antraege/{application.pk}/",
                {
                    "action": "offer",
                    "group": group.pk,
                    "month": month_value(start()),
                    "reason": "Härtefall: Antrag der Familienhilfe vom Jugendamt",
                },
            )
        ),
        _outcome(client.post("/kita/verwaltung/runden/", {"seed": "7"})),
    )
    assert got == expected
    # what was refused changed nothing; what was allowed took effect
    assert FreePlaces.objects.get(group=group, month=start()).free == (
        5 if expected[1] == OK else 2
    )
    assert Offer.objects.filter(round=None).exists() == (expected[3] == OK)
    assert Round.objects.exists() == (expected[4] == OK)
