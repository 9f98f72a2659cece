"""Authorisation as a table for every URL of the learning app (issue 23): the course pages
and the Werkstatt for everyone, a learner's own pages with a login; a group's teacher pages
only for its teachers (another teacher: 404, as if the group did not exist; a learner or a
member of the group is sent to the teacher application); a live quiz's screen only for the
teacher who runs it; the learning office only with the role learning_office and a second
factor. Anonymous visitors of a login page are sent to the login.

Each row is one URL, each column one role. POSTs carry no data: where the role passes the
access check the form answers 400 (or a redirect with a message), which is what the table
records. The parts' own tests check their pages in more detail; this table holds the whole
app's surface in one place, so a new URL without a row is noticed
(test_every_learning_url_has_a_row)."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.urls import get_resolver
from django.utils import timezone

from openkreis.core.testing import login_as
from openkreis.learning import groups, live
from openkreis.learning.models import AdviceOffer, Certificate

from .factories import learner, module, teacher

OK, LOGIN, APPLY = "allowed", "login", "apply"
ROLES = ["anonymous", "learner", "teacher_a", "teacher_b", "office", "caseworker"]
STAFF = {
    "office": ("digitale-werkstatt", ["learning_office"]),
    "caseworker": ("ordnungsamt-kreis", ["caseworker"]),
}
PUBLIC = [OK] * 6
LOGGED_IN = [LOGIN] + [OK] * 5
OWN = [LOGIN, OK, 404, 404, 404, 404]  # the learner's own attempt, certificate, group


def teacher_a(allowed=OK):
    """A's group or live quiz: its teacher only; other teachers 404; non-teachers apply."""
    return [LOGIN, APPLY, allowed, 404, APPLY, APPLY]


def teachers(allowed=OK):
    return [LOGIN, APPLY, allowed, allowed, APPLY, APPLY]


def office(allowed=OK):
    return [LOGIN, 403, 403, 403, allowed, 403]


# (URL name, method, path, outcomes by ROLES)
TABLE = [
    # L1: start page, modules, lessons, quizzes, progress, large text
    ("index", "get", "/digital/", PUBLIC),
    ("module", "get", "/digital/module/{module}/", PUBLIC),
    ("lesson", "get", "/digital/module/{module}/lektion-1/", PUBLIC),
    ("quiz", "get", "/digital/module/{module}/quiz/", LOGGED_IN),
    ("quiz_result", "get", "/digital/module/{module}/quiz/{attempt}/", OWN),
    ("progress", "get", "/digital/mein-fortschritt/", LOGGED_IN),
    ("text_size", "post", "/digital/schriftgroesse/", PUBLIC),
    # L2: groups, teachers, learning office
    ("group_join", "get", "/digital/gruppe/", LOGGED_IN),
    ("group_join", "post", "/digital/gruppe/", [LOGIN] + [400] * 5),
    ("group_leave", "post", "/digital/gruppe/{group}/verlassen/", OWN),
    ("teacher", "get", "/digital/lehrkraft/", teachers()),
    ("teacher_apply", "get", "/digital/lehrkraft/bewerben/", LOGGED_IN),
    ("teacher_apply", "post", "/digital/lehrkraft/bewerben/", [LOGIN, 400, OK, OK, 400, 400]),
    ("group_new", "get", "/digital/lehrkraft/gruppen/neu/", teachers()),
    ("group_new", "post", "/digital/lehrkraft/gruppen/neu/", teachers(400)),
    ("group", "get", "/digital/lehrkraft/gruppen/{group}/", teacher_a()),
    (
        "group_teacher_add",
        "post",
        "/digital/lehrkraft/gruppen/{group}/lehrkraefte/",
        teacher_a(400),
    ),
    ("group_archive", "post", "/digital/lehrkraft/gruppen/{group}/schliessen/", teacher_a()),
    ("office", "get", "/digital/verwaltung/", office()),
    ("office_teacher", "post", "/digital/verwaltung/lehrkraefte/{teacher_row}/", office(400)),
    # L3: live quiz
    ("live_new", "get", "/digital/live/neu/", teachers()),
    ("live_host", "get", "/digital/live/{live}/", teacher_a()),
    ("live_state", "get", "/digital/live/{live}/status/", teacher_a()),
    ("live_results", "get", "/digital/live/{live}/ergebnis/", teacher_a()),
    ("join", "get", "/digital/quiz/", PUBLIC),
    ("live_play", "get", "/digital/quiz/{code}/", PUBLIC),
    ("live_play_state", "get", "/digital/quiz/{code}/status/", PUBLIC),
    # L4: certificate, verify page, issuer, status list, revocation
    ("certificate", "get", "/digital/nachweis/", LOGGED_IN),
    ("certificate_pdf", "get", "/digital/nachweis/{certificate}/nachweis.pdf", OWN),
    ("certificate_json", "get", "/digital/nachweis/{certificate}/nachweis.json", OWN),
    ("verify", "get", "/digital/nachweis/pruefen/", PUBLIC),
    ("issuer", "get", "/digital/nachweis/aussteller.json", PUBLIC),
    ("status_list", "get", "/digital/nachweis/statusliste.json", PUBLIC),
    ("office_certificates", "get", "/digital/verwaltung/nachweise/", office()),
    # L5: Digitale Werkstatt
    ("werkstatt", "get", "/digital/werkstatt/", PUBLIC),
    ("werkstatt_offer", "get", "/digital/werkstatt/{offer}/", PUBLIC),
    ("werkstatt_request", "get", "/digital/werkstatt/{offer}/anfrage/", LOGGED_IN),
    ("werkstatt_mine", "get", "/digital/werkstatt/meine-anfragen/", LOGGED_IN),
]


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()


def _outcome(response):
    if response.status_code == 302 and "/konto/login/" in response["Location"]:
        return LOGIN
    if response.status_code == 302 and response["Location"] == "/digital/lehrkraft/bewerben/":
        return APPLY
    if response.status_code in (200, 302):
        return OK
    return response.status_code


def _world():
    a, b, member = teacher("t-lehrkraft-a"), teacher("t-lehrkraft-b"), learner("t-lernende")
    group = groups.create_group(a, name="Gruppe A", kind="vhs")
    groups.join(member, group.join_code)
    mod = module()
    attempt = member.quiz_attempts.create(module=mod, total=1, finished_at=timezone.now())
    session = live.create_session(a, mod, count=1, group=group)
    applicant = learner("t-bewerbung")
    row = groups.apply(applicant, "Verein")
    certificate = Certificate.objects.create(
        user=member,
        holder_name="Lernende",
        modules=[mod.slug],
        issued_at=timezone.now(),
        credential={},
        key_id="test",
        status_index=987654,
    )
    offer = AdviceOffer.objects.create(
        slug="t-offer", title="Beratung", topic="Software", summary="Hilfe.", audiences=["clubs"]
    )
    users = {"learner": member, "teacher_a": a, "teacher_b": b}
    values = {
        "module": mod.slug,
        "attempt": attempt.key,
        "group": group.key,
        "teacher_row": row.pk,
        "live": session.key,
        "code": session.code,
        "certificate": certificate.key,
        "offer": offer.slug,
    }
    return users, values


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_authorisation_table(client, role):
    users, values = _world()
    if role in users:
        client.force_login(users[role])
    elif role != "anonymous":
        login_as(client, role, STAFF, prefix="t-learn")
    column = ROLES.index(role)
    got, wanted = {}, {}
    for name, method, path, outcomes in TABLE:
        row = f"{method.upper()} {path}"
        response = getattr(client, method)(path.format(**values))
        got[row], wanted[row] = _outcome(response), outcomes[column]
        assert name  # the URL name, for the coverage check below
    assert got == wanted


def _learning_url_names() -> set[str]:
    names = set()

    def walk(patterns, namespace):
        for p in patterns:
            if hasattr(p, "url_patterns"):
                walk(p.url_patterns, p.namespace or namespace)
            elif namespace == "learning" and p.name:
                names.add(p.name)

    walk(get_resolver().url_patterns, "")
    return names


def test_every_learning_url_has_a_row():
    missing = _learning_url_names() - {name for name, *_rest in TABLE}
    assert not missing, f"URLs without a row in the authorisation table: {sorted(missing)}"
