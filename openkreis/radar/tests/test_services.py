"""Radar services: county data, assessment and decision with history and event, the cockpit's
figures with suppression, the topic summary, the maturity scoring with known answers."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import translation

from openkreis.catalog.models import Service
from openkreis.cockpit import aggregates
from openkreis.cockpit.models import DailyCaseStat
from openkreis.core import event_kinds
from openkreis.core.loader import LoadReport, TenantDataError
from openkreis.core.models import AppendOnlyError, Event
from openkreis.radar import config, levels, services
from openkreis.radar.models import (
    EfaOffer,
    MaturityModel,
    RadarChange,
    RadarEntry,
    Rollout,
    RolloutSite,
)

from . import factories

pytestmark = pytest.mark.django_db
HARZ = Path(settings.BASE_DIR) / "tenants" / "harz"


def test_county_data_loaded_offers_model_and_rollout_with_the_musterkommune_first(harz):
    assert EfaOffer.objects.filter(service__slug="wohngeld", status="available").exists()
    model = MaturityModel.objects.get(key="default")
    keys = [d["key"] for d in model.definition["dimensions"]]
    assert keys == ["strategie", "prozesse", "technik", "menschen", "daten", "buergernaehe"]
    first = RolloutSite.objects.first()
    assert first.is_model and first.region.name == "Thale"
    assert Rollout.objects.filter(site=first, service__slug="kita-platz", status="live").exists()


def test_county_data_step_is_idempotent(harz):
    report = LoadReport()
    config.load(harz, HARZ, report)
    assert report.changes == 0


def test_a_county_without_a_radar_folder_loads(harz, tmp_path):
    report = LoadReport()
    assert config.load(harz, tmp_path, report) is None
    assert report.changes == 0


def test_bad_county_data_names_file_and_entry(harz, tmp_path):
    (tmp_path / "radar").mkdir()
    (tmp_path / "radar" / "efa.yaml").write_text(
        "offers:\n  - {service: gibt-es-nicht, name: X, state: Bund, status: available}\n"
    )
    with pytest.raises(TenantDataError, match=r"efa.yaml: offers\[1\]: unknown service"):
        config.load(harz, tmp_path, LoadReport())
    (tmp_path / "radar" / "efa.yaml").unlink()
    (tmp_path / "radar" / "maturity.yaml").write_text(
        "version: '1'\ndimensions:\n  - key: a\n    name: A\n    questions:\n"
        "      - {id: q1, text: Frage, levels: [a, b, c]}\n"
    )
    with pytest.raises(TenantDataError, match=r"questions\[1\]: levels: four texts"):
        config.load(harz, tmp_path, LoadReport())


def _office():
    return get_user_model().objects.create_user("t-radar-office")


def test_assessment_and_decision_write_history_and_one_event(harz):
    user = _office()
    service = Service.objects.get(tenant=harz, slug="wohngeld")
    entry = services.entry_for(service)
    changes = services.assess(entry, user, {"benefit": "high", "effort": "low", "note": ""})
    assert changes == {"benefit": ["", "high"], "effort": ["", "low"]}
    assert services.assess(entry, user, {"benefit": "high"}) == {}  # nothing changed: no row
    offer = service.efa_offers.first()
    before = Event.objects.filter(kind=event_kinds.RADAR_DECIDED).count()
    changes = services.decide(
        entry,
        user,
        {
            "decision": "adopt",
            "offer": offer,
            "owner": " OZG-Programmbüro ",
            "decided_on": dt.date(2026, 3, 1),
            "go_live": dt.date(2026, 6, 1),
        },
    )
    assert changes["decision"] == ["", "adopt"]
    assert changes["offer"] == [None, offer.pk]
    assert changes["owner"] == ["", "OZG-Programmbüro"]
    shown = services.history(entry)
    rows = [r["change"] for r in shown]
    assert [r.kind for r in rows] == ["decision", "assessment"]
    assert rows[0].changed_by_name == "t-radar-office"
    items = {str(label): (a, b) for label, a, b in shown[0]["items"]}
    assert (str(services.CHANGE_LABELS["offer"]) in items) and str(offer) in str(items.values())
    assert ("–", "01.06.2026") in items.values()
    events = Event.objects.filter(kind=event_kinds.RADAR_DECIDED)
    assert events.count() == before + 1
    data = events.latest("pk").data
    assert data == {"service": "wohngeld", "decision": "adopt", "offer": offer.pk,
                    "go_live": "2026-06-01"}  # fmt: skip
    with pytest.raises(AppendOnlyError):
        rows[0].save()
    with pytest.raises(AppendOnlyError):
        rows[0].delete()


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"decision": "", "owner": "x"}, "decision"),
        ({"decision": "build", "owner": "  "}, "responsible"),
        ({"decision": "adopt", "owner": "x"}, "which offer"),
        (
            {"decision": "wait", "owner": "x", "decided_on": dt.date(2026, 5, 1),
             "go_live": dt.date(2026, 4, 1)},
            "before the decision",
        ),
    ],
)  # fmt: skip
def test_decision_is_refused_with_a_reason(harz, values, message, settings):
    settings.LANGUAGE_CODE = "en"
    service = Service.objects.get(tenant=harz, slug="baugenehmigung")
    with translation.override("en"), pytest.raises(services.RadarError, match=message):
        services.decide(services.entry_for(service), None, values)
    assert not RadarChange.objects.filter(entry__service=service, kind="decision").exists()


def test_an_offer_of_another_service_cannot_be_adopted(harz):
    wohngeld = Service.objects.get(tenant=harz, slug="wohngeld").efa_offers.first()
    entry = services.entry_for(Service.objects.get(tenant=harz, slug="elterngeld"))
    with pytest.raises(services.RadarError):
        services.decide(entry, None, {"decision": "adopt", "offer": wohngeld, "owner": "x"})


def test_cockpit_figures_and_their_suppression(harz):
    service = Service.objects.get(tenant=harz, slug="hundesteuer-anmelden")
    today = dt.date(2026, 6, 30)
    DailyCaseStat.objects.filter(service=service.slug).delete()
    # three cases: too few, every figure is suppressed
    DailyCaseStat.objects.create(
        day=dt.date(2026, 5, 4), service=service.slug, org_unit="u", channel="online",
        received=3, decided=3, lead_seconds=3 * 86400, lead_hist={"24": 3},
    )  # fmt: skip
    aggregates.rollup_months()  # the monthly rows follow the daily ones (as aggregates keeps them)
    figures = services.cockpit_figures(service, today)
    assert figures["received"] is None and figures["median_lead_days"] is None
    assert figures["suppressed"] and figures["n_received"] == 3
    # seven more (ten): shown; median lead time of 24 h = 1 day
    DailyCaseStat.objects.create(
        day=dt.date(2026, 5, 5), service=service.slug, org_unit="u", channel="paper",
        received=7, decided=7, lead_seconds=7 * 86400, lead_hist={"24": 7},
    )  # fmt: skip
    aggregates.rollup_months()
    figures = services.cockpit_figures(service, today)
    assert figures["received"] == 10 and figures["decided"] == 10
    assert figures["median_lead_days"] == pytest.approx(1.0, abs=0.05)
    assert not figures["suppressed"]


def test_topic_summary_counts_levels_of_both_model_versions(harz):
    Service.objects.filter(tenant=harz, ozg_topic="umwelt").update(maturity=1, maturity_model="1.0")
    umwelt = list(Service.objects.filter(tenant=harz, ozg_topic="umwelt").order_by("pk"))
    assert len(umwelt) >= 2
    Service.objects.filter(pk=umwelt[0].pk).update(maturity=6, maturity_model="2.0")  # → 4
    row = next(r for r in services.topic_summary(harz) if r["topic"] == "umwelt")
    n = len([s for s in umwelt if s.level != Service.Level.EXTERNAL])
    assert row["n"] == n
    assert row["levels"] == [0, n - 1, 0, 0, 1]
    assert row["online"] == 1
    assert row["mean"] == round((n - 1 + 4) / n, 1)


def test_level_texts_and_mapping():
    assert levels.as_v1("2.0", 4) == 3 and levels.as_v1("2.0", 7) == 4
    assert levels.as_v1("1.0", 2) == 2
    assert levels.level_label("9.9", 3) == "3"


# -- maturity scoring --------------------------------------------------------------------------
DEFINITION = {
    "version": "t",
    "dimensions": [
        {"key": "a", "name": "A", "questions": [{"id": "a1"}, {"id": "a2"}, {"id": "a3"}]},
        {"key": "b", "name": "B", "questions": [{"id": "b1"}]},
    ],
}


def test_maturity_score_known_answers():
    scores, overall = services.score(DEFINITION, {"a1": 1, "a2": 2, "a3": 2, "b1": 4})
    # A: (1 + 2 + 2) / 3 = 1.666… → 1.67; B: 4; overall (1.67 + 4) / 2 = 2.835 → 2.84
    assert scores == {"a": "1.67", "b": "4.00"}
    assert overall == Decimal("2.84")


@pytest.mark.parametrize(
    "answers",
    [{"a1": 1, "a2": 2, "a3": 2}, {"a1": 0, "a2": 2, "a3": 2, "b1": 4},
     {"a1": 5, "a2": 2, "a3": 2, "b1": 4}, {"a1": True, "a2": 2, "a3": 2, "b1": 4}],
)  # fmt: skip
def test_maturity_score_needs_every_answer_in_1_to_4(answers):
    with pytest.raises(services.RadarError):
        services.score(DEFINITION, answers)


def test_submit_and_compare_with_the_last_assessment(harz):
    user = factories.account("t-verein")
    org = factories.organisation(user)
    model = services.maturity_model()
    before = Event.objects.filter(kind=event_kinds.MATURITY_ASSESSED).count()
    first = services.submit_assessment(org, user, factories.answers(1))
    second = services.submit_assessment(org, user, factories.answers(3))
    assert first.overall == Decimal("1.00") and second.overall == Decimal("3.00")
    rows = services.compare(model.definition, second, first)
    assert all(r["change"] == Decimal("2.00") for r in rows)
    event = Event.objects.filter(kind=event_kinds.MATURITY_ASSESSED).latest("pk")
    assert Event.objects.filter(kind=event_kinds.MATURITY_ASSESSED).count() == before + 2
    assert event.data == {"kind": "club", "overall": "3.00", "version": model.version}
    assert "Kleingartenverein" not in str(event.data)


def test_set_rollout(harz):
    site = RolloutSite.objects.first()
    service = Service.objects.get(tenant=harz, slug="gewerbe-anmelden")
    row = services.set_rollout(site, service, "live", dt.date(2026, 12, 1))
    assert row.status == "live"
    with pytest.raises(services.RadarError):
        services.set_rollout(site, service, "fertig", None)


def test_demo_step_is_idempotent_and_tolerates_an_existing_login(harz):
    config.load_demo(harz, HARZ, LoadReport())
    decided = RadarEntry.objects.exclude(decision="").count()
    assert decided >= 5
    report = LoadReport()
    config.load_demo(harz, HARZ, report)
    assert RadarEntry.objects.exclude(decision="").count() == decided
    office = get_user_model().objects.get(username=config.DEMO_OFFICE)
    assert office.memberships.filter(role="programme_office").exists()
    assert any(config.DEMO_OFFICE in line for line in report.messages)
