"""The guest wallet: by access key only, the stay's tickets or one, QR codes that carry the
signed code, the service worker and manifest, the PDF; revoked tickets show no QR code."""

import io
import json
import re

import pytest
import segno  # noqa: F401  (the QR library the wallet uses)
from django.utils import translation
from pypdf import PdfReader

from openkreis.tickets import services
from openkreis.tickets.models import Ticket
from openkreis.tickets.wallet import qr_svg

from .factories import accommodation, host, stay


@pytest.fixture
def paid(db):
    _user, company = host()
    return stay(accommodation(company), adults=2, children=1, paid=True, names=[("Eva", "Ott")])


def test_stay_link_shows_all_tickets_with_qr_codes(client, paid):
    link = services.stay_link_ticket(paid)
    response = client.get(f"/hatix/t/{link.access_key}/")
    assert response.status_code == 200
    body = response.content.decode()
    tickets = Ticket.objects.filter(guest__stay=paid)
    assert body.count('class="qr-code"') == 3
    for ticket in tickets:
        assert ticket.serial in body
    assert "EO" in body and "Ott" not in body  # initials only
    assert response["Referrer-Policy"] == "no-referrer"
    assert "noindex" in response["X-Robots-Tag"]
    assert 'rel="manifest"' in body and "tickets/wallet" in body


def test_the_wallet_leads_to_the_day_planning_near_the_accommodation(client, paid):
    link = services.stay_link_ticket(paid)
    body = client.get(f"/hatix/t/{link.access_key}/", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    href = f"/hatix/ausflug/?unterkunft={paid.accommodation.public_id}"
    assert f'href="{href}"' in body and "Einen Ausflug planen" in body
    planning = client.get(href, HTTP_ACCEPT_LANGUAGE="de")
    assert planning.status_code == 200
    assert paid.accommodation.name in planning.content.decode()


def test_a_guest_link_shows_only_that_ticket(client, paid):
    second = Ticket.objects.get(guest__stay=paid, guest__number=2)
    body = client.get(f"/hatix/t/{second.access_key}/").content.decode()
    assert body.count('class="qr-code"') == 1 and second.serial in body


@pytest.mark.parametrize("key", ["x" * 43, "unknown", "x" * 60])
def test_unknown_keys_are_not_found(client, paid, key):
    assert client.get(f"/hatix/t/{key}/").status_code == 404
    assert client.get(f"/hatix/t/{key}/pdf/").status_code == 404
    assert client.get(f"/hatix/t/{key}/manifest.webmanifest").status_code == 404


def test_qr_code_carries_the_signed_code():
    svg = qr_svg("HX1:ABC", title="t")
    assert svg.startswith("<svg") and 'role="img"' in svg and "<title>t</title>" in svg
    assert 'viewBox="0 0' in svg and "width=" not in svg.split(">")[0]


def test_revoked_ticket_shows_no_qr_code(client, paid):
    services.cancel_stay(paid)
    link = Ticket.objects.get(guest__stay=paid, guest__number=1)
    body = client.get(f"/hatix/t/{link.access_key}/").content.decode()
    assert 'class="qr-code"' not in body and "ticket-revoked" in body


def test_manifest_and_service_worker(client, paid):
    link = services.stay_link_ticket(paid)
    manifest = client.get(f"/hatix/t/{link.access_key}/manifest.webmanifest")
    assert manifest["Content-Type"] == "application/manifest+json"
    data = json.loads(manifest.content)
    assert data["start_url"] == f"/hatix/t/{link.access_key}/" and data["display"] == "standalone"
    assert {icon["sizes"] for icon in data["icons"]} == {"192x192", "512x512"}
    worker = client.get("/hatix/t/sw.js")
    assert worker.status_code == 200 and worker["Content-Type"].startswith("text/javascript")
    text = worker.content.decode()
    assert "(scope /hatix/t/)" in text and "caches.open" in text
    assert re.search(r"tickets/hatix\.[0-9a-f]+\.css|tickets/hatix\.css", text)


def test_pdf_holds_every_ticket(client, paid):
    link = services.stay_link_ticket(paid)
    with translation.override("de"):
        response = client.get(f"/hatix/t/{link.access_key}/pdf/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    for ticket in Ticket.objects.filter(guest__stay=paid):
        assert ticket.serial in text
