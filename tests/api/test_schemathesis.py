"""Schemathesis keeps attacking the API (issue 16): every operation of the OpenAPI schema that
/api/schema/ serves (the Mängelmelder's Open311 endpoints too), for three sessions
(anonymous, a citizen, a caseworker with the second factor), with valid data (random path
values and the ids of real objects) and with invalid data. Each response must be no server
error and must match the schema: a documented status code, a documented content type and a
body of the documented shape.

The app runs in-process (schemathesis' WSGI transport, no server), on the test database of
this test, which is thrown away: unsafe methods (the mailbox reply) run for real. Bounded
and repeatable: a fixed number of examples per operation and mode, derandomized Hypothesis,
no example database, no shrinking (a failure is reported with the example that failed).
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from contextlib import contextmanager

import pytest
import schemathesis
from django.core import signals
from django.core.cache import cache
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.test import Client
from django.utils.crypto import get_random_string
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
EXAMPLES = 25  # per operation and variant (random, real ids, invalid)
ROLES = ("anonymous", "citizen", "caseworker")
# A defect outside the API that this test finds and that is not fixed yet can be tolerated
# here, only where it happens and only with its own cause (operation label → (exception
# class, text in its message, why)); it is counted in the output. Empty: the NUL in a
# filed reply's text (cases.services.documents.clean_text) was the last one.
REPLY_PATH = "/api/v1/accounts/messages/{public_id}/reply/"
KNOWN_DEFECTS: dict[str, tuple[type[Exception], str, str]] = {}
HYPOTHESIS = settings(
    max_examples=EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
    report_multiple_bugs=False,
)


@contextmanager
def wsgi_app():
    """Django's WSGI handler, without closing the database connection around each request:
    the test's transaction must survive (Django's test client does the same, and connects
    the signals again after each of its requests: log in before entering this)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield get_wsgi_application()
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.fixture
def world(harz, settings, tmp_path):
    """Real objects to address: a citizen with a message, an application and a case; a
    caseworker of the unit that has the case."""
    from openkreis.accounts.tests.factories import (
        PASSWORD,
        CitizenFactory,
        MessageFactory,
        open_case_for,
    )
    from openkreis.cases.tests.factories import open_demo_case
    from openkreis.catalog.models import Service
    from openkreis.core.models import Organisation, Region
    from openkreis.core.testing import make_staff
    from openkreis.forms.models import Application, FormDefinition
    from openkreis.reports.tests.factories import ReportFactory

    settings.MEDIA_ROOT = tmp_path / "media"
    citizen = CitizenFactory(username="sts-buerger", first_name="Sina", last_name="Test")
    citizen_case = open_case_for(citizen)
    message = MessageFactory(owner=citizen, case_id=citizen_case.pk)
    form = FormDefinition.objects.filter(tenant=harz, service__isnull=False).first()
    application = Application.objects.create(user=citizen, form=form, service=form.service)
    desk_case = open_demo_case()
    caseworker, secret = make_staff("sts-sachbearbeitung", "fahrerlaubnisbehoerde", "caseworker")
    service = Service.objects.filter(tenant=harz, slug="fahrerlaubnis-ersterteilung").get()
    report = ReportFactory()
    open311 = "/maengelmelder/open311/v2"
    known = {
        "/api/v1/accounts/messages/{public_id}/": {"public_id": str(message.public_id)},
        REPLY_PATH: {"public_id": str(message.public_id)},
        "/api/v1/forms/applications/{public_id}/": {"public_id": str(application.public_id)},
        "/api/v1/forms/definitions/{key}/": {"key": form.key},
        "/api/v1/organisations/{key}/": {"key": Organisation.objects.order_by("key")[0].key},
        "/api/v1/regions/{ars}/": {"ars": Region.objects.filter(parent__isnull=False)[0].ars},
        "/api/v1/services/{slug}/": {"slug": service.slug},
        "/api/v1/services/{slug}/competence/": {"slug": service.slug},
        "/api/v1/cases/cases/{id}/": {"id": desk_case.pk},
        # Open311 (plain Django views described by hand; `format` is json or xml)
        f"{open311}/services.{{format}}": {"format": "json"},
        f"{open311}/services/{{service_code}}.{{format}}": {
            "service_code": "strasse",
            "format": "xml",
        },
        f"{open311}/requests.{{format}}": {"format": "json"},
        f"{open311}/requests/{{service_request_id}}.{{format}}": {
            "service_request_id": report.public_id,
            "format": "json",
        },
        f"{open311}/tokens/{{token}}.{{format}}": {"token": "a" * 16, "format": "json"},
        f"{open311}/servicerequestupdates.{{format}}": {"format": "xml"},
    }
    return {
        "citizen": (citizen, PASSWORD, None),
        "caseworker": (caseworker, None, secret),
        "known": known,
    }


def _session(role: str, world: dict) -> tuple[dict, dict]:
    """Cookies and headers of a session of `role`, logged in through the real login pages
    (password; for staff also the TOTP code). Unsafe requests carry a CSRF token."""
    if role == "anonymous":
        return {}, {}
    from openkreis.core.testing import login_staff

    user, password, secret = world[role]
    client = Client()
    if secret:
        login_staff(client, user, secret)
    else:
        response = client.post("/konto/login/", {"login": user.username, "password": password})
        assert response.status_code == 302, response.content[:500]
        assert client.session.get("_auth_user_id") == str(user.pk)
    token = get_random_string(32)
    cookies = {"sessionid": client.cookies["sessionid"].value, "csrftoken": token}
    return cookies, {"X-CSRFToken": token}


@pytest.mark.parametrize("role", ROLES)
def test_the_api_keeps_its_contract(role, world, capsys):
    cookies, headers = _session(role, world)
    with wsgi_app() as app:
        failures, counts, seconds = _attack(app, role, cookies, headers, world["known"])
    with capsys.disabled():
        print(
            f"\nschemathesis {role}: {counts['operations']} operations, "
            f"{counts['examples']} requests, {seconds:.1f} s, answers {counts['statuses']}, "
            f"known defects {counts['known defects']}"
        )
    assert not failures, f"{len(failures)} failing operation(s):\n" + "\n".join(failures)


def _attack(app, role: str, cookies: dict, headers: dict, known: dict):
    schema = schemathesis.openapi.from_wsgi("/api/schema/", app)
    failures: list[str] = []
    counts = {"operations": 0, "examples": 0, "known defects": 0}
    statuses: Counter[int] = Counter()
    started = time.monotonic()
    errors = _ServerErrors()
    logging.getLogger("django.request").addHandler(errors)
    try:
        _run(schema, role, cookies, headers, known, failures, counts, statuses, errors)
    finally:
        logging.getLogger("django.request").removeHandler(errors)
    counts["statuses"] = dict(sorted(statuses.items()))
    return failures, counts, time.monotonic() - started


def _run(schema, role, cookies, headers, known, failures, counts, statuses, errors):
    for result in schema.get_all_operations():
        operation = result.ok()
        counts["operations"] += 1
        variants = [("random", operation.as_strategy(GenerationMode.POSITIVE))]
        if operation.path_parameters:
            assert operation.path in known, f"add real path values for {operation.path}"
            variants.append(
                (
                    "real ids",
                    operation.as_strategy(
                        GenerationMode.POSITIVE, path_parameters=known[operation.path]
                    ),
                )
            )
        variants.append(("invalid", operation.as_strategy(GenerationMode.NEGATIVE)))
        for variant, strategy in variants:
            cache.clear()  # rate limits and TOTP codes count per test, not per run
            attack = _attack_with(strategy, operation.label, cookies, headers, counts, statuses)
            try:
                attack(errors)
            except Unsatisfiable:
                # Nothing to make invalid (no parameters, or only free strings): no
                # invalid request exists for this operation.
                assert variant == "invalid", f"{operation.label}: no {variant} request"
            except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001 (reported below)
                failures.append(f"--- {role} {operation.label} ({variant}):\n{exc}")


def _attack_with(strategy, label, cookies, headers, counts, statuses):
    """One Hypothesis test: EXAMPLES requests of `strategy`, each checked."""

    @HYPOTHESIS
    @given(case=strategy)
    def attack(errors, case):
        counts["examples"] += 1
        errors.records.clear()
        try:
            response = case.call_and_validate(headers=headers, cookies=cookies, checks=CHECKS)
        except (Exception, BaseExceptionGroup):
            if not errors.known_defect(label):
                raise
            counts["known defects"] += 1
            return
        statuses[response.status_code] += 1

    return attack


class _ServerErrors(logging.Handler):
    """The exceptions behind the 500 answers (Django logs each with its traceback)."""

    def __init__(self):
        super().__init__(level=logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record):
        self.records.append(record)

    def known_defect(self, label: str) -> bool:
        if label not in KNOWN_DEFECTS or not self.records:
            return False
        kind, text, _why = KNOWN_DEFECTS[label]
        return all(
            record.exc_info
            and isinstance(record.exc_info[1], kind)
            and text in str(record.exc_info[1])
            for record in self.records
        )


def test_a_reply_filed_in_the_case_keeps_no_nul(world, client):
    """A citizen answers in the case's thread with a character the PDF fonts do not have: the
    reply is filed in the case as a PDF, and its text layer must hold no NUL (PostgreSQL
    refuses it with a 500; SQLite stores text nobody can search)."""
    from openkreis.cases.models import DocumentVersion

    citizen, password, _secret = world["citizen"]
    client.force_login(citizen)
    public_id = world["known"][REPLY_PATH]["public_id"]
    response = client.post(
        REPLY_PATH.replace("{public_id}", public_id),
        {"body": "Mit freundlichen Grüßen, 漢字"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content[:300]
    texts = DocumentVersion.objects.filter(document__doc_type="nachricht").values_list(
        "text", flat=True
    )
    assert texts and all("\x00" not in text for text in texts)
