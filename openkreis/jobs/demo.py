"""Demo of the job board (owner: J2; the `jobs-demo` step of `load_tenant --demo`).

* Four employers in the Harz. **They are fictional**: plausible names and addresses, no real
  company is meant. Each is a company account (accounts.Company) with an employer profile;
  the login `arbeitgeber-demo` is the administrator of "Holzwerkstatt Brockenblick" (the other
  three have members of their own without a usable password).
* 20 postings (jobs, apprenticeships, dual study, an internship, a mini job): most published,
  two waiting for review (the moderator's queue), one draft, one refused with a reason.
* The Jobcenter's employer "Kommunale Beschäftigungsagentur Jobcenter Landkreis Harz (KoBa)"
  with three offers (published without review).
* Staff logins with password + TOTP: `stellen-moderation` (job_moderator) and
  `jobcenter-koba` (jobcenter).

Idempotent: employers by name, postings by employer and title; a second run only moves the
closing dates of demo postings that would close within two weeks.
"""

from __future__ import annotations

import datetime as dt

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.utils import timezone

from openkreis.accounts import services as accounts
from openkreis.accounts.models import Company
from openkreis.core.models import OrgUnit
from openkreis.core.staff import Role, add_staff, ensure_totp

from . import board
from .models import Field, Job

EMPLOYER_USER = "arbeitgeber-demo"
EMPLOYER_PASSWORD = "harz-arbeitgeber-demo-2026"  # noqa: S105 (printed demo login)
MODERATOR_USER = "stellen-moderation"
MODERATOR_PASSWORD = "harz-stellen-demo-2026"  # noqa: S105 (printed demo login)
MODERATOR_SECRET = "STELLENMODERATIONDEMOAAAAAAAAAAA"  # noqa: S105 (demo TOTP, base32)
JOBCENTER_USER = "jobcenter-koba"
JOBCENTER_PASSWORD = "harz-koba-demo-2026"  # noqa: S105 (printed demo login)
JOBCENTER_SECRET = "JOBCENTERKOBADEMOAAAAAAAAAAAAAAA"  # noqa: S105 (demo TOTP, base32)
UNIT = "stellenboerse"

# fictional employers: (member login, name, street, postcode, town, website, about)
EMPLOYERS = [
    (
        EMPLOYER_USER,
        "Holzwerkstatt Brockenblick GmbH",
        "Dornbergsweg 14",
        "38855",
        "Wernigerode",
        "https://holzwerkstatt-brockenblick.example.org/",
        "Tischlerei mit 24 Beschäftigten: Möbel, Treppen, Fenster und Innenausbau für Kundschaft "
        "im Harz und im Harzvorland. (Fiktiver Demo-Betrieb.)",
    ),
    (
        "arbeitgeber-demo-pflege",
        "Pflegedienst Bodetal gGmbH",
        "Karl-Marx-Straße 5",
        "06502",
        "Thale",
        "https://pflegedienst-bodetal.example.org/",
        "Ambulante Pflege und Tagespflege in Thale und den Orten des Bodetals. "
        "(Fiktiver Demo-Betrieb.)",
    ),
    (
        "arbeitgeber-demo-metall",
        "Metallbau Vorharz KG",
        "Gewerbegebiet Sülzegraben 7",
        "38820",
        "Halberstadt",
        "https://metallbau-vorharz.example.org/",
        "Stahl- und Metallbau, Geländer, Hallen und Landtechnik-Reparatur. "
        "(Fiktiver Demo-Betrieb.)",
    ),
    (
        "arbeitgeber-demo-hotel",
        "Hotel Stiftsberg Quedlinburg",
        "Mühlenstraße 3",
        "06484",
        "Quedlinburg",
        "",
        "Familiengeführtes Hotel mit Restaurant am Fuß des Stiftsbergs, 38 Zimmer. "
        "(Fiktiver Demo-Betrieb.)",
    ),
]

# (employer index, title, kind, hours, field slug, salary (min, max, unit) or None,
#  days open, status, description)
JOBS = [
    (
        0,
        "Tischler/in (m/w/d)",
        "job",
        "full",
        "bau",
        (2800, 3400, "MONTH"),
        90,
        "published",
        "Sie fertigen Möbel und Treppen nach Maß und bauen sie bei unserer Kundschaft ein.",
    ),
    (
        0,
        "Ausbildung Tischler/in 2027",
        "ausbildung",
        "full",
        "bau",
        (900, 1100, "MONTH"),
        150,
        "published",
        "Drei Jahre Ausbildung in Werkstatt und Montage; Berufsschule in Halberstadt.",
    ),
    (
        0,
        "Praktikum Holztechnik (2–6 Wochen)",
        "praktikum",
        "full",
        "bau",
        None,
        120,
        "published",
        "Schülerpraktikum oder Orientierungspraktikum: Sie arbeiten in der Werkstatt mit.",
    ),
    (
        0,
        "Bürokraft Auftragsabwicklung (Teilzeit)",
        "job",
        "part",
        "wirtschaft",
        (16, 18, "HOUR"),
        60,
        "published",
        "Angebote schreiben, Termine planen, Rechnungen prüfen.",
    ),
    (
        0,
        "Monteur/in Fenster und Türen",
        "job",
        "full",
        "bau",
        None,
        45,
        "submitted",
        "Einbau von Fenstern und Haustüren im Raum Wernigerode und Ilsenburg.",
    ),
    (
        0,
        "CNC-Fachkraft Holz",
        "job",
        "either",
        "produktion",
        None,
        75,
        "draft",
        "Programmieren und Bedienen unserer CNC-Bearbeitungszentren.",
    ),
    (
        1,
        "Pflegefachfrau/Pflegefachmann (m/w/d)",
        "job",
        "either",
        "gesundheit",
        (3300, 3900, "MONTH"),
        120,
        "published",
        "Ambulante Pflege in Thale, Neinstedt und Weddersleben; Dienstwagen, feste Touren.",
    ),
    (
        1,
        "Ausbildung Pflegefachfrau/-mann 2027",
        "ausbildung",
        "full",
        "gesundheit",
        (1300, 1500, "MONTH"),
        150,
        "published",
        "Generalistische Pflegeausbildung mit Praxiseinsätzen in Klinik und Altenpflege.",
    ),
    (
        1,
        "Pflegehelfer/in Tagespflege",
        "job",
        "part",
        "gesundheit",
        (15, 16.5, "HOUR"),
        90,
        "published",
        "Begleitung unserer Gäste in der Tagespflege, Mo–Fr 8–16 Uhr.",
    ),
    (
        1,
        "Minijob Fahrdienst Tagespflege",
        "minijob",
        "part",
        "verkehr",
        (13, 13, "HOUR"),
        60,
        "published",
        "Morgens und nachmittags Gäste abholen und nach Hause bringen (Führerschein B).",
    ),
    (
        1,
        "Sozialarbeiter/in Pflegeberatung",
        "job",
        "part",
        "soziales",
        None,
        40,
        "rejected",
        "Beratung von Angehörigen.",
    ),
    (
        2,
        "Metallbauer/in Konstruktionstechnik",
        "job",
        "full",
        "metall",
        (2900, 3500, "MONTH"),
        90,
        "published",
        "Fertigung und Montage von Stahlkonstruktionen, Treppen und Geländern.",
    ),
    (
        2,
        "Ausbildung Metallbauer/in 2027",
        "ausbildung",
        "full",
        "metall",
        None,
        150,
        "published",
        "Dreieinhalb Jahre; Schweißen, Biegen, Montieren; Berufsschule in Halberstadt.",
    ),
    (
        2,
        "Duales Studium Maschinenbau",
        "dual",
        "full",
        "technik",
        (1200, 1400, "MONTH"),
        140,
        "published",
        "Studium an der Hochschule Harz oder der Hochschule Magdeburg-Stendal mit "
        "Praxisphasen in unserem Betrieb.",
    ),
    (
        2,
        "Land- und Baumaschinenmechatroniker/in",
        "job",
        "full",
        "technik",
        None,
        80,
        "published",
        "Wartung und Reparatur von Landtechnik für Betriebe im Harzvorland.",
    ),
    (
        2,
        "Schweißer/in (WIG/MAG)",
        "job",
        "full",
        "metall",
        None,
        50,
        "submitted",
        "Schweißarbeiten in der Werkstatt, Zertifikat nach DIN EN ISO 9606 erwünscht.",
    ),
    (
        3,
        "Koch/Köchin (m/w/d)",
        "job",
        "full",
        "dienstleistung",
        (2700, 3100, "MONTH"),
        60,
        "published",
        "Regionale Küche für Restaurant und Hotelgäste; geteilte Dienste selten.",
    ),
    (
        3,
        "Ausbildung Hotelfachfrau/-mann 2027",
        "ausbildung",
        "full",
        "dienstleistung",
        None,
        150,
        "published",
        "Rezeption, Service, Housekeeping und Veranstaltungen kennenlernen.",
    ),
    (
        3,
        "Servicekraft Restaurant (Teilzeit)",
        "job",
        "part",
        "dienstleistung",
        (14, 15, "HOUR"),
        45,
        "published",
        "Gäste im Restaurant und auf der Terrasse bedienen, abends und am Wochenende.",
    ),
    (
        3,
        "Minijob Frühstücksservice",
        "minijob",
        "part",
        "dienstleistung",
        None,
        30,
        "published",
        "Frühstücksbuffet vorbereiten und betreuen, Sa und So 6:30–10:30 Uhr.",
    ),
]
JOBCENTER_JOBS = [
    (
        "Fachkraft für Lagerlogistik (m/w/d)",
        "job",
        "full",
        "verkehr",
        "38820",
        "Halberstadt",
        "Ein Logistikbetrieb im Gewerbegebiet Halberstadt sucht über die KoBa eine Fachkraft für "
        "Wareneingang, Kommissionierung und Versand.",
    ),
    (
        "Verkäufer/in Lebensmitteleinzelhandel",
        "job",
        "either",
        "wirtschaft",
        "06484",
        "Quedlinburg",
        "Verkauf, Kasse und Warenpflege in einem Lebensmittelmarkt in Quedlinburg.",
    ),
    (
        "Einstiegsqualifizierung Gastronomie",
        "praktikum",
        "full",
        "dienstleistung",
        "38855",
        "Wernigerode",
        "Sechs bis zwölf Monate Praktikum als Weg in eine Ausbildung in Hotel und "
        "Gaststätte; begleitet von der KoBa.",
    ),
]


def _user(username: str, first: str, last: str, password: str | None):
    user, created = get_user_model().objects.get_or_create(
        username=username,
        defaults={"email": f"{username}@example.org", "first_name": first, "last_name": last},
    )
    if created:
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save()
    EmailAddress.objects.update_or_create(
        user=user, email=user.email, defaults={"verified": True, "primary": True}
    )
    return user


def _employer(username, name, street, postcode, town, website, about) -> tuple:
    password = EMPLOYER_PASSWORD if username == EMPLOYER_USER else None
    user = _user(username, "Demo", name.split()[0], password)
    company = Company.objects.filter(name=name, memberships__user=user).first()
    if company is None:
        company = accounts.create_company(
            user, name=name, street=street, postcode=postcode, city=town
        )
    employer = board.employer_of(company)
    if employer is None:
        employer = board.save_employer(
            company,
            actor=user,
            name=name,
            description=about,
            website=website,
            street=street,
            postcode=postcode,
            town=town,
        )
    return user, employer


def _unit() -> OrgUnit | None:
    parent = OrgUnit.objects.filter(key="wirtschaftsfoerderung").first()
    if parent is None:
        return None
    unit, _ = OrgUnit.objects.get_or_create(
        key=UNIT,
        defaults={
            "organisation": parent.organisation,
            "parent": parent,
            "name": "Stellenbörse Bildung & Arbeit",
            "kind": OrgUnit.Kind.SACHGEBIET,
        },
    )
    return unit


def _staff(report):
    unit = _unit()
    if unit is None:
        return None, None
    moderator = add_staff(
        MODERATOR_USER,
        f"{MODERATOR_USER}@example.org",
        MODERATOR_PASSWORD,
        unit,
        [Role.JOB_MODERATOR],
        first_name="Stellen",
        last_name="Moderation",
    )
    ensure_totp(moderator, MODERATOR_SECRET)
    jobcenter = add_staff(
        JOBCENTER_USER,
        f"{JOBCENTER_USER}@example.org",
        JOBCENTER_PASSWORD,
        unit,
        [Role.JOBCENTER],
        first_name="KoBa",
        last_name="Jobcenter",
    )
    ensure_totp(jobcenter, JOBCENTER_SECRET)
    report.write("\nStellenbörse (/bildung-arbeit/moderation/), password + TOTP:")
    report.write(
        f"  {'Moderation':<30} {MODERATOR_USER:<22} {MODERATOR_PASSWORD}  {MODERATOR_SECRET}"
    )
    report.write(
        f"  {'Jobcenter (KoBa)':<30} {JOBCENTER_USER:<22} {JOBCENTER_PASSWORD}  {JOBCENTER_SECRET}"
    )
    return moderator, jobcenter


def _values(title, kind, hours, field, salary, days, description, postcode, town, street):
    today = timezone.localdate()
    values = {
        "title": title,
        "kind": kind,
        "hours": hours,
        "field": Field.objects.filter(slug=field).first(),
        "description": description,
        "postcode": postcode,
        "town": town,
        "street": street,
        "valid_through": today + dt.timedelta(days=min(days, board.MAX_VALID_DAYS)),
        "contact_email": "bewerbung@example.org",
    }
    if salary:
        values["salary_min"], values["salary_max"], values["salary_unit"] = salary
    return values


def load_demo(tenant, folder, report) -> None:
    if tenant is None:
        return
    moderator, jobcenter = _staff(report)
    made = [_employer(*spec) for spec in EMPLOYERS]
    first = made[0][1]
    report.write(
        f"\nArbeitgeber Stellenbörse (/bildung-arbeit/stellenanzeigen/): {EMPLOYER_USER} / "
        f"{EMPLOYER_PASSWORD} ({first.name}; fiktive Betriebe)"
    )
    now = timezone.now()
    for n, (index, title, kind, hours, field, salary, days, status, text) in enumerate(JOBS):
        member, employer = made[index]
        job = employer.jobs.filter(title=title).first()
        if job is None:
            values = _values(
                title,
                kind,
                hours,
                field,
                salary,
                days,
                text,
                employer.postcode,
                employer.town,
                employer.street,
            )
            job = board.create_job(employer, actor=member, submit=status != "draft", **values)
            report.created += 1
            if status in ("published", "rejected"):
                Job.objects.filter(pk=job.pk).update(
                    status=status,
                    published_at=now - dt.timedelta(days=n % 12) if status == "published" else None,
                    moderated_by=moderator,
                    moderation_note=(
                        "Bitte geben Sie Arbeitszeit, Aufgaben und Anforderungen genauer an."
                        if status == "rejected"
                        else ""
                    ),
                )
        _keep_open(job, days)
    if jobcenter is not None:
        koba = board.jobcenter_employer()
        for title, kind, hours, field, postcode, town, text in JOBCENTER_JOBS:
            job = koba.jobs.filter(title=title).first()
            if job is None:
                values = _values(title, kind, hours, field, None, 90, text, postcode, town, "")
                values["contact_email"] = "arbeitgeberservice@example.org"
                job = board.create_job(koba, actor=jobcenter, **values)
                report.created += 1
            _keep_open(job, 90)


def _keep_open(job: Job, days: int) -> None:
    """A demo loaded weeks ago still shows open postings."""
    today = timezone.localdate()
    if job.status != Job.Status.WITHDRAWN and job.valid_through < today + dt.timedelta(days=14):
        Job.objects.filter(pk=job.pk).update(
            valid_through=today + dt.timedelta(days=min(days, board.MAX_VALID_DAYS))
        )
