"""County data of the Kapazitätsfinder and the public free-place search."""

import datetime as dt
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from openkreis.capacity import config, services, views
from openkreis.capacity.models import AgeGroup, Kita, KitaGroup, Rules, age_group_at
from openkreis.core.loader import LoadReport, TenantDataError
from openkreis.core.models import Region

from .factories import HALBERSTADT, WERNIGERODE, free

pytestmark = pytest.mark.django_db


def this_month():
    return services.first_of_month(timezone.localdate())


def test_harz_county_data_is_loaded(harz):
    assert Kita.objects.filter(active=True).count() == 35
    assert Kita.objects.filter(municipality__ars=WERNIGERODE).count() == 6
    default = Rules.objects.get(region=None)
    assert default.points["residence"] == 10 and default.max_wishes == 5
    assert Rules.objects.get(region__ars=WERNIGERODE).points["sibling"] == 12
    assert not KitaGroup.objects.filter(places__lt=0).exists()


@pytest.mark.parametrize(
    ("born", "month", "group"),
    [
        (dt.date(2025, 5, 10), dt.date(2026, 8, 1), AgeGroup.KRIPPE),
        (dt.date(2023, 8, 1), dt.date(2026, 8, 1), AgeGroup.KINDERGARTEN),  # third birthday
        (dt.date(2023, 8, 2), dt.date(2026, 8, 1), AgeGroup.KRIPPE),  # a day short of three
        (dt.date(2020, 6, 30), dt.date(2026, 7, 1), AgeGroup.KINDERGARTEN),
        (dt.date(2020, 6, 30), dt.date(2026, 8, 1), AgeGroup.HORT),  # school from August
        (dt.date(2020, 7, 1), dt.date(2026, 8, 1), AgeGroup.KINDERGARTEN),  # school a year later
        (dt.date(2020, 7, 1), dt.date(2027, 8, 1), AgeGroup.HORT),
    ],
)
def test_age_group_at_the_start_month(born, month, group):
    assert age_group_at(born, month) == group


def test_search_finds_free_places_in_the_start_month_and_the_two_after(harz, client):
    month = services.add_months(this_month(), 1)
    wr = Kita.objects.filter(municipality__ars=WERNIGERODE).order_by("key")
    hbs = Kita.objects.filter(municipality__ars=HALBERSTADT).order_by("key")
    free(wr[0], "krippe", month, 2)
    free(wr[1], "krippe", services.add_months(month, 2), 5)
    free(wr[2], "krippe", services.add_months(month, 3), 4)  # too late
    free(wr[3], "kindergarten", month, 3)  # another age group
    free(hbs[0], "krippe", month, 1)

    found = services.free_places(age_group="krippe", month=month)
    assert [f.kita for f in found.kitas] == [wr[1], wr[0], hbs[0]]  # most free places first
    assert found.total == 3 and found.pages == 1
    assert [f.free for f in found.kitas] == [5, 2, 1]
    assert found.kitas[0].months == [services.add_months(month, 2)]
    second = services.free_places(age_group="krippe", month=month, per_page=2, page=2)
    assert [f.kita for f in second.kitas] == [hbs[0]] and second.pages == 2
    beyond = services.free_places(age_group="krippe", month=month, per_page=2, page=9)
    assert beyond.number == 2
    wernigerode = Region.objects.get(ars=WERNIGERODE)
    only = services.free_places(age_group="krippe", month=month, municipality=wernigerode)
    assert {f.kita for f in only.kitas} == {wr[0], wr[1]}

    response = client.get(
        reverse("capacity:free_places"),
        {"gruppe": "krippe", "ab": month.strftime("%Y-%m"), "gemeinde": WERNIGERODE},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert wr[0].name in page and wr[1].name in page and hbs[0].name not in page
    assert "2 Kitas mit freien Plätzen" in page


def test_hours_filter_the_kitas_that_offer_that_long(harz):
    month = this_month()
    short, long_ = Kita.objects.order_by("key")[:2]
    short.max_hours, long_.max_hours = 8, 10
    short.save()
    long_.save()
    free(short, "kindergarten", month, 1)
    free(long_, "kindergarten", month, 1)
    found = services.free_places(age_group="kindergarten", month=month, hours=9)
    assert [f.kita for f in found.kitas] == [long_]


def test_the_search_page_without_a_search_and_with_bad_input(client, harz):
    url = reverse("capacity:free_places")
    response = client.get(url)
    assert response.status_code == 200
    assert "Freie Kita-Plätze" in response.content.decode()
    for bad in (
        {"gruppe": "schule", "ab": this_month().strftime("%Y-%m")},
        {"gruppe": "krippe", "ab": "1999-01"},
        {"gruppe": "krippe", "ab": "2026-13"},
        {"gruppe": "krippe", "ab": this_month().strftime("%Y-%m"), "stunden": "²"},
        {"gruppe": "krippe", "ab": this_month().strftime("%Y-%m"), "stunden": "99"},
        {"gruppe": "krippe", "ab": this_month().strftime("%Y-%m"), "gemeinde": "x\x00"},
        {"gruppe": "krippe\x00"},
    ):
        response = client.get(url, bad)
        assert response.status_code == 400, bad
        assert "Es gibt ein Problem" in response.content.decode()
    assert client.post(url, {"gruppe": "krippe"}).status_code == 405


def write(folder: Path, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "capacity.yaml").write_text(text, encoding="utf-8")
    return folder


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("rules: {default: {nearby: 3}}", "unknown criterion 'nearby'"),
        ("rules: {default: {residence: -1}}", "whole number 0–1000"),
        ("settings: {max_wishes: 0}", "max_wishes must be a whole number 1–10"),
        ("rules: {municipalities: {'999': {residence: 1}}}", "unknown municipality '999'"),
        ("kitas: [{key: a, name: A, municipality: '150850370370'}]", "groups"),
        (
            "kitas: [{key: a, name: A, municipality: '150850370370', groups: {schule: 3}}]",
            "unknown age group 'schule'",
        ),
        (
            "kitas: [{key: a, name: A, municipality: '150850370370', lat: 10, lon: 10,"
            " groups: {krippe: 3}}]",
            "outside Germany",
        ),
        (
            "kitas: [{key: a, name: A, municipality: '150850370370', groups: {krippe: 3}},"
            " {key: a, name: B, municipality: '150850370370', groups: {krippe: 3}}]",
            "listed twice",
        ),
    ],
)
def test_bad_county_data_names_file_and_entry(harz, tmp_path, text, message):
    folder = write(tmp_path / "kreis", text)
    with pytest.raises(TenantDataError, match=message) as error:
        config.load(harz, folder, LoadReport())
    assert "capacity.yaml" in str(error.value)


def test_a_kita_no_longer_listed_is_deactivated_and_loading_twice_changes_nothing(harz, tmp_path):
    folder = write(
        tmp_path / "kreis",
        "kitas: [{key: only-one, name: Kita Eins, municipality: '150850370370',"
        " groups: {krippe: 10, kindergarten: 20}}]",
    )
    config.load(harz, folder, LoadReport())
    assert list(Kita.objects.filter(active=True).values_list("key", flat=True)) == ["only-one"]
    again = LoadReport()
    config.load(harz, folder, again)
    assert again.changes == 0


def test_a_long_result_comes_in_pages_that_keep_the_search(client, harz):
    month = this_month()
    kitas = list(Kita.objects.filter(groups__age_group="krippe").distinct().order_by("key")[:25])
    for i, kita in enumerate(kitas):
        free(kita, "krippe", month, 1 + i)
    url = reverse("capacity:free_places")
    query = {"gruppe": "krippe", "ab": month.strftime("%Y-%m")}
    first = client.get(url, query).content.decode()
    assert f"{len(kitas)} Kitas mit freien Plätzen" in first
    assert kitas[-1].name in first and kitas[0].name not in first  # most free places first
    assert "seite=2" in first and "gruppe=krippe" in first
    second = client.get(url, {**query, "seite": "2"})
    assert second.status_code == 200
    assert kitas[0].name in second.content.decode()
    for bad in ("x", "-1", "99999999"):
        assert client.get(url, {**query, "seite": bad}).status_code == 200


def test_free_places_rows_carry_their_groups_age_group(harz):
    """The search reads the age group from the row (index free_places_age_search): set on
    every save, kept when the group's age group changes, and filled by migration 0004."""
    import importlib

    from django.apps import apps

    from openkreis.capacity.models import FreePlaces

    kita = Kita.objects.filter(groups__age_group="krippe").exclude(groups__age_group="hort")[0]
    row = free(kita, "krippe", this_month(), 2)
    assert FreePlaces.objects.get(pk=row.pk).age_group == "krippe"
    row.age_group = "kindergarten"  # the group decides, not the caller
    row.save()
    assert FreePlaces.objects.get(pk=row.pk).age_group == "krippe"

    group = row.group
    group.age_group = "hort"
    group.save()
    assert FreePlaces.objects.get(pk=row.pk).age_group == "hort"
    assert [f.kita for f in services.free_places(age_group="hort", month=this_month()).kitas] == [
        kita
    ]

    FreePlaces.objects.update(age_group="")
    migration = importlib.import_module("openkreis.capacity.migrations.0004_search_age_group")
    migration.copy_age_groups(apps, None)
    assert FreePlaces.objects.get(pk=row.pk).age_group == "hort"


def test_the_months_of_a_result_and_the_result_card(client, harz):
    month = this_month()
    kita = Kita.objects.get(key=Kita.objects.order_by("key").values_list("key", flat=True)[0])
    kita.provider, kita.max_hours, kita.languages, kita.inclusion = "Stadt", 9, "Deutsch", True
    kita.opening_hours = "Mo–Fr 6–17 Uhr"
    kita.save()
    free(kita, "krippe", month, 1)
    free(kita, "krippe", services.add_months(month, 2), 3)
    free(kita, "krippe", services.add_months(month, 1), 0)  # no place that month
    [found] = services.free_places(age_group="krippe", month=month).kitas
    assert found.free == 3 and found.months == [month, services.add_months(month, 2)]

    page = client.get(
        reverse("capacity:free_places"), {"gruppe": "krippe", "ab": month.strftime("%Y-%m")}
    ).content.decode()
    assert "<strong>3 freie Plätze</strong> · ab " in page
    later = services.add_months(month, 2)
    assert f"ab {month:%m/%Y}, {later:%m/%Y}</p>" in page
    assert "Träger: Stadt" in page and "bis zu 9 Stunden am Tag" in page
    assert "Mo–Fr 6–17 Uhr · " in page and "Sprachen: Deutsch" in page
    assert "inklusive Betreuung" in page
    with translation.override("en"):
        card = views._card(found)
    assert (card.free, card.months) == ("3 free places", f"from {month:%m/%Y}, {later:%m/%Y}")
    assert card.address.endswith(" · Provider: Stadt") and "up to 9 hours a day" in card.details


def test_the_form_keeps_the_search_and_lists_municipalities_with_kitas(client, harz):
    from openkreis.capacity.models import KitaGroup

    month = services.add_months(this_month(), 1)
    url = reverse("capacity:free_places")
    page = client.get(
        url, {"gruppe": "hort", "ab": month.strftime("%Y-%m"), "gemeinde": WERNIGERODE}
    ).content.decode()
    assert '<option value="hort" selected>' in page
    assert f'<option value="{month:%Y-%m}" selected>' in page
    assert f'<option value="{WERNIGERODE}" selected>Wernigerode</option>' in page
    assert '<select name="gruppe" id="id_gruppe">' in page
    assert '<option value="">Alle Gemeinden</option>' in page

    # a municipality without Kitas is no choice (400 with the message at the field) …
    without = (
        Region.objects.filter(kind=Region.Kind.MUNICIPALITY, ars__startswith="15085")
        .exclude(kitas__isnull=False)
        .order_by("ars")
        .first()
    )
    bad = client.get(
        url, {"gruppe": "krippe", "ab": month.strftime("%Y-%m"), "gemeinde": without.ars}
    )
    assert bad.status_code == 400
    assert "Gemeinde: " in bad.content.decode()
    # … until a Kita opens there: the cached list is dropped when a Kita is saved
    kita = Kita.objects.create(key="neu", name="Kita Neu", municipality=without, town="X")
    KitaGroup.objects.create(kita=kita, age_group="krippe", places=10)
    free(kita, "krippe", month, 4)
    found = client.get(
        url, {"gruppe": "krippe", "ab": month.strftime("%Y-%m"), "gemeinde": without.ars}
    )
    assert found.status_code == 200
    assert (
        "Kita Neu" in found.content.decode()
        and "1 Kita mit freien Plätzen" in found.content.decode()
    )
    kita.delete()
    assert without.ars not in dict(services.search_municipalities())
