"""The county office (role retail_office with TOTP): approving a shop publishes it and its
place, suspending needs a reason and hides both; the cockpit event and a mail to the
company's administrators. Missed searches: only words searched at least 3 times in the
chosen period, also as CSV."""

import datetime as dt

import pytest
from django.core import mail
from django.core.cache import cache
from django.utils import timezone

from openkreis.accounts.models import CompanyMembership
from openkreis.core import event_kinds
from openkreis.core.models import Event
from openkreis.core.testing import login_as
from openkreis.marketplace import shops
from openkreis.marketplace.models import MissedSearch, Shop

from .factories import customer, shop

pytestmark = pytest.mark.django_db
STAFF = {"office": ("wirtschaftsfoerderung", ["retail_office"])}


@pytest.fixture
def office(client):
    cache.clear()
    login_as(client, "office", STAFF, prefix="m2")
    return client


def test_approve_publishes_and_mails_admins(office):
    admin, member = customer("admin-x"), customer("mitarbeiter-x")
    s = shop("Neueröffnung", members=[admin], status="pending")
    CompanyMembership.objects.create(company=s.company, user=member, role="member")
    s.place.published = False
    s.place.save()
    html = office.get("/einkaufen/verwaltung/").content.decode()
    assert "Neueröffnung" in html
    mail.outbox.clear()
    response = office.post(
        f"/einkaufen/verwaltung/geschaeft/{s.slug}/status/", {"action": "approve"}
    )
    assert response.status_code == 302
    s.refresh_from_db()
    s.place.refresh_from_db()
    assert s.status == Shop.Status.ACTIVE and s.place.published
    event = Event.objects.filter(kind=event_kinds.MARKET_SHOP_STATUS).latest("pk")
    assert event.data == {"shop": s.slug, "status": "active"}
    assert [m.to for m in mail.outbox] == [[admin.email]]
    assert f"/einkaufen/geschaeft/{s.slug}/" in mail.outbox[0].body
    # approving twice is refused with a message
    again = office.post(f"/einkaufen/verwaltung/geschaeft/{s.slug}/status/", {"action": "approve"})
    assert again.status_code == 400


def test_suspend_needs_reason_and_hides(office):
    admin = customer()
    s = shop("Problemladen", members=[admin])
    url = f"/einkaufen/verwaltung/geschaeft/{s.slug}/status/"
    response = office.post(url, {"action": "suspend", "reason": "  "})
    assert response.status_code == 400
    s.refresh_from_db()
    assert s.status == Shop.Status.ACTIVE
    mail.outbox.clear()
    response = office.post(url, {"action": "suspend", "reason": "Falsche Angaben im Profil"})
    assert response.status_code == 302
    s.refresh_from_db()
    s.place.refresh_from_db()
    assert s.status == Shop.Status.SUSPENDED and not s.place.published
    assert "Falsche Angaben im Profil" in mail.outbox[0].body
    event = Event.objects.filter(kind=event_kinds.MARKET_SHOP_STATUS).latest("pk")
    assert event.data == {"shop": s.slug, "status": "suspended"}
    assert office.get(f"/einkaufen/geschaeft/{s.slug}/").status_code == 404
    assert office.post(url, {"action": "delete"}).status_code == 400
    assert (
        office.post(
            "/einkaufen/verwaltung/geschaeft/gibt-es-nicht/status/", {"action": "approve"}
        ).status_code
        == 404
    )


def test_set_status_refuses_other_states():
    s = shop()
    with pytest.raises(shops.ShopError):
        shops.set_status(s, Shop.Status.PENDING)


def test_missed_searches_threshold_period_and_csv(office):
    today = timezone.localdate()
    MissedSearch.objects.create(query="lastenrad", day=today, count=2)
    MissedSearch.objects.create(query="lastenrad", day=today - dt.timedelta(days=3), count=2)
    MissedSearch.objects.create(query="einzelstück", day=today, count=2)
    MissedSearch.objects.create(query="=hyperlink()", day=today, count=5)
    MissedSearch.objects.create(query="altes", day=today - dt.timedelta(days=60), count=9)
    response = office.get("/einkaufen/verwaltung/fehlende-suchen/")
    assert response.status_code == 200
    rows = {r["query"]: r["total"] for r in response.context["rows"]}
    assert rows == {"lastenrad": 4, "=hyperlink()": 5}
    older = office.get(
        "/einkaufen/verwaltung/fehlende-suchen/",
        {"von": (today - dt.timedelta(days=90)).isoformat(), "bis": today.isoformat()},
    )
    assert "altes" in {r["query"] for r in older.context["rows"]}
    csv = office.get(
        "/einkaufen/verwaltung/fehlende-suchen/",
        {
            "von": (today - dt.timedelta(days=6)).isoformat(),
            "bis": today.isoformat(),
            "format": "csv",
        },
    )
    assert csv.status_code == 200 and csv["Content-Type"].startswith("text/csv")
    text = csv.content.decode("utf-8-sig")
    assert "lastenrad;4;" in text and "'=hyperlink()" in text
    assert "einzelstück" not in text and "altes" not in text
    bad = office.get(
        "/einkaufen/verwaltung/fehlende-suchen/", {"von": "2026-05-01", "bis": "2026-04-01"}
    )
    assert bad.status_code == 400
    assert (
        office.get("/einkaufen/verwaltung/fehlende-suchen/", {"von": "gestern"}).status_code == 400
    )
