"""CSV import from property-management software: German headers, semicolon and comma,
UTF-8 and Windows-1252, a preview with per-row errors, idempotent by booking reference;
a 200-guest file imports and issues its tickets."""

import datetime as dt
import os
import time

import pytest
from django.utils import timezone, translation

from openkreis.core import event_kinds
from openkreis.core.models import Event
from openkreis.tickets import keys, services
from openkreis.tickets.models import Stay, Ticket

from .factories import accommodation, host


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def place(db):
    _user, company = host()
    return accommodation(company)


def day(offset: int) -> str:
    return (timezone.localdate() + dt.timedelta(days=offset)).strftime("%d.%m.%Y")


def test_german_file_semicolon_windows_1252_preview_then_import(place):
    text = (
        "Buchungsnummer;Anreise;Abreise;Erwachsene;Kinder;Ermäßigt;Bezahlt;Namen;Zimmer\n"
        f"B-1;{day(1)};{day(4)};2;1;0;ja;Jörg Müller | Änne Müller;12\n"
        f"B-2;{day(2)};{day(3)};1;;;nein;;14\n"
        f"B-3;{day(5)};{day(2)};1;0;0;nein;;15\n"  # departure before arrival
        f"B-4;32.13.2026;{day(3)};x;0;0;vielleicht;;16\n"
        f"B-1;{day(1)};{day(4)};2;1;0;ja;;12\n"  # the same reference twice
    )
    data = text.encode("cp1252")
    preview = services.import_stays(place, data)
    assert not preview.problems
    assert not Stay.objects.filter(accommodation=place).exists()  # nothing written yet
    by_line = {row.line: row for row in preview.rows}
    assert by_line[2].action == "new" and by_line[2].counts == {"adult": 2, "child": 1}
    assert by_line[2].names == [("Jörg", "Müller"), ("Änne", "Müller")] and by_line[2].paid
    assert by_line[3].action == "new" and by_line[3].counts == {"adult": 1}
    assert "departure must be after" in " ".join(by_line[4].errors)
    errors5 = " ".join(by_line[5].errors)
    assert "not a date" in errors5 and "whole number" in errors5 and "ja or nein" in errors5
    assert "also in line 2" in " ".join(by_line[6].errors)
    assert (preview.created, preview.errors) == (2, 3)

    done = services.import_stays(place, data, commit=True)
    assert (done.created, done.paid, done.tickets) == (2, 1, 3)
    first = place.stays.get(reference="B-1")
    assert [g.initials for g in first.guests.all()] == ["JM", "ÄM", ""]
    assert first.paid_at and Ticket.objects.filter(guest__stay=first).count() == 3

    again = services.import_stays(place, data, commit=True)  # idempotent
    assert (again.created, again.updated, again.paid, again.tickets) == (0, 0, 0, 0)
    assert (
        place.stays.count() == 2
        and Ticket.objects.filter(guest__stay__accommodation=place).count() == 3
    )


def test_comma_utf8_bom_english_headers_update_and_pay_later(place):
    rows = ["reference,arrival,departure,adult,child,paid", f"R-9,{day(1)},{day(3)},2,0,no"]
    services.import_stays(place, ("\ufeff" + "\n".join(rows)).encode(), commit=True)
    stay = place.stays.get(reference="R-9")
    assert stay.guests.count() == 2 and stay.paid_at is None
    # the booking changed in the PMS: one more child — an unpaid stay is updated
    rows[1] = f"R-9,{day(1)},{day(3)},2,1,no"
    preview = services.import_stays(place, "\n".join(rows).encode())
    assert preview.rows[0].action == "update"
    result = services.import_stays(place, "\n".join(rows).encode(), commit=True)
    assert result.updated == 1 and stay.guests.count() == 3
    # now paid: the tickets are issued; a later change of a paid stay is refused per row
    rows[1] = f"R-9,{day(1)},{day(3)},2,1,yes"
    result = services.import_stays(place, "\n".join(rows).encode(), commit=True)
    assert (result.paid, result.tickets) == (1, 3)
    rows[1] = f"R-9,{day(1)},{day(5)},2,1,yes"
    result = services.import_stays(place, "\n".join(rows).encode(), commit=True)
    assert result.errors == 1 and "paid and has tickets" in result.rows[0].errors[0]


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"", "empty"),
        (b"Anreise;Abreise;Erwachsene\n01.08.2026;02.08.2026;1\n", "Buchungsnummer is missing"),
        (b"Buchungsnummer;Anreise;Abreise\nA;01.08.2026;02.08.2026\n", "number of guests"),
        (b"Buchungsnummer;Anreise;Abreise;Erwachsene\n", "no stays"),
        (b"Buchungsnummer;Anreise;Anreise;Abreise;Erwachsene\n", "appears twice"),
    ],
)
def test_unreadable_files_are_refused_as_a_whole(place, content, problem):
    result = services.import_stays(place, content, commit=True)
    assert any(problem in p for p in result.problems), result.problems
    assert not place.stays.exists()


def test_import_page_preview_then_confirm(client, place):
    client.force_login(place.company.memberships.get().user)
    url = f"/hatix/gastgeber/unterkunft/{place.public_id}/import/"
    assert client.get(url).status_code == 200
    text = f"Buchungsnummer;Anreise;Abreise;Erwachsene\nP-1;{day(1)};{day(2)};2\nP-2;x;y;1\n"
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("export.csv", text.encode(), content_type="text/csv")
    preview = client.post(url, {"file": upload})
    body = preview.content.decode()
    assert preview.status_code == 200 and 'name="token"' in body and "row-error" in body
    assert not place.stays.exists()
    token = body.split('name="token" value="')[1].split('"')[0]
    done = client.post(url, {"token": token})
    assert done.status_code == 200 and place.stays.count() == 1
    assert client.post(url, {"token": token}).status_code == 400  # used up
    bad = client.post(url, {"file": SimpleUploadedFile("x.csv", b"", content_type="text/csv")})
    assert bad.status_code == 400


def test_two_hundred_guests_import_and_issue(place):
    """200 guests in 50 stays of 4, all paid: read, registered, 200 signed tickets."""
    lines = ["Buchungsnummer;Anreise;Abreise;Erwachsene;Kinder;Bezahlt"]
    lines += [f"G-{i};{day(0)};{day(3)};2;2;ja" for i in range(50)]
    data = "\n".join(lines).encode()
    keys.current_key()  # the first key exists (made once per county, not per import)
    started = time.perf_counter()
    result = services.import_stays(place, data, commit=True)
    seconds = time.perf_counter() - started
    assert (result.created, result.tickets, result.errors) == (50, 200, 0)
    codes = list(
        Ticket.objects.filter(guest__stay__accommodation=place).values_list("code", flat=True)
    )
    assert len(codes) == 200 and all(keys.verify(code).ok for code in codes[:20])
    assert Event.objects.filter(kind=event_kinds.TICKET_ISSUED).count() >= 50
    print(f"\n200-guest import with tickets: {seconds:.2f} s")
    if os.environ.get("OPENKREIS_PROFILE_IMPORT"):
        import cProfile  # noqa: PLC0415

        place.stays.all().delete()
        cProfile.runctx(
            "services.import_stays(place, data, commit=True)",
            globals(),
            {"place": place, "data": data, "services": services},
            sort="cumulative",
        )
