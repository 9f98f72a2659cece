"""County data of the marketplace (config.py): marketplace.yaml → Scheme, checked with messages
that name the file and the entry; loading twice changes nothing."""

import pytest
import yaml
from django.conf import settings

from openkreis.core.loader import LoadReport, TenantDataError
from openkreis.marketplace import config
from openkreis.marketplace.models import Scheme

pytestmark = pytest.mark.django_db
HARZ = settings.OPENKREIS_TENANTS_DIR / "harz"


def test_the_harz_scheme_is_loaded(harz):
    scheme = Scheme.current()
    assert scheme.name == "HarzBonus"
    slugs = [c["slug"] for c in scheme.categories]
    assert {"mode", "lebensmittel", "buecher", "gastronomie", "kunsthandwerk"} <= set(slugs)
    assert len(scheme.synonyms) >= 40
    assert ["Handy", "Smartphone", "Mobiltelefon"] in scheme.synonyms
    assert scheme.request_hours == 24 and scheme.min_redeem_points == 100
    assert Scheme.objects.count() == 1


def test_a_second_load_changes_nothing(harz):
    report = LoadReport()
    config.load(harz, HARZ, report)
    assert report.changes == 0


def _load(tmp_path, data) -> None:
    (tmp_path / config.FILE).write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    config.load(None, tmp_path, LoadReport())


GOOD = {
    "name": "Testpunkte",
    "categories": [{"slug": "mode", "name": "Mode"}],
    "synonyms": [["Handy", "Smartphone"]],
    "loyalty": {"points_per_euro": 2},
    "request_hours": 12,
}


def test_a_good_file_replaces_the_scheme_and_missing_rules_take_defaults(harz, tmp_path):
    _load(tmp_path, GOOD)
    scheme = Scheme.current()
    assert scheme.name == "Testpunkte" and scheme.points_per_euro == 2
    assert scheme.categories == [{"slug": "mode", "name": "Mode", "name_en": "Mode"}]
    assert scheme.card_daily_points == 500  # the model's default
    assert Scheme.objects.count() == 1


@pytest.mark.parametrize(
    "change, where",
    [
        ({"name": ""}, "name"),
        ({"colour": "rot"}, "unknown top-level keys"),
        ({"categories": []}, "categories"),
        ({"categories": [{"slug": "Mode!", "name": "x"}]}, "categories[1]"),
        ({"categories": [{"slug": "a", "name": "A"}, {"slug": "a", "name": "B"}]}, "categories[2]"),
        ({"categories": [{"slug": "a"}]}, "categories[1] (a): name is missing"),
        ({"synonyms": [["Handy"]]}, "synonyms[1]"),
        ({"synonyms": [["Handy", "Smartphone"], ["handy", "Telefon"]]}, "synonyms[2]"),
        ({"loyalty": {"points_per_euro": -1}}, "loyalty.points_per_euro"),
        ({"loyalty": {"bonus": 1}}, "loyalty: unknown keys"),
        ({"loyalty": {"card_daily_points": 9000, "shop_daily_points": 100}}, "card_daily_points"),
        ({"request_hours": 0}, "request_hours"),
        ({"request_hours": "viel"}, "request_hours"),
        ({"request_hours": 1000}, "request_hours"),
    ],
)
def test_mistakes_name_the_file_and_the_entry(harz, tmp_path, change, where):
    before = Scheme.current().name
    with pytest.raises(TenantDataError) as error:
        _load(tmp_path, {**GOOD, **change})
    message = str(error.value)
    assert str(tmp_path / config.FILE) in message and where in message
    assert Scheme.current().name == before


def test_the_musterkreis_file_is_valid(harz):
    config.load(None, settings.OPENKREIS_TENANTS_DIR / "musterkreis", LoadReport())
    assert Scheme.current().name == "Musterpunkte"


def test_place_categories_by_kind(harz):
    assert config.place_category("food").slug == "gastronomie"
    assert config.place_category("retail").group == "shopping"
