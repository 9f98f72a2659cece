"""Demo surveys of the Landkreis Harz (owner: P1; the `participation-demo` step of
`load_tenant --demo`).

* the editor `beteiligung-redaktion` (survey editor in the county's unit "Bürgerbeteiligung"
  and in Wernigerode's Bauamt), password + TOTP;
* "ÖPNV im Landkreis Harz" — published, PUBLIC, open for four weeks from the first load,
  one question of each of the six kinds, the question "Was hält Sie ab?" only for people who
  use bus and train rarely or never; DEMO_BALLOTS ballots made with a seeded random
  generator (the same answers on every machine; only the receipts are random), written as
  Ballot/Answer rows directly (no codes involved), plus the participation events the
  cockpit counts (started/completed, spread over the days since opening);
* "Neugestaltung Marktplatz" of Wernigerode — published, CODES (code letters: letters.py);
* "Radwege im Oberharz" — a draft.

Idempotent: each survey is made once (by its key); a second run changes nothing.
"""

from __future__ import annotations

import datetime as dt
import random

from django.conf import settings
from django.utils import timezone

from openkreis.core import event_kinds
from openkreis.core.models import Event, OrgUnit, Region, StaffMembership
from openkreis.core.staff import Role, add_staff, ensure_totp

from . import surveys, voting
from .models import Answer, Ballot, Option, Question, Survey

DEMO_USERNAME = "beteiligung-redaktion"
DEMO_PASSWORD = "harz-beteiligung-demo-2026"  # noqa: S105 (demo login, printed by load_tenant)
DEMO_SECRET = "BETEILIGUNGDEMOAAAAAAAAAAAAAAAAA"  # noqa: S105 (demo TOTP, base32, 32 chars)
COUNTY_UNIT = "buergerbeteiligung"
MUNICIPAL_UNIT = "gem-wernigerode-bauamt"
PUBLIC_KEY = "oepnv-landkreis-harz"
CODES_KEY = "wernigerode-marktplatz"
DRAFT_KEY = "radwege-oberharz"
DEMO_BALLOTS = 420
SEED = 20260

# (key, German, English) per option
FREQUENCY = [
    ("taeglich", "Täglich", "Daily"),
    ("woechentlich", "Mehrmals pro Woche", "Several times a week"),
    ("selten", "Selten", "Rarely"),
    ("nie", "Nie", "Never"),
]
OBSTACLES = [
    ("takt", "Die Busse fahren zu selten", "Buses run too rarely"),
    ("abends", "Abends und am Wochenende fährt nichts", "Nothing runs evenings and weekends"),
    ("weg", "Die Haltestelle ist zu weit weg", "The stop is too far away"),
    ("preis", "Die Fahrkarten sind zu teuer", "Tickets are too expensive"),
    ("auto", "Mit dem Auto bin ich schneller", "The car is faster"),
]
PRIORITIES = [
    ("haeufiger", "Häufigere Fahrten", "More frequent services"),
    ("anschluss", "Bessere Anschlüsse an die Bahn", "Better connections to trains"),
    ("rufbus", "Rufbus in kleinen Orten", "On-demand buses in villages"),
    ("barrierefrei", "Barrierefreie Haltestellen", "Step-free stops"),
    ("echtzeit", "Abfahrtszeiten in Echtzeit", "Real-time departures"),
]
TEXTS = [
    "Der letzte Bus nach Elbingerode fährt viel zu früh.",
    "Bitte mehr Verbindungen am Wochenende, besonders für Jugendliche.",
    "Die Anschlüsse in Halberstadt an den Zug klappen oft nicht.",
    "Ein Rufbus für die Dörfer wäre eine große Hilfe.",
    "Die Haltestelle am Markt braucht ein Wartehäuschen.",
    "Fahrpläne bitte auch in großer Schrift aushängen.",
    "Mit dem Deutschlandticket fahre ich jetzt viel öfter.",
    "Schulbusse sind morgens völlig überfüllt.",
    "Fahrradmitnahme im Bus sollte möglich sein.",
    "Die Busfahrerinnen und Busfahrer sind sehr freundlich.",
    "Zwischen Quedlinburg und Thale fehlt ein Takt am Abend.",
    "Echtzeitdaten in der App wären toll.",
]
# places where people miss a stop (lat, lon)
PLACES = [
    (51.8381, 10.7853),
    (51.8956, 11.0472),
    (51.7897, 11.1406),
    (51.7451, 10.9620),
    (51.7235, 10.6050),
    (51.8601, 10.6821),
    (51.7010, 11.0450),
]


def _unit(key: str, **defaults) -> OrgUnit | None:
    unit = OrgUnit.objects.filter(key=key).first()
    if unit is None and defaults:
        unit = OrgUnit.objects.create(key=key, **defaults)
    return unit


def county_unit() -> OrgUnit | None:
    parent = (
        OrgUnit.objects.filter(key="fachbereich-landrat").select_related("organisation").first()
    )
    if parent is None:
        return None
    return _unit(
        COUNTY_UNIT,
        organisation=parent.organisation,
        parent=parent,
        name="Bürgerbeteiligung",
        kind=OrgUnit.Kind.SACHGEBIET,
    )


def load_demo(tenant, folder, report) -> None:
    county = county_unit()
    town = _unit(MUNICIPAL_UNIT)
    if county is None or tenant is None:
        return
    user = add_staff(
        DEMO_USERNAME,
        f"{DEMO_USERNAME}@example.org",
        DEMO_PASSWORD,
        county,
        [Role.SURVEY_EDITOR],
        first_name="Beteiligung",
        last_name="Redaktion",
    )
    if town is not None:
        StaffMembership.objects.get_or_create(user=user, org_unit=town, role=Role.SURVEY_EDITOR)
    ensure_totp(user, DEMO_SECRET)
    report.write("\nBeteiligung (/beteiligung/verwaltung/), password " + DEMO_PASSWORD + " + TOTP:")
    report.write(
        f"  {'Redaktion Umfragen (Kreis, Wernigerode)':<52} {DEMO_USERNAME:<22} {DEMO_SECRET}"
    )
    now = timezone.now()
    public = _public_survey(user, county, tenant.region, now)
    if town is not None:
        _codes_survey(user, town, now)
    _draft(user, county, tenant.region)
    if public is not None and not public.ballots.exists():
        _ballots(public, now)
        report.created += 1


def _options(question: Question, rows) -> list[Option]:
    return [
        Option.objects.create(question=question, position=i, key=key, name=de, name_en=en)
        for i, (key, de, en) in enumerate(rows, start=1)
    ]


def _public_survey(user, unit, region, now) -> Survey | None:
    if Survey.objects.filter(key=PUBLIC_KEY).exists():
        return Survey.objects.get(key=PUBLIC_KEY)
    survey = Survey.objects.create(
        key=PUBLIC_KEY,
        unit=unit,
        region=region,
        name="ÖPNV im Landkreis Harz",
        name_en="Public transport in the district of Harz",
        summary=(
            "Wie kommen Sie mit Bus und Bahn im Landkreis zurecht? Ihre Antworten helfen bei "
            "der Fortschreibung des Nahverkehrsplans. Die Umfrage dauert etwa fünf Minuten; "
            "Ihre Antworten werden ohne Ihren Namen gespeichert."
        ),
        summary_en=(
            "How do you get on with buses and trains in the district? Your answers help us "
            "update the local transport plan. It takes about five minutes; your answers are "
            "stored without your name."
        ),
        audience=Survey.Audience.PUBLIC,
        opens_at=now - dt.timedelta(days=14),
        closes_at=now + dt.timedelta(days=28),
        created_by=user,
        created_at=now - dt.timedelta(days=20),
    )
    q = Question.objects.create
    often = q(
        survey=survey,
        position=1,
        kind="single",
        required=True,
        name="Wie oft fahren Sie mit Bus oder Bahn?",
        name_en="How often do you take the bus or train?",
    )
    rarely = _options(often, FREQUENCY)[2:]
    why = q(
        survey=survey,
        position=2,
        kind="multiple",
        max_choices=3,
        name="Was hält Sie davon ab, öfter Bus oder Bahn zu fahren?",
        name_en="What keeps you from taking the bus or train more often?",
        summary="Höchstens drei Antworten.",
        summary_en="Up to three answers.",
    )
    _options(why, OBSTACLES)
    why.show_if.set(rarely)  # skip logic: only for "selten" and "nie"
    q(
        survey=survey,
        position=3,
        kind="scale",
        name="Wie zufrieden sind Sie insgesamt mit Bus und Bahn im Landkreis?",
        name_en="Overall, how satisfied are you with buses and trains in the district?",
        scale_min=1,
        scale_max=5,
        scale_min_label="gar nicht zufrieden",
        scale_min_label_en="not satisfied at all",
        scale_max_label="sehr zufrieden",
        scale_max_label_en="very satisfied",
    )
    ranking = q(
        survey=survey,
        position=4,
        kind="ranking",
        max_choices=3,
        name="Was sollte zuerst besser werden?",
        name_en="What should improve first?",
        summary="Wählen Sie bis zu drei Punkte in Ihrer Reihenfolge.",
        summary_en="Choose up to three in your order.",
    )
    _options(ranking, PRIORITIES)
    q(
        survey=survey,
        position=5,
        kind="text",
        name="Was möchten Sie uns sonst noch sagen?",
        name_en="Is there anything else you want to tell us?",
    )
    q(
        survey=survey,
        position=6,
        kind="point",
        name="Wo fehlt Ihnen eine Haltestelle?",
        name_en="Where are you missing a stop?",
        summary="Setzen Sie einen Punkt auf der Karte oder beschreiben Sie den Ort.",
        summary_en="Put a point on the map or describe the place.",
    )
    return surveys.publish(survey, user, now=now)


def _codes_survey(user, unit, now) -> None:
    if Survey.objects.filter(key=CODES_KEY).exists():
        return
    region = unit.organisation.region
    survey = Survey.objects.create(
        key=CODES_KEY,
        unit=unit,
        region=region,
        name="Neugestaltung Marktplatz",
        name_en="Redesign of the market square",
        summary=(
            "Die Stadt Wernigerode gestaltet den Marktplatz neu. Alle Einwohnerinnen und "
            "Einwohner ab 16 Jahren haben einen Brief mit einem Teilnahme-Code erhalten. "
            "Jeder Code gilt für eine Stimme."
        ),
        summary_en=(
            "The town of Wernigerode is redesigning its market square. Every resident aged "
            "16 or over received a letter with a participation code. Each code is one vote."
        ),
        audience=Survey.Audience.CODES,
        opens_at=now - dt.timedelta(days=3),
        closes_at=now + dt.timedelta(days=25),
        created_by=user,
        created_at=now - dt.timedelta(days=10),
    )
    use = Question.objects.create(
        survey=survey,
        position=1,
        kind="multiple",
        name="Wofür nutzen Sie den Marktplatz?",
        name_en="What do you use the market square for?",
    )
    _options(
        use,
        [
            ("markt", "Wochenmarkt", "Weekly market"),
            ("gastronomie", "Cafés und Gastronomie", "Cafés and restaurants"),
            ("veranstaltungen", "Veranstaltungen", "Events"),
            ("durchgang", "Nur auf dem Weg", "Just passing through"),
        ],
    )
    variant = Question.objects.create(
        survey=survey,
        position=2,
        kind="single",
        required=True,
        name="Welcher Entwurf gefällt Ihnen am besten?",
        name_en="Which design do you like best?",
    )
    _options(
        variant,
        [
            ("a", "Entwurf A: mehr Bäume und Bänke", "Design A: more trees and benches"),
            ("b", "Entwurf B: freie Fläche für Veranstaltungen", "Design B: open space for events"),
            ("c", "Entwurf C: Wasserspiel und Spielfläche", "Design C: fountain and play area"),
        ],
    )
    Question.objects.create(
        survey=survey,
        position=3,
        kind="scale",
        name="Wie wichtig ist Ihnen Schatten auf dem Platz?",
        name_en="How important is shade on the square to you?",
        scale_min=1,
        scale_max=5,
        scale_min_label="unwichtig",
        scale_min_label_en="not important",
        scale_max_label="sehr wichtig",
        scale_max_label_en="very important",
    )
    Question.objects.create(
        survey=survey,
        position=4,
        kind="text",
        name="Ihre Anregungen zum Marktplatz",
        name_en="Your suggestions for the market square",
    )
    surveys.publish(survey, user, now=now)


def _draft(user, unit, region) -> None:
    if Survey.objects.filter(key=DRAFT_KEY).exists():
        return
    survey = Survey.objects.create(
        key=DRAFT_KEY,
        unit=unit,
        region=region,
        name="Radwege im Oberharz",
        summary="Entwurf: Wo fehlen Radwege zwischen den Orten im Oberharz?",
        audience=Survey.Audience.PUBLIC,
        created_by=user,
    )
    question = Question.objects.create(
        survey=survey,
        position=1,
        kind="single",
        name="Fahren Sie im Alltag Rad?",
    )
    _options(question, [("ja", "Ja", "Yes"), ("nein", "Nein", "No")])
    Question.objects.create(survey=survey, position=2, kind="point", name="Wo fehlt ein Radweg?")


def _ballots(survey: Survey, now) -> None:
    """DEMO_BALLOTS plausible ballots (seeded) and the events a real vote would record."""
    rng = random.Random(SEED)
    questions = {q.kind: q for q in survey.questions.prefetch_related("options", "show_if")}
    options = {kind: list(q.options.all()) for kind, q in questions.items()}
    rarely = set(questions["multiple"].show_if.values_list("pk", flat=True))
    municipalities = list(
        Region.objects.filter(
            kind=Region.Kind.MUNICIPALITY, ars__startswith=survey.region.ars[:5]
        ).order_by("ars")
    )
    weights = [m.population or 1000 for m in municipalities]
    ballots, answers, events = [], [], []
    receipts = set()
    opened = survey.opens_at or now
    span = max((now - opened).total_seconds(), 3600)
    for _ in range(DEMO_BALLOTS):
        receipt = voting.new_receipt()
        while receipt in receipts:
            receipt = voting.new_receipt()
        receipts.add(receipt)
        municipality = rng.choices(municipalities, weights)[0] if municipalities else None
        ballot = Ballot(survey=survey, receipt=receipt, municipality=municipality)
        ballots.append(ballot)
        freq = rng.choices(options["single"], [18, 27, 35, 20])[0]
        answers.append(Answer(ballot=ballot, question=questions["single"], option=freq))
        if freq.pk in rarely:
            for option in rng.sample(options["multiple"], rng.randint(1, 3)):
                answers.append(Answer(ballot=ballot, question=questions["multiple"], option=option))
        if rng.random() < 0.93:
            value = rng.choices([1, 2, 3, 4, 5], [14, 24, 30, 22, 10])[0]
            answers.append(Answer(ballot=ballot, question=questions["scale"], number=value))
        if rng.random() < 0.8:
            ranked = rng.choices(options["ranking"], [30, 22, 18, 14, 16], k=8)
            ranked = list(dict.fromkeys(ranked))[: rng.randint(1, 3)]
            for rank, option in enumerate(ranked, start=1):
                answers.append(
                    Answer(ballot=ballot, question=questions["ranking"], option=option, number=rank)
                )
        if rng.random() < 0.3:
            answers.append(
                Answer(ballot=ballot, question=questions["text"], text=rng.choice(TEXTS))
            )
        if rng.random() < 0.25:
            lat, lon = rng.choice(PLACES)
            answers.append(
                Answer(
                    ballot=ballot,
                    question=questions["point"],
                    lat=round(lat + rng.uniform(-0.01, 0.01), 5),
                    lon=round(lon + rng.uniform(-0.01, 0.01), 5),
                    text="",
                )
            )
        when = opened + dt.timedelta(seconds=rng.uniform(0, span))
        subject = f"survey:{survey.key}"
        data = {"survey": survey.key, "audience": survey.audience}
        events.append(_event(event_kinds.PARTICIPATION_STARTED, subject, data, when))
        events.append(
            _event(
                event_kinds.PARTICIPATION_COMPLETED,
                subject,
                {**data, "municipality": municipality.ars if municipality else ""},
                when + dt.timedelta(minutes=rng.randint(2, 9)),
            )
        )
    # some began and did not finish
    for _ in range(DEMO_BALLOTS // 6):
        when = opened + dt.timedelta(seconds=rng.uniform(0, span))
        events.append(
            _event(
                event_kinds.PARTICIPATION_STARTED,
                f"survey:{survey.key}",
                {"survey": survey.key, "audience": survey.audience},
                when,
            )
        )
    Ballot.objects.bulk_create(ballots, batch_size=500)
    Answer.objects.bulk_create(answers, batch_size=1000)
    Event.objects.bulk_create(sorted(events, key=lambda e: e.occurred_at), batch_size=1000)


def _event(kind, subject, data, when) -> Event:
    return Event(
        kind=kind,
        subject=subject,
        data=data,
        occurred_at=min(when, timezone.now()),
        tenant=settings.OPENKREIS_TENANT,
    )
