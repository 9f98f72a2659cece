"""Demo proposals (docs/participation.md "Proposals"): a moderator login and twelve Harz
proposals by the demo citizen `buerger` and three other demo residents, with supports,
comments, official answers of every status and one proposal waiting for moderation.
Idempotent: a proposal is found again by its title; supports and comments by their natural
keys; the counts are recounted from the rows."""

from __future__ import annotations

import datetime as dt

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.utils import timezone

from openkreis.accounts import demo as accounts_demo
from openkreis.core.models import OrgUnit, Region, StaffMembership
from openkreis.core.staff import Role, add_staff, ensure_totp

from . import proposals
from .models_proposals import Comment, Proposal, Support

MODERATOR = "beteiligung-moderation"
MODERATOR_PASSWORD = "harz-beteiligung-demo-2026"  # noqa: S105 (printed demo login)
MODERATOR_SECRET = "BETEILIGUNGMODDEMOAAAAAAAAAAAAAA"  # noqa: S105 (demo TOTP, base32, 160 bits)
MODERATOR_UNIT = "pressestelle"

# other demo residents (no password: they only author, support and comment)
RESIDENTS = [
    ("anwohnerin-thale", "Sabine", "Vogt"),
    ("anwohner-quedlinburg", "Jonas", "Brandt"),
    ("anwohnerin-wernigerode", "Marta", "Lehmann"),
]

S = Proposal.Answer
P = Proposal.Moderation

# author (0 = buerger, 1-3 = RESIDENTS), days ago, municipality ARS, lat, lon, title, text,
# show name, moderation, (status, unit key, answer, circle) or None, supporters, comments
PROPOSALS = [
    (
        1,
        60,
        "150850330330",
        51.7497,
        11.0260,
        "Bänke am Wanderweg zum Hexentanzplatz",
        "Auf dem steilen Weg vom Bahnhof Thale zum Hexentanzplatz gibt es keine einzige Bank. "
        "Ältere Gäste und Familien mit Kindern müssten sich unterwegs ausruhen können. "
        "Drei Bänke an den Aussichtspunkten würden reichen.",
        True,
        P.PUBLISHED,
        (
            S.ACCEPTED,
            "wirtschaftsfoerderung",
            "Vielen Dank für den Vorschlag. Der Landkreis stellt im Frühjahr drei Bänke an den "
            "Aussichtspunkten auf; die Stadt Thale übernimmt die Pflege.",
            "",
        ),
        [0, 2, 3],
        [(2, "Sehr gute Idee, gerade im Sommer ist der Weg anstrengend.")],
    ),
    (
        3,
        55,
        "150850370370",
        51.8570,
        10.7450,
        "Radweg zwischen Wernigerode und Ilsenburg",
        "Zwischen Wernigerode und Ilsenburg fahren viele Menschen mit dem Rad zur Arbeit, "
        "aber ein Stück führt über die Landstraße ohne Radweg. Ein durchgehender Radweg "
        "würde den Weg viel sicherer machen.",
        True,
        P.PUBLISHED,
        (
            S.UNDER_REVIEW,
            "kreisstrassen",
            "Das Amt prüft die Trasse und die Förderung durch das Land. Wir melden uns, sobald "
            "eine Entscheidung gefallen ist.",
            "Mobilität im Nordharz",
        ),
        [0, 1, 2],
        [
            (
                0,
                "Ich fahre die Strecke täglich. Besonders an der Kurve vor Darlingerode ist es "
                "gefährlich.",
            ),
            (1, "Bitte auch an eine Beleuchtung denken."),
        ],
    ),
    (
        0,
        50,
        "150850228228",
        51.7780,
        10.6650,
        "Mehr Busse am Wochenende nach Schierke",
        "Am Wochenende fährt der Bus nach Schierke nur alle zwei Stunden. Wanderer fahren "
        "deshalb mit dem Auto und die Parkplätze sind voll. Ein Stundentakt am Samstag und "
        "Sonntag wäre eine große Hilfe.",
        False,
        P.PUBLISHED,
        (
            S.REJECTED,
            "wirtschaftsfoerderung",
            "Ein Stundentakt ist im laufenden Nahverkehrsplan nicht finanziert. Wir nehmen den "
            "Wunsch in die Beratung des nächsten Nahverkehrsplans 2027 auf. Bis dahin fährt "
            "im Sommer zusätzlich der Wanderbus.",
            "",
        ),
        [1, 3],
        [(3, "Schade, aber danke für die Erklärung.")],
    ),
    (
        2,
        120,
        "150850235235",
        51.7896,
        11.1416,
        "Trinkwasserbrunnen am Quedlinburger Markt",
        "Im Sommer ist es auf dem Markt sehr heiß. Ein Trinkwasserbrunnen für alle, auch für "
        "Gäste der Welterbestadt, wäre eine einfache Hilfe.",
        True,
        P.PUBLISHED,
        (
            S.IMPLEMENTED,
            "gesundheitsamt",
            "Der Brunnen steht seit Juni am Markt; das Gesundheitsamt prüft das Wasser regelmäßig.",
            "",
        ),
        [0, 1, 3],
        [],
    ),
    (
        1,
        30,
        "150850135135",
        51.8830,
        11.0420,
        "Spielplatz in den Spiegelsbergen erneuern",
        "Der Spielplatz am Eingang der Spiegelsberge ist in die Jahre gekommen: die Schaukel "
        "ist gesperrt, der Sand ist alt. Bitte erneuern, gerne mit Geräten für kleine Kinder.",
        False,
        P.PUBLISHED,
        None,
        [0, 2],
        [(0, "Da spielen wir oft. Eine Wasserpumpe wäre toll.")],
    ),
    (
        3,
        90,
        "",
        None,
        None,
        "Blühstreifen an den Kreisstraßen",
        "Statt die Ränder der Kreisstraßen mehrmals im Jahr zu mähen, könnten Blühstreifen "
        "angelegt werden. Das hilft Bienen und spart Arbeit.",
        True,
        P.PUBLISHED,
        (
            S.ACCEPTED,
            "umweltamt",
            "Das Umweltamt legt mit dem Straßenbau ab nächstem Jahr auf zehn Kilometern "
            "Blühstreifen an und wertet die Erfahrungen aus.",
            "Klima und Natur im Harz",
        ),
        [0, 1, 2],
        [],
    ),
    (
        0,
        20,
        "150850055055",
        51.7935,
        10.9570,
        "Sichere Querung vor der Grundschule Blankenburg",
        "Vor der Grundschule fahren morgens viele Autos schnell vorbei. Die Kinder brauchen "
        "einen Zebrastreifen oder eine Ampel.",
        True,
        P.PUBLISHED,
        (
            S.UNDER_REVIEW,
            "strassenverkehrsbehoerde",
            "Die Straßenverkehrsbehörde zählt im nächsten Monat den Verkehr und prüft "
            "gemeinsam mit der Stadt eine Querungshilfe.",
            "",
        ),
        [1, 2, 3],
        [(2, "Unbedingt! Auch eine Tempo-30-Zone wäre gut.")],
    ),
    (
        2,
        15,
        "150850145145",
        51.6420,
        11.1420,
        "Jugendtreff in Harzgerode",
        "Jugendliche in Harzgerode haben keinen Ort, an dem sie sich abends treffen können. "
        "Ein offener Treff zweimal in der Woche in einem leerstehenden Raum würde reichen.",
        False,
        P.PUBLISHED,
        None,
        [1],
        [],
    ),
    (
        1,
        150,
        "150850185185",
        51.9400,
        10.9900,
        "Mitfahrbänke in den Dörfern des Huy",
        "Zwischen den Dörfern im Huy fährt selten ein Bus. Mitfahrbänke, auf denen man "
        "zeigt, wohin man möchte, helfen älteren Menschen ohne Auto.",
        True,
        P.PUBLISHED,
        (
            S.IMPLEMENTED,
            "kommunalaufsicht",
            "Zwölf Mitfahrbänke stehen seit dem Herbst in den Ortsteilen der Gemeinde Huy.",
            "Mobilität im Nordharz",
        ),
        [0, 2, 3],
        [(3, "Habe sie schon genutzt, funktioniert gut.")],
    ),
    (
        3,
        10,
        "150850330330",
        51.7490,
        11.0330,
        "Öffentliche Toilette am Bahnhof Thale",
        "Am Bahnhof Thale kommen viele Wanderer an, aber die Toilette ist seit Monaten "
        "geschlossen. Bitte wieder öffnen.",
        False,
        P.PUBLISHED,
        None,
        [0],
        [],
    ),
    (
        0,
        40,
        "150850370370",
        None,
        None,
        "Bürgerbüro auch am Samstagvormittag öffnen",
        "Wer in der Woche arbeitet, schafft es kaum ins Bürgerbüro. Ein Samstagvormittag im "
        "Monat würde vielen helfen.",
        True,
        P.PUBLISHED,
        (
            S.REJECTED,
            "kommunalaufsicht",
            "Das Bürgerbüro ist Sache der Stadt Wernigerode, nicht des Landkreises. Viele "
            "Anliegen lassen sich inzwischen online erledigen; die Stadt bietet außerdem "
            "donnerstags Termine bis 18 Uhr an.",
            "",
        ),
        [2],
        [],
    ),
    (
        0,
        1,
        "150850135135",
        51.8960,
        11.0500,
        "Überdachte Fahrradständer am Bahnhof Halberstadt",
        "Am Bahnhof Halberstadt gibt es zu wenige Fahrradständer, und keiner ist überdacht. "
        "Pendler würden eher mit dem Rad zum Zug fahren.",
        False,
        P.PENDING,
        None,
        [],
        [],
    ),
]


def _resident(username: str, first: str, last: str):
    user, created = get_user_model().objects.get_or_create(
        username=username,
        defaults={"email": f"{username}@example.org", "first_name": first, "last_name": last},
    )
    if created:
        user.set_unusable_password()
        user.save()
    EmailAddress.objects.update_or_create(
        user=user, email=user.email, defaults={"verified": True, "primary": True}
    )
    return user


def _moderator(report):
    unit = OrgUnit.objects.filter(key=MODERATOR_UNIT).first()
    if unit is None:
        return None
    user = add_staff(
        MODERATOR,
        f"{MODERATOR}@example.org",
        MODERATOR_PASSWORD,
        unit,
        [Role.PROPOSAL_MODERATOR],
        first_name="Beteiligung",
        last_name="Moderation",
    )
    StaffMembership.objects.filter(user=user).exclude(
        org_unit=unit, role=Role.PROPOSAL_MODERATOR
    ).delete()
    ensure_totp(user, MODERATOR_SECRET)
    report.write(
        f"  Vorschläge moderieren (/beteiligung/moderation/): {MODERATOR} / "
        f"{MODERATOR_PASSWORD} + TOTP {MODERATOR_SECRET}"
    )
    return user


def load_demo(tenant, folder, report) -> None:
    citizen = get_user_model().objects.filter(username=accounts_demo.USERNAME).first()
    if citizen is None:
        return  # without the accounts demo there is no demo citizen
    people = [citizen] + [_resident(*row) for row in RESIDENTS]
    moderator = _moderator(report)
    now = timezone.now()
    for row in PROPOSALS:
        author, days, ars, lat, lon, title, text, show, moderation, answer, fans, talk = row
        user = people[author]
        created = now - dt.timedelta(days=days)
        proposal = Proposal.objects.filter(title=title).first()
        if proposal is None:
            proposal = Proposal.objects.create(
                author=user,
                author_name=proposals.display_name(user) if show else "",
                title=title,
                text=text,
                municipality=Region.objects.filter(ars=ars).first() if ars else None,
                lat=lat,
                lon=lon,
                moderation=moderation,
                moderated_by=moderator if moderation == P.PUBLISHED else None,
                created_at=created,
            )
        if answer and not proposal.status:
            status, unit_key, answer_text, circle = answer
            proposal.status = status
            proposal.answer = answer_text
            proposal.answer_unit = OrgUnit.objects.filter(key=unit_key).first()
            proposal.circle = circle
            proposal.answered_at = created + dt.timedelta(days=max(1, days // 3))
            proposal.answered_by = moderator
            proposal.save()
        for index in fans:
            Support.objects.get_or_create(
                proposal=proposal,
                user=people[index],
                defaults={"created_at": created + dt.timedelta(hours=index + 1)},
            )
        for index, comment_text in talk:
            Comment.objects.get_or_create(
                proposal=proposal,
                author=people[index],
                text=comment_text,
                defaults={
                    "author_name": proposals.display_name(people[index]) if index else "",
                    "created_at": created + dt.timedelta(days=1, hours=index),
                },
            )
        proposals.recount([proposal.pk])
    report.write(
        f"  Beteiligung: {len(PROPOSALS)} Vorschläge (/beteiligung/vorschlaege/), "
        f"einer wartet auf Moderation"
    )
