"""Downloads of the dashboard's tables (views/exports.py): CSV and XLSX."""

import csv
import io

import pytest

from ..factories import SERVICE, login_as

pytestmark = pytest.mark.django_db


def test_exports_csv_and_xlsx(client, log):
    from openpyxl import load_workbook

    login_as(client, "manager")
    r = client.get(f"/cockpit/export/channels.csv?service={SERVICE}")
    assert r.status_code == 200 and r["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig")), delimiter=";"))
    # every column says its unit (also in the file: it is read without the page)
    assert rows[0] == [
        "Monat",
        "Online (Anzahl)",
        "Papier (Anzahl)",
        "Schalter (Anzahl)",
        "Fahrschule (Anzahl)",
        "Online-Anteil (%)",
    ]
    assert sum(int(row[1]) for row in rows[1:]) == 12 and sum(int(row[2]) for row in rows[1:]) == 3
    r = client.get(f"/cockpit/export/lead.xlsx?service={SERVICE}")
    assert r.status_code == 200
    book = load_workbook(io.BytesIO(r.content))
    values = list(book.active.values)
    assert values[0] == ("Durchlaufzeit in Tagen", "Vorgänge (Anzahl)")  # project-wide term
    assert sum(v[1] for v in values[1:]) == 12
    assert client.get("/cockpit/export/nothing.csv").status_code == 404
    assert client.get("/cockpit/export/lead.pdf").status_code == 404
