"""The fuzz walk (issue 16): every URL pattern of the project, for every role, with hostile
path, query and form values — no answer may be a 5xx.

How it works:

- The URL patterns come from `get_resolver()` (walked recursively, `django.utils.
  regex_helper.normalize` gives each pattern's format string, as `reverse` uses it). The API
  (`/api/`) is left out: schemathesis checks it against its schema.
- Path parameters are filled with real objects of a small world (a citizen's case with a
  document, a mailbox message and attachment, a company, a draft application, a booking, a
  ticket, a scan job, a cockpit import, …) and, once per pattern, with hostile values the
  converter still accepts (a 26-digit id, a long slug, a string with NUL and non-ASCII
  digits).
- The query and form keys a view reads are found by a static scan of its module and of its
  app's forms.py (`request.GET.get("x")`, `POST.getlist("x")`, `cleaned_data.get("x")`,
  `x = forms.…Field`), plus generic ones (`page`, `unit`, `q`, …). Each hostile value is sent
  once for all keys at a time (GET and POST), so the walk stays bounded; actions a view
  compares against (`action == "transfer"`, `startswith("delete-file:")`) are posted with
  hostile companions and as `<name>:not-a-uuid`.
- A role whose plain GET and POST are refused (login, 403, 404) gets one hostile GET and one
  hostile POST only: the gate answers before any parameter is read.

Each request runs in a savepoint: a database error of one request (the 500 we look for)
does not poison the next. Deterministic: fixed values, patterns in resolver order.
"""

from __future__ import annotations

import inspect
import re
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.converters import IntConverter, SlugConverter, UUIDConverter
from django.utils.regex_helper import normalize

from openkreis.core import testing

pytestmark = pytest.mark.django_db

ROOT = Path(settings.BASE_DIR) / "openkreis"

# Left out: the API (schemathesis), static and media files.
EXCLUDED_PREFIXES = ("/api/", "/static/", "/media/")
# The admin sites (Wagtail's and Django's, 326 patterns of third-party code behind
# AdminMfaMiddleware) are walked for the three kinds of gate only: nobody logged in, a citizen,
# a staff member without editorial rights.
ADMIN_PREFIXES = ("/admin/", "/django-admin/")
ADMIN_ROLES = ("anonymous", "citizen", "caseworker")
# Public pages are walked in full for these; the other roles, who get the same answer as
# anybody there, only with one hostile GET and POST.
FULL_ROLES = ("anonymous", "citizen", "caseworker")
# Walked last: they end the session or remove the account.
LAST = ("/konto/logout/", "/mein-konto/loeschen/")

HUGE = "99999999999999999999999999"
LONG = "x" * 100_000
HOSTILE_VALUES: list = [
    HUGE,
    "²",
    "٣",
    "a\x00b",
    LONG,
    "-1",
    "<svg onload=alert(1)>'\"%s{}",
    "2026-02-30",
    ["1", "²", "ä"],  # a list where one value is expected
    "",
]
# Keys every view might read, whether or not the scan finds them.
GENERIC_KEYS = {
    "page",
    "seite",
    "unit",
    "q",
    "status",
    "case",
    "member",
    "target",
    "action",
    "next",
    "tab",
    "format",
    "id",
    "pk",
    "lang",
    "language",
}

KEY_PATTERNS = [
    re.compile(
        r"""(?:GET|POST|FILES|data|cleaned_data|params)\.get(?:list)?\(\s*["']([\w\-]+)["']"""
    ),
    re.compile(r"""request\.(?:GET|POST|FILES)\[\s*["']([\w\-]+)["']"""),
    re.compile(r"""^\s+(\w+)\s*=\s*forms\.\w+""", re.M),
]
ACTION_EQ = re.compile(r"""action\s*(?:==|!=)\s*["']([\w\-]+)["']""")
ACTION_IN = re.compile(r"""action\s+in\s+\(([^)]*)\)""")
ACTION_PREFIX = re.compile(r"""action\.startswith\(\(?\s*((?:["'][\w\-]+:["'],?\s*)+)\)?""")


_SCANNED: dict[str, set[str]] = {}


def scan_module(module: str) -> set[str]:
    """The request keys a view module (and its app's forms.py) reads, and the generic ones."""
    if module in _SCANNED:
        return _SCANNED[module]
    keys = set(GENERIC_KEYS)
    if module.startswith("openkreis."):
        parts = module.split(".")
        for path in (ROOT.parent.joinpath(*parts).with_suffix(".py"), ROOT / parts[1] / "forms.py"):
            if path.exists():
                text = path.read_text()
                for pattern in KEY_PATTERNS:
                    keys.update(pattern.findall(text))
    _SCANNED[module] = keys
    return keys


# -- the URL patterns -------------------------------------------------------------------------
@dataclass
class Pattern:
    route: str  # the format string, e.g. "sachbearbeitung/vorgang/%(pk)s/"
    params: list[str]
    converters: dict
    callback: object
    name: str

    @property
    def module(self) -> str:
        view = getattr(self.callback, "view_class", None) or self.callback
        return getattr(view, "__module__", "") or ""


def _walk(resolver, prefix="", params=(), converters=None):
    converters = converters or {}
    for entry in resolver.url_patterns:
        fmt, names = normalize(entry.pattern.regex.pattern)[0]
        conv = {**converters, **getattr(entry.pattern, "converters", {})}
        if isinstance(entry, URLResolver):
            yield from _walk(entry, prefix + fmt, (*params, *names), conv)
        elif isinstance(entry, URLPattern):
            yield Pattern(prefix + fmt, [*params, *names], conv, entry.callback, entry.name or "")


def all_patterns() -> list[Pattern]:
    patterns = [
        p for p in _walk(get_resolver()) if not ("/" + p.route).startswith(EXCLUDED_PREFIXES)
    ]
    patterns.sort(key=lambda p: any(("/" + p.route).startswith(x) for x in LAST))
    return patterns


def hostile_path_value(name: str, converter) -> str:
    if isinstance(converter, IntConverter):
        return HUGE
    if isinstance(converter, UUIDConverter):
        return str(uuid.UUID(int=0))
    if isinstance(converter, SlugConverter):
        return "x" * 300 + "-²"[:1]
    return "a%00b²٣" + "y" * 2000


# -- the world --------------------------------------------------------------------------------
@pytest.fixture
def world(harz, settings, tmp_path):
    """One real object behind every path parameter, and the people of every role."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.OPENKREIS_QUARANTINE_ROOT = tmp_path / "quarantine"
    settings.COCKPIT_IMPORT_THREAD = False
    from wagtail.models import Page

    from openkreis.accounts import services as accounts
    from openkreis.accounts.tests.factories import (
        AttachmentFactory,
        CitizenFactory,
        MessageFactory,
        ProfileFactory,
        join_company,
        open_case_for,
    )
    from openkreis.appointments.models import Branch, Counter
    from openkreis.appointments.services import manage_token
    from openkreis.appointments.tests.factories import BookingFactory, TicketFactory
    from openkreis.cases.tests.factories import DeliveryFactory
    from openkreis.cockpit.tests.factories import ImportBatchFactory
    from openkreis.forms.tests.factories import ApplicationFactory
    from openkreis.intake.tests.factories import ScanJobFactory

    citizen = CitizenFactory(username="fuzz-buerger", email="fuzz@example.org")
    ProfileFactory(user=citizen)
    boss = CitizenFactory(username="fuzz-chefin", email="chefin@example.org")
    member = CitizenFactory(username="fuzz-mitglied", email="mitglied@example.org")
    company = accounts.create_company(boss, name="Harzer Fuzz GmbH")
    join_company(company, admin=boss, user=member)
    _invitation, token = accounts.invite_member(company, actor=boss, email="neu@example.org")

    case = open_case_for(citizen, slug="fahrerlaubnis-ersterteilung")
    version = case.documents.first().current()
    delivery = DeliveryFactory(case=case)
    message = MessageFactory(owner=citizen, case_id=case.pk)
    attachment = AttachmentFactory(message=message)
    application = ApplicationFactory(user=citizen, form_key="aufenthaltskarte-eu")
    form_page = application.form.definition["pages"][0]["key"]

    branch = Branch.objects.select_related("location").get(location__key="lra-halberstadt")
    counter = Counter.objects.filter(branch=branch).first()
    booking = BookingFactory(branch=branch, counter=counter)
    held = BookingFactory(branch=branch, counter=counter, state="held")
    ticket = TicketFactory(branch=branch)
    scan = ScanJobFactory()
    batch = ImportBatchFactory()
    page = Page.objects.filter(depth__gt=2, live=True).order_by("path").first()

    values = {
        "pk": {
            "cases": case.pk,
            "intake": scan.pk,
            "accounts:message": message.public_id,
            "accounts:attachment": attachment.public_id,
            "accounts:company": company.public_id,
            "forms": application.public_id,
            "appointments": counter.pk if counter else 1,
            "cockpit": batch.pk,
        },
        "case_id": case.pk,
        "delivery_pk": delivery.pk,
        "version_pk": version.pk,
        "token": {
            "accounts": token,
            "appointments:ticket": ticket.token,
            "appointments:ticket_pdf": ticket.token,
            "appointments": manage_token(booking),
        },
        "hold_key": held.hold_key,
        "page": form_page,
        "slug": {"forms": "aufenthaltskarte-eu", "portal": "fahrerlaubnis-ersterteilung"},
        "service": "fahrerlaubnis-ersterteilung",
        "location": branch.location.key,
        "key": branch.location.key,
        "name": "intake",
        "fmt": "csv",
        "_0": page.url_path.split("/", 2)[-1] if page else "",
    }
    return {"values": values, "citizen": citizen, "member": member}


STAFF = {
    "caseworker": ("fahrerlaubnisbehoerde", ("caseworker",)),
    "team-lead": ("ordnungsamt-kreis", ("team_lead",)),
    "manager": ("landrat", ("manager",)),
    "front-desk": ("ordnungsamt-kreis", ("front_desk",)),
    "mail-room": ("fahrerlaubnisbehoerde", ("mail_room",)),
    "auditor": ("fachbereich-landrat", ("auditor",)),
}
ROLES = ["anonymous", "citizen", "company-member", *STAFF]


def log_in(client, role, world):
    if role == "citizen":
        client.force_login(world["citizen"])
    elif role == "company-member":
        client.force_login(world["member"])
    elif role in STAFF:
        testing.login_as(client, role, STAFF, prefix="fuzz")


def path_value(pattern: Pattern, name: str, world) -> str:
    value = world["values"].get(name, "1")
    if isinstance(value, dict):
        namespace = pattern.module.split(".")[1] if pattern.module.startswith("openkreis.") else ""
        value = value.get(f"{namespace}:{pattern.name}", value.get(namespace, "1"))
    return str(value)


def build(pattern: Pattern, world, hostile: bool) -> str:
    values = {}
    for name in pattern.params:
        converter = pattern.converters.get(name)
        values[name] = (
            hostile_path_value(name, converter) if hostile else path_value(pattern, name, world)
        )
    return "/" + pattern.route % values


# -- the walk ---------------------------------------------------------------------------------
class Walker:
    def __init__(self, client: Client):
        self.client = client
        self.client.raise_request_exception = True
        self.failures: list[str] = []
        self.requests = 0
        self.answers: dict[str, dict[int, int]] = {}  # top-level path → status → count

    def send(self, method: str, url: str, data=None):
        self.requests += 1
        try:
            with transaction.atomic():
                if method == "get":
                    response = self.client.get(url, data or {})
                else:
                    response = self.client.post(url, data or {})
        except Exception as exc:  # noqa: BLE001 — every exception is a finding
            error = f"{type(exc).__name__}: {str(exc)[:200]}"
            self.failures.append(f"{method.upper()} {url[:120]} {_short(data)} → {error}")
            return None
        counts = self.answers.setdefault("/".join(url.split("/")[:2]), {})
        counts[response.status_code] = counts.get(response.status_code, 0) + 1
        if response.status_code >= 500:
            self.failures.append(
                f"{method.upper()} {url[:120]} {_short(data)} → {response.status_code}"
            )
        return response


def _short(data) -> str:
    if not data:
        return ""
    out = []
    for key, value in list(data.items())[:6]:
        text = repr(value)
        out.append(f"{key}={text[:30]}")
    return "{" + ", ".join(out) + (", …" if len(data) > 6 else "") + "}"


def refused(response) -> bool:
    if response is None:
        return False
    if response.status_code in (401, 403, 404):
        return True
    location = response.get("Location", "") if 300 <= response.status_code < 400 else ""
    return any(word in location for word in ("/login", "/2fa/", "/reauthenticate"))


def _same_for_anonymous(anonymous: Client, url: str, get, post) -> bool:
    """The page is public and answers this role with the status it gives anybody."""
    if get is None or post is None:
        return False
    with transaction.atomic():
        a_get, a_post = anonymous.get(url), anonymous.post(url)
    if refused(a_get) and refused(a_post):
        return False
    return (a_get.status_code, a_post.status_code) == (get.status_code, post.status_code)


def _not_allowed(response) -> bool:
    return response is not None and response.status_code == 405


def hostile_data(keys, value, with_files: bool = False) -> dict:
    data = {key: value for key in sorted(keys)}
    if with_files:
        for key in sorted(keys):
            data[key] = SimpleUploadedFile("a.pdf", b"%PDF-1.4\n\x00garbage", "application/pdf")
    return data


def view_actions(pattern: Pattern) -> tuple[set[str], set[str]]:
    """The actions the view function itself compares against (not its module's others)."""
    view = getattr(pattern.callback, "view_class", None) or pattern.callback
    try:
        text = inspect.getsource(inspect.unwrap(view))
    except (OSError, TypeError):
        return set(), set()
    actions = set(ACTION_EQ.findall(text))
    for group in ACTION_IN.findall(text):
        actions.update(re.findall(r"""["']([\w\-]+)["']""", group))
    prefixes = set()
    for group in ACTION_PREFIX.findall(text):
        prefixes.update(re.findall(r"""["']([\w\-]+:)["']""", group))
    return actions, prefixes


def walk_pattern(walker: Walker, pattern: Pattern, world, anonymous: Client | None) -> None:
    url = build(pattern, world, hostile=False)
    bad = build(pattern, world, hostile=True) if pattern.params else url
    keys = scan_module(pattern.module)
    plain_get = walker.send("get", url)
    if "/" + pattern.route.split("/")[0] + "/" in ADMIN_PREFIXES and refused(plain_get):
        walker.send("post", bad, hostile_data(keys, HUGE))  # the admin sites' one gate
        return
    plain_post = walker.send("post", url)
    public = anonymous is not None and _same_for_anonymous(anonymous, url, plain_get, plain_post)
    if public or (refused(plain_get) and refused(plain_post)):
        # the gate answered before any parameter was read, or the page answers this role as
        # it answers everybody (walked in full for anonymous, citizen and caseworker)
        # the gate answered before any parameter was read: once more with hostile values
        walker.send("get", bad, hostile_data(keys, "²"))
        walker.send("post", bad, hostile_data(keys, HUGE))
        return
    if pattern.params:  # hostile values in the path
        walker.send("get", bad)
        walker.send("post", bad, hostile_data(keys, HUGE))
    methods = [m for m, r in (("get", plain_get), ("post", plain_post)) if not _not_allowed(r)]
    for value in HOSTILE_VALUES:
        for method in methods:
            walker.send(method, url, hostile_data(keys, value))
    if "post" not in methods:
        return
    walker.send("post", url, hostile_data(keys, "", with_files=True))
    actions, prefixes = view_actions(pattern)
    for action in sorted(actions):
        for value in (HUGE, "²", "-1"):
            data = hostile_data(keys, value)
            data["action"] = action
            walker.send("post", url, data)
        walker.send("post", url, {"action": f"{action}:not-a-uuid"})
    for prefix in sorted(prefixes):
        for rest in ("not-a-uuid", HUGE, "²", "\x00"):
            walker.send("post", url, {"action": prefix + rest})
    walker.send("post", url, {"action": "transfer", "target": "abc"})


@pytest.fixture
def quiet_request_log():
    """Thousands of 4xx warnings would bury the findings; the failures list says it all."""
    import logging

    logger = logging.getLogger("django.request")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    yield
    logger.setLevel(level)


@pytest.mark.parametrize("role", ROLES)
def test_no_url_answers_5xx(client, world, role, quiet_request_log):
    log_in(client, role, world)
    walker = Walker(client)
    patterns = all_patterns()
    assert len(patterns) > 100  # the walk found the project's URLs (not an empty resolver)
    if role not in ADMIN_ROLES:
        patterns = [p for p in patterns if not ("/" + p.route).startswith(ADMIN_PREFIXES)]
    anonymous = None if role in FULL_ROLES else Client(raise_request_exception=False)
    for pattern in patterns:
        walk_pattern(walker, pattern, world, anonymous)
    assert not walker.failures, (
        f"{len(walker.failures)} of {walker.requests} requests failed "
        f"(answers by area: {walker.answers}):\n" + "\n".join(walker.failures)
    )
