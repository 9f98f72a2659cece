"""What every page of the cockpit shares in its layout: tables scroll inside their own
container (the page itself never scrolls sideways on a phone), hidden captions and
headings are hidden by the cockpit's own stylesheet."""

from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders

from ..factories import SERVICE, ImportBatchFactory, login_as

pytestmark = pytest.mark.django_db
VOID = {"br", "img", "input", "link", "meta", "hr", "source", "wbr", "col", "area", "base"}


class Tables(HTMLParser):
    """Every <table> of <main>, and whether it stands in a div.table-scroll."""

    def __init__(self):
        super().__init__()
        self.stack: list[tuple[str, str]] = []
        self.tables: list[bool] = []

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append(any("table-scroll" in cls.split() for _t, cls in self.stack))
        if tag not in VOID:
            self.stack.append((tag, dict(attrs).get("class") or ""))

    def handle_endtag(self, tag):
        while self.stack:
            if self.stack.pop()[0] == tag:
                break


def pages(batch):
    return [
        "/cockpit/",
        f"/cockpit/?service={SERVICE}",
        f"/cockpit/prozess/{SERVICE}/",
        "/cockpit/warnungen/",
        "/cockpit/import/",
        f"/cockpit/import/{batch.pk}/",
        "/cockpit/hilfe/",
        "/cockpit/transparenz/",
    ]


def test_every_table_scrolls_in_its_own_container(client, log):
    batch = ImportBatchFactory(
        name="verfahren-export-bauordnungsamt-2026-11-30.csv",
        status="done",
        errors=[{"line": 5, "message": "Zeitpunkt fehlt"}],
    )
    login_as(client, "manager")
    for url in pages(batch):
        response = client.get(url)
        assert response.status_code == 200, url
        parser = Tables()
        parser.feed(response.content.decode())
        assert all(parser.tables), (url, parser.tables)


def test_the_cockpit_stylesheet_hides_what_is_only_for_screen_readers():
    css = Path(finders.find("cockpit/cockpit.css")).read_text(encoding="utf-8")
    rule = css.split(".visually-hidden", 1)[1].split("}", 1)[0]
    assert "position: absolute" in rule and "clip" in rule and "1px" in rule
