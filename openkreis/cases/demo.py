"""Demo data for `make run`: caseworkers with a second factor, and about 200 cases of the
four procedures and some generic services, spread over the last twelve months in every
state, with their history and cockpit events at the historical times. Idempotent."""

from __future__ import annotations

import datetime as dt
import random

from django.contrib.auth import get_user_model
from django.utils import timezone

from openkreis.catalog.models import Service
from openkreis.core.models import OrgUnit
from openkreis.core.staff import Role, add_staff, ensure_totp

from . import services
from .models import Case, DocumentRequest
from .workflow import transitions

# username, unit, roles, TOTP secret (32 base32 characters), description
DEMO_STAFF = [
    (
        "sb-fahrerlaubnis",
        "fahrerlaubnisbehoerde",
        [Role.CASEWORKER],
        "FAHRERLAUBNISDEMOAAAAAAAAAAAAAAA",
        "Sachbearbeitung Fahrerlaubnisbehörde",
    ),
    (
        "sb-auslaender",
        "auslaenderbehoerde",
        [Role.CASEWORKER],
        "AUSLAENDERDEMOAAAAAAAAAAAAAAAAAA",
        "Sachbearbeitung Ausländerbehörde",
    ),
    (
        "sb-bau",
        "bauordnungsamt",
        [Role.CASEWORKER],
        "BAUORDNUNGDEMOAAAAAAAAAAAAAAAAAA",
        "Sachbearbeitung Bauordnungsamt",
    ),
    (
        "sb-sozial",
        "sozialamt",
        [Role.CASEWORKER],
        "SOZIALAMTDEMOAAAAAAAAAAAAAAAAAAA",
        "Sachbearbeitung Sozialamt",
    ),
    (
        "leitung-ordnung",
        "ordnungsamt-kreis",
        [Role.TEAM_LEAD],
        "LEITUNGORDNUNGDEMOAAAAAAAAAAAAAA",
        "Teamleitung Ordnungsamt (Fahrerlaubnis, Ausländer)",
    ),
    (
        "leitung-sozial",
        "sozialamt",
        [Role.TEAM_LEAD],
        "LEITUNGSOZIALDEMOAAAAAAAAAAAAAAA",
        "Teamleitung Sozialamt",
    ),
    (
        "pruefung",
        "fachbereich-landrat",
        [Role.AUDITOR],
        "PRUEFUNGDEMOAAAAAAAAAAAAAAAAAAAA",
        "Prüfung (nur Prüfprotokoll, keine Akteninhalte)",
    ),
]
DEMO_PASSWORD = "harz-akte-demo-2026"  # noqa: S105 (printed demo login)
SERVICES = [
    ("fahrerlaubnis-ersterteilung", 60),
    ("aufenthaltskarte-eu", 40),
    ("baugenehmigung-vereinfacht", 40),
    ("hilfe-zum-lebensunterhalt", 40),
    ("jagdschein", 10),
    ("waffenbesitzkarte", 10),
]
FIRST = [
    "Anna",
    "Jonas",
    "Marie",
    "Paul",
    "Lena",
    "Felix",
    "Sophie",
    "Lukas",
    "Emma",
    "Ben",
    "Mia",
    "Tim",
    "Hannah",
    "Leon",
    "Lea",
    "Maximilian",
    "Aleksandra",
    "Mehmet",
    "Olena",
    "Giulia",
]
LAST = [
    "Müller",
    "Schmidt",
    "Schneider",
    "Fischer",
    "Weber",
    "Meyer",
    "Wagner",
    "Becker",
    "Schulz",
    "Hoffmann",
    "Koch",
    "Richter",
    "Klein",
    "Wolf",
    "Kowalski",
    "Yılmaz",
    "Schröder",
    "Neumann",
    "Braun",
    "Krüger",
]
STREETS = ["Markt", "Breiter Weg", "Lindenallee", "Bahnhofstraße"]
TOWNS = [
    ("38820", "Halberstadt"),
    ("38855", "Wernigerode"),
    ("06484", "Quedlinburg"),
    ("38889", "Blankenburg (Harz)"),
    ("06502", "Thale"),
    ("06493", "Ballenstedt"),
]


def load_demo(tenant, folder, report) -> None:
    logins = []
    for username, unit_key, roles, secret, description in DEMO_STAFF:
        unit = OrgUnit.objects.filter(key=unit_key).first()
        if unit is None:
            continue
        user = add_staff(username, f"{username}@example.org", DEMO_PASSWORD, unit, roles)
        ensure_totp(user, secret)
        logins.append((description, username, secret))
    report.write("\neAkte (/sachbearbeitung/), password " + DEMO_PASSWORD + " + TOTP secret:")
    for description, username, secret in logins:
        report.write(f"  {description:<48} {username:<18} {secret}")
    if Case.objects.filter(data__demo=True).exists():
        return
    _demo_cases()


def _demo_cases() -> None:
    rng = random.Random(15085)  # the same demo every time
    now = timezone.now()

    names = [username for username, *_ in DEMO_STAFF]
    all_users = list(get_user_model().objects.filter(username__in=names).order_by("username"))
    pdfs_left = 4
    for slug, count in SERVICES:
        service = Service.objects.filter(slug=slug).first()
        if service is None:
            continue
        for n in range(count):
            age_days = rng.uniform(0, 365) if n >= 6 else rng.uniform(0, 6)
            received = now - dt.timedelta(days=age_days, hours=rng.uniform(0, 8))
            postcode, city = rng.choice(TOWNS)
            channel = rng.choices(["online", "paper", "counter"], [5, 3, 2])[0]
            case = services.open_case(
                service=service,
                channel=channel,
                applicant=services.Applicant(
                    name=f"{rng.choice(FIRST)} {rng.choice(LAST)}",
                    email=f"demo{rng.randrange(10**6)}@example.org",
                    street=f"{rng.choice(STREETS)} {rng.randrange(1, 80)}",
                    postcode=postcode,
                    city=city,
                ),
                data=(
                    _demo_answers(service, received, random.Random(f"{slug}-{n}"))
                    if channel == "online"
                    else {"demo": True}
                ),
                received_at=received,
                complete=rng.random() > 0.3,
            )
            worker = _worker_for(case, all_users)
            if worker is None:
                continue  # no demo staff in that unit: the case stays new
            pdfs_left = _advance(case, worker, received, now, rng, pdfs_left)


def _demo_answers(service, received, rng) -> dict:
    """What a demo applicant answered, shaped like the check-answers summary an online
    submission stores (its own random source, so the rest of the demo stays as it was)."""
    if service.slug == "fahrerlaubnis-ersterteilung":
        eye_test = (received - dt.timedelta(days=rng.randint(10, 300))).strftime("%d.%m.%Y")
        pages = [
            (
                "klassen",
                "Welche Fahrerlaubnis möchten Sie?",
                [
                    (
                        "Fahrerlaubnisklassen",
                        rng.choice(
                            [
                                "B – Auto",
                                "B – Auto; BE – Auto mit Anhänger",
                                "AM – Moped, Roller bis 45 km/h",
                            ]
                        ),
                    ),
                    ("Möchten Sie begleitet ab 17 fahren (BF17)?", rng.choice(["Ja", "Nein"])),
                ],
            ),
            (
                "fahrschule",
                "Ihre Fahrschule",
                [
                    (
                        "Name der Fahrschule",
                        rng.choice(
                            [
                                "Fahrschule Brocken, Wernigerode",
                                "Fahrschule am Dom, Halberstadt",
                                "Fahrschule Bode, Thale",
                            ]
                        ),
                    ),
                ],
            ),
            ("nachweise", "Sehtest und Erste Hilfe", [("Datum des Sehtests", eye_test)]),
        ]
    else:
        pages = [
            (
                "anliegen",
                "Ihr Anliegen",
                [("Was möchten Sie beantragen?", f"{service.name} – bitte um Bearbeitung.")],
            )
        ]
    summary = [
        {
            "key": key,
            "title": title,
            "answers": [{"label": label, "value": value} for label, value in rows],
        }
        for key, title, rows in pages
    ]
    return {"demo": True, "summary": summary}


def _advance(case, worker, received, now, rng, pdfs_left) -> int:
    """Walk the case through its procedure to a state that fits its age."""
    age = (now - received).days
    at = received + dt.timedelta(days=rng.uniform(0.2, 6), hours=1)
    if at >= now:
        return pdfs_left  # still new in the inbox
    lead = _lead_for(case.procedure.definition)
    services.transition(case, "claim", actor=lead or worker, at=at)
    if rng.random() < 0.3 and at + dt.timedelta(days=1) < now:
        at += dt.timedelta(days=rng.uniform(0.5, 4))
        DocumentRequest.objects.create(
            case=case,
            items=["Nachweis über den Wohnsitz"],
            deadline=(at + dt.timedelta(days=14)).date(),
            created_at=at,
            fulfilled_at=None,
        )
        services.transition(
            case,
            "request_documents",
            actor=lead or worker,
            at=at,
            deadline=str((at + dt.timedelta(days=14)).date()),
            count=1,
        )
        answered = at + dt.timedelta(days=rng.uniform(2, 20))
        if answered >= now:
            return pdfs_left  # still waiting for the applicant
        case.requests.update(fulfilled_at=answered)
        services.transition(case, "documents_received", actor=None, at=answered, count=1)
        at = answered + dt.timedelta(days=rng.uniform(0.5, 8))
        if at >= now:
            return pdfs_left
        services.transition(case, "claim", actor=lead or worker, at=at)
    at = _middle_steps(case, lead or worker, at, now, rng)
    if at is None:
        return pdfs_left
    processing = max(age * rng.uniform(0.3, 0.9), 1)
    decided_at = at + dt.timedelta(days=rng.uniform(1, processing))
    if decided_at >= now or age < 10:
        return pdfs_left
    outcome = rng.choices(["granted", "partly", "refused"], [8, 1, 1])[0]
    actor = lead or worker
    if pdfs_left > 0 and "decide" in _names(case):
        services.decide(
            case, actor=actor, outcome=outcome, text="Die Voraussetzungen liegen vor.", notify=False
        )
        return pdfs_left - 1
    services.transition(case, "decide", actor=actor, at=decided_at, outcome=outcome)
    if decided_at + dt.timedelta(days=14) < now:
        services.transition(case, "close", actor=actor, at=decided_at + dt.timedelta(days=14))
    return pdfs_left


def _worker_for(case, users):
    """A demo caseworker of the case's unit (a team lead above it will do)."""
    ranked = sorted(users, key=lambda u: not u.username.startswith("sb-"))
    for user in ranked:
        if services.roles_in_unit(user, case.org_unit).intersection(services.WORKING_ROLES):
            return user
    return None


def _names(case) -> set[str]:
    case.refresh_from_db()

    return {t.name for t in transitions(case.procedure.definition) if case.state in t.sources}


def _middle_steps(case, actor, at, now, rng):
    """Take the procedure's own steps (register check, participation, review…) in order
    until `decide` is possible; None if the case is still in one of them now."""
    for _step in range(6):
        names = _names(case)
        if "decide" in names:
            return at
        forward = [n for n in names if n not in {"request_documents", "reopen", "close"}]
        if not forward:
            return None
        at = at + dt.timedelta(days=rng.uniform(0.5, 10))
        if at >= now:
            return None
        services.transition(case, sorted(forward)[0], actor=actor, at=at)
    return at


def _lead_for(definition):
    """Procedures where a team lead decides (four eyes) need the lead for every step."""
    roles = {r for t in definition["transitions"] if t["name"] == "decide" for r in t["roles"]}
    if roles == {Role.TEAM_LEAD}:
        return get_user_model().objects.filter(username="leitung-sozial").first()
    return None
