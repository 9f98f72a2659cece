"""The GeoReport v2 endpoints. Plain Django views (no DRF: nothing here is in the OpenAPI
schema, no session authentication: a POST is authenticated by its api_key alone, the GETs
are public and show no personal data). Every bad input is a 4xx in the spec's error format,
German at /maengelmelder/open311/v2/, English at /en/maengelmelder/open311/v2/."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from django import forms
from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.core.validators import ProhibitNullCharactersValidator
from django.db import connection
from django.db.models import CharField, F
from django.db.models.functions import Cast
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.csrf import csrf_exempt

from openkreis.core.middleware import checks_own_input, request_problem
from openkreis.core.models import Organisation, OrgUnit, Region
from openkreis.core.services import current_tenant

from .. import services, workflow
from ..models import Area, Category, Photo, Report, StatusChange
from . import formats
from .models import ApiClient

MAX_RESULTS = 1000
MAX_DAYS = 90
PUBLIC_ID = re.compile(r"^M-[A-Z2-9]{8}$")
SERVICE_CODE = re.compile(r"^[-a-zA-Z0-9_]{1,60}$")
IDEMPOTENCY_KEY = re.compile(r"^[A-Za-z0-9_.:-]{16,64}$")
NUL = "\x00"

CLOSED_STATES = workflow.DONE
# FixMyStreet's extended states for servicerequestupdates (its client lower-cases them)
FMS_STATES = {
    workflow.OPEN: "OPEN",
    workflow.CONFIRMED: "OPEN",
    workflow.IN_PROGRESS: "IN_PROGRESS",
    workflow.SCHEDULED: "ACTION_SCHEDULED",
    workflow.FIXED: "FIXED",
    workflow.DUPLICATE: "DUPLICATE",
    workflow.NOT_RESPONSIBLE: "NOT_COUNCILS_RESPONSIBILITY",
    workflow.NOT_REPRODUCIBLE: "NO_FURTHER_ACTION",
}


class Problem(Exception):
    """An answer in the spec's error format."""

    def __init__(self, status: int, *messages: str):
        super().__init__(*messages)
        self.status = status
        self.messages = messages


def open311_status(status: str) -> str:
    return "closed" if status in CLOSED_STATES else "open"


def jurisdiction_id() -> str:
    """The county's id: OPENKREIS_OPEN311_JURISDICTION_ID, else its website's host without
    www (the spec's suggestion, kreis-hz.de for Harz), else the tenant's slug."""
    configured = getattr(settings, "OPENKREIS_OPEN311_JURISDICTION_ID", "")
    if configured:
        return configured
    tenant = current_tenant()
    if tenant is None:
        return settings.OPENKREIS_TENANT
    host = (urlsplit(tenant.website).hostname or "") if tenant.website else ""
    return host.removeprefix("www.") or tenant.slug


def _check_jurisdiction(params) -> None:
    given = params.get("jurisdiction_id", "")
    if given and given != jurisdiction_id():
        raise Problem(
            404,
            _("jurisdiction_id not found: this server serves only %(id)s.")
            % {"id": jurisdiction_id()},
        )


def _client(params) -> ApiClient:
    key = params.get("api_key", "")
    if not key:
        raise Problem(403, _("api_key missing: every POST needs the key of an API client."))
    client = ApiClient.for_key(key)
    if client is None:
        raise Problem(403, _("Invalid api_key: the key is unknown or no longer active."))
    return client


def _date_param(params, name: str):
    raw = params.get(name, "")
    if not raw:
        return None
    message = _(
        "%(name)s is not a date in W3C format with a time zone, e.g. 2026-01-01T00:00:00Z."
    ) % {"name": name}
    try:
        value = parse_datetime(raw.strip())
    except ValueError:
        value = None
    if value is None or timezone.is_naive(value):
        raise Problem(400, message)
    try:
        # in UTC: PostgreSQL refuses offsets beyond ±15:59 that Python parses ("-23:12")
        return value.astimezone(UTC)
    except OverflowError as exc:  # year 1 or 9999 moved across the date line
        raise Problem(400, message) from exc


def _date_range(params):
    start, end = _date_param(params, "start_date"), _date_param(params, "end_date")
    span = timedelta(days=MAX_DAYS)
    try:
        if start is None and end is None:
            end = timezone.now()
            start = end - span
        elif start is None:
            start = end - span
        elif end is None:
            end = start + span
    except OverflowError as exc:  # 90 days before year 1 or after year 9999
        raise Problem(400, _("start_date and end_date may span at most 90 days.")) from exc
    if start > end:
        raise Problem(400, _("start_date is after end_date."))
    if end - start > span:
        raise Problem(400, _("start_date and end_date may span at most 90 days."))
    return start, end


def _comma_list(params, name: str, limit: int = MAX_RESULTS) -> list[str]:
    values = [v.strip() for v in params.get(name, "").split(",") if v.strip()]
    if len(values) > limit:
        raise Problem(400, _("%(name)s: at most %(n)d values.") % {"name": name, "n": limit})
    return values


# -- serialisation ---------------------------------------------------------------------------
def _service(category: Category) -> dict:
    return {
        "service_code": category.key,
        "service_name": category.label,
        "description": category.hint_label or None,
        "metadata": False,
        "type": "realtime",
        "keywords": category.hint_label or None,
        "group": pgettext("open311 group", "Defects in public space"),
    }


def _reports():
    return Report.objects.all()


def _text_time(name: str):
    """A time column as the database's text (`2026-12-04 04:05:02.703088+00` on PostgreSQL,
    the stored UTC text on SQLite), read with datetime.fromisoformat: psycopg's time zone
    loader that Django installs is Python code, a quarter of a 1000-row answer."""
    return Cast(name, output_field=CharField())


# (time zone, UTC hour as the database writes it) → (the local hour, the offset) or None.
# Bounded: two years of reports have 17,520 hours.
_HOURS: dict = {}
_HOURS_MAX = 100_000
_HOUR = timedelta(hours=1)


def _hour(tz, hour: str):
    """The county's hour `YYYY-MM-DDTHH` and offset `+01:00` for every UTC time of this hour,
    or None when they differ within the hour or the offset is not a whole number of hours
    (then the minutes and seconds change too)."""
    try:
        first = datetime.fromisoformat(hour + ":00:00").replace(tzinfo=UTC)
    except ValueError:
        return None
    start, last = first.astimezone(tz), (first + _HOUR - timedelta(microseconds=1)).astimezone(tz)
    offset = start.utcoffset()
    if offset != last.utcoffset() or offset.total_seconds() % 3600:
        return None
    text = start.isoformat(timespec="seconds")
    return text[:13], text[19:]


def _utc(text: str, tz) -> str:
    """The database's UTC text as W3C time in `tz`, to the second: what
    `datetime.fromisoformat(text).astimezone(tz).isoformat(timespec="seconds")` gives, in
    a third of its time (two per row of a 1000-row answer, bench/reports.py): the local
    hour and offset are looked up once per UTC hour, minutes and seconds copied."""
    tail = text[19:]
    if len(text) >= 19 and (tail[-3:] == "+00" or not ("+" in tail or "-" in tail)):
        key = (tz, text[:13])
        local = _HOURS.get(key, False)
        if local is False:
            if len(_HOURS) >= _HOURS_MAX:
                _HOURS.clear()
            local = _HOURS[key] = _hour(tz, text[:13])
        if local is not None:
            return local[0] + text[13:19] + local[1]
    value = datetime.fromisoformat(text)
    if value.tzinfo is None:  # SQLite stores UTC without an offset
        value = value.replace(tzinfo=UTC)
    return value.astimezone(tz).isoformat(timespec="seconds")


def _of_reports(ids: list[int]) -> tuple[str, list]:
    """The SQL condition and parameters for `report_id` in these ids. On PostgreSQL
    `report_id = ANY(%s::bigint[])` with the ids as one text parameter `{1,2,…}`: Django's
    `report_id__in` prepares and quotes each of 1000 ids on the client (a tenth of a
    1000-row answer), psycopg's dumper of a list of ints another millisecond; a subquery
    instead of the list made PostgreSQL hash-join all 200,000 status changes
    (bench/reports.py, EXPLAIN ANALYZE)."""
    if connection.vendor == "postgresql":
        return "report_id = ANY(%s::bigint[])", ["{" + ",".join(map(str, ids)) + "}"]
    return f"report_id IN ({', '.join(['%s'] * len(ids))})", list(ids)


def _select(sql: str, params=()) -> list[tuple]:
    """Rows of a fixed query. The queries of _rows other than the filtered reports are the
    same every time: written out, each saves the half to one millisecond Django takes to
    compile it (bench/reports.py); the table names are the models'."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _tables() -> dict[str, str]:
    quote = connection.ops.quote_name
    models = {"change": StatusChange, "photo": Photo, "area": Area, "region": Region}
    models |= {"unit": OrgUnit, "organisation": Organisation}
    return {name: quote(model._meta.db_table) for name, model in models.items()}


FIELDS = (
    "id",
    "public_id",
    "status",
    "description",
    "street",
    "place",
    "lat",
    "lon",
    "created",
    "category_id",
    "area_id",
    "unit_id",
)


def _rows(request, reports) -> list[tuple]:
    """The service requests as the spec lists them, as tuples in formats.ROW_FIELDS' order
    (formats.respond_requests writes them): public data only (never the reporter, the
    followers, the assignee or an internal note). Six queries whatever the number: the
    reports, their status changes and approved photos (by the reports' ids), the categories,
    the municipalities' and the units' names (bench/reports.py: model objects for 1000
    answers cost more than the queries; correlated subqueries for the last change, note and
    photo cost the database three times what the id lists cost; a list of 1000 ids sent as
    Django's `__in` cost the client more than the query, see _of_reports; joining
    municipality, unit and organisation to each report cost the database 2–12 ms of a
    1000-row answer, the two small lists under one)."""
    rows = list(reports.annotate(created=_text_time("created_at")).values_list(*FIELDS))
    if not rows:
        return []
    tables = _tables()
    ids, params = _of_reports([r[0] for r in rows])
    last_change, last_note = {}, {}
    changes = _select(
        f"SELECT report_id, CAST(at AS text), public_text FROM {tables['change']} "  # noqa: S608 - the models' table names
        f"WHERE {ids} AND to_status <> from_status ORDER BY at, id",
        params,
    )
    for report_id, at, text in changes:
        last_change[report_id] = at
        if text:
            last_note[report_id] = text
    first_photo = {}
    for report_id, photo_id in _select(
        f"SELECT report_id, id FROM {tables['photo']} WHERE {ids} AND approved ORDER BY id DESC",  # noqa: S608
        params,
    ):
        first_photo[report_id] = photo_id  # ordered newest first: the first one stays
    categories = {c.pk: (c.label, c.key) for c in Category.objects.all()}
    towns = dict(
        _select(
            f"SELECT a.id, r.name FROM {tables['area']} a "  # noqa: S608
            f"INNER JOIN {tables['region']} r ON a.region_id = r.id"
        )
    )
    agencies = {
        pk: f"{unit}, {organisation}"
        for pk, unit, organisation in _select(
            f"SELECT u.id, u.name, o.name FROM {tables['unit']} u "  # noqa: S608
            f"INNER JOIN {tables['organisation']} o ON u.organisation_id = o.id"
        )
    }
    photo_url = request.build_absolute_uri(reverse("reports:photo", args=[0]))[:-2]
    tz = timezone.get_current_timezone()
    answer = []
    for (
        report_id,
        public_id,
        status,
        description,
        street,
        place,
        lat,
        lon,
        created_at,
        category_id,
        area_id,
        unit_id,
    ) in rows:
        label, key = categories[category_id]
        photo = first_photo.get(report_id)
        requested = _utc(created_at, tz)
        changed = last_change.get(report_id)
        answer.append(
            (  # formats.ROW_FIELDS
                public_id,
                "closed" if status in CLOSED_STATES else "open",
                last_note.get(report_id),
                label,
                key,
                description,
                agencies[unit_id],
                requested,
                _utc(changed, tz) if changed else requested,
                ", ".join([p for p in (street, place, towns[area_id]) if p]) or None,
                lat,
                lon,
                f"{photo_url}{photo}/" if photo else None,
            )
        )
    return answer


def _requests(request, fmt, reports) -> formats.HttpResponse:
    return formats.respond_requests(fmt, _rows(request, reports))


# -- POST requests ---------------------------------------------------------------------------
class RequestForm(forms.Form):
    service_code = forms.CharField(max_length=60)
    lat = forms.FloatField(required=False, min_value=-90, max_value=90)
    long = forms.FloatField(required=False, min_value=-180, max_value=180)
    address_string = forms.CharField(required=False, max_length=500)
    address_id = forms.CharField(required=False, max_length=200)
    email = forms.EmailField(required=False, max_length=254)
    first_name = forms.CharField(required=False, max_length=200)
    last_name = forms.CharField(required=False, max_length=200)
    phone = forms.CharField(required=False, max_length=60)
    description = forms.CharField(max_length=2000)
    media_url = forms.URLField(required=False, max_length=2000, assume_scheme="https")
    device_id = forms.CharField(required=False, max_length=200)
    account_id = forms.CharField(required=False, max_length=200)


def _form_problems(form: RequestForm) -> Problem:
    messages = []
    for name, errors in form.errors.items():
        for error in errors:
            messages.append(f"{name}: {error}")
    return Problem(400, *messages)


def _area_named(address: str) -> Area | None:
    """The municipality an address_string names (the longest name found as a word)."""
    found = None
    for area in services.areas():
        name = area.region.name
        named = re.search(r"(?<!\w)" + re.escape(name) + r"(?!\w)", address, re.IGNORECASE)
        if named and (found is None or len(name) > len(found.region.name)):
            found = area
    return found


def _stored_key(request, client: ApiClient) -> str:
    raw = request.headers.get("Idempotency-Key", "") or request.POST.get("idempotency_key", "")
    if not raw:
        return ""
    if not IDEMPOTENCY_KEY.match(raw):
        raise Problem(400, _("Idempotency-Key: 16 to 64 letters, digits or the characters _ . : -"))
    return token_key(client, raw)


def token_key(client: ApiClient, token: str) -> str:
    """A client's idempotency key (= its token) as stored on the report."""
    return "o311:" + hashlib.sha256(f"{client.pk}:{token}".encode()).hexdigest()[:59]


def _created(fmt, report: Report, notice: str):
    row = {"service_request_id": report.public_id, "service_notice": notice, "account_id": None}
    return formats.respond(fmt, [row], root="service_requests", item="request")


def _post_request(request, fmt):
    params = request.POST
    _check_jurisdiction(params)
    client = _client(params)
    if services.over_limit("open311", str(client.pk), client.per_hour):
        raise Problem(429, _("Too many requests from this API client in the last hour."))
    ApiClient.objects.filter(pk=client.pk).update(last_used_at=timezone.now())
    form = RequestForm(params)
    if not form.is_valid():
        raise _form_problems(form)
    data = form.cleaned_data
    category = None
    if SERVICE_CODE.match(data["service_code"]):
        category = Category.objects.filter(key=data["service_code"], active=True).first()
    if category is None:
        raise Problem(404, _("service_code not found: %(code)s") % {"code": data["service_code"]})
    key = _stored_key(request, client)
    if key:
        existing = Report.objects.filter(idempotency_key=key).first()
        if existing is not None:
            return _created(fmt, existing, _("This request was already received."))
    lat, lon = data["lat"], data["long"]
    address = data["address_string"].strip()
    if (lat is None) != (lon is None):
        raise Problem(400, _("lat and long must be sent together."))
    area = None
    if lat is None:
        if not address:
            raise Problem(
                400, _("Location missing: send lat and long, or address_string with the town.")
            )
        area = _area_named(address)
        if area is None:
            raise Problem(
                400,
                _(
                    "address_string names no town or municipality of the county; "
                    "please add it, or send lat and long."
                ),
            )
    try:
        area = services.locate(lat, lon, area)
    except services.ReportError as exc:
        raise Problem(400, str(exc)) from exc
    email = data["email"].strip()
    nearby = services.nearby_open(category, lat, lon, area=area, street="")
    if email and services.email_over_limit(email):
        raise Problem(429, _("Too many reports from this e-mail address in the last hour."))
    if nearby:
        report = nearby[0]
        if email:
            services.add_follower(report, email=email)
        return _created(
            fmt,
            report,
            _(
                "This defect has already been reported (%(id)s). The new report was added to it; "
                "updates go to every reporter."
            )
            % {"id": report.public_id},
        )
    try:
        report, _new = services.submit(
            services.Submission(
                category=category,
                description=data["description"],
                area=area,
                lat=lat,
                lon=lon,
                place=address,
                email=email,
                idempotency_key=key,
            )
        )
    except services.ReportError as exc:
        raise Problem(400, str(exc)) from exc
    return _created(
        fmt,
        report,
        _("Received and passed on to %(unit)s.") % {"unit": report.unit.name},
    )


# -- the views -------------------------------------------------------------------------------
def _refuse_bad_input(request, kwargs) -> None:
    """What core's RequestLimitsMiddleware answers with its HTML pages for the rest of the site
    (the API is marked `checks_own_input`), here in the spec's error format: a NUL character
    (PostgreSQL cannot compare text with one) in the path is a 404 (no resource has such a
    name, as in /api/), in the query or a form field a 400 that names the parameter; a form
    above Django's size or field-count limits a 400."""
    if any(NUL in str(value) for value in kwargs.values()):
        raise Problem(404, _("No such Open311 resource."))
    names = _nul_names(request.GET)
    if request.method == "POST":
        try:
            names += _nul_names(request.POST)
        except RequestDataTooBig as exc:
            request._mark_post_parse_error()
            raise Problem(400, request_problem("too_big")) from exc
        except (TooManyFieldsSent, TooManyFilesSent) as exc:
            request._mark_post_parse_error()
            raise Problem(400, request_problem("too_many")) from exc
    if names:
        message = str(ProhibitNullCharactersValidator.message)
        raise Problem(400, *(f"{name[:60]}: {message}" for name in dict.fromkeys(names)))


def _nul_names(query) -> list[str]:
    return [
        name.replace(NUL, "") or "?"
        for name, values in query.lists()
        if NUL in name or any(NUL in value for value in values)
    ]


def _api(methods=("GET",)):
    def decorate(handler):
        @checks_own_input
        def view(request, fmt, **kwargs):
            if request.method not in methods:
                response = formats.errors(
                    fmt, 405, _("Method %(m)s is not allowed here.") % {"m": request.method[:10]}
                )
                response["Allow"] = ", ".join(methods)
                return response
            try:
                _refuse_bad_input(request, kwargs)
                return handler(request, fmt, **kwargs)
            except Problem as problem:
                return formats.errors(fmt, problem.status, *problem.messages)

        view.__name__ = handler.__name__
        view.__doc__ = handler.__doc__
        return view

    return decorate


@_api()
def service_list(request, fmt):
    _check_jurisdiction(request.GET)
    rows = [_service(c) for c in services.categories_for()]
    return formats.respond(fmt, rows, root="services", item="service")


@_api()
def service_definition(request, fmt, code):
    _check_jurisdiction(request.GET)
    category = None
    if SERVICE_CODE.match(code):
        category = services.categories_for().filter(key=code).first()
    if category is None:
        raise Problem(404, _("service_code not found: %(code)s") % {"code": code[:60]})
    # the categories ask for nothing beyond the spec's fields today
    return formats.respond(
        fmt,
        {"service_code": category.key, "attributes": []},
        root="service_definition",
        item=None,
        lists={"attributes": "attribute", "values": "value"},
    )


@csrf_exempt
@_api(methods=("GET", "POST"))
def requests_(request, fmt):
    """GET: the public list with the spec's filters; POST: a new service request (api_key)."""
    if request.method == "POST":
        return _post_request(request, fmt)
    params = request.GET
    _check_jurisdiction(params)
    ids = _comma_list(params, "service_request_id")
    reports = _reports()
    if ids:  # overrides every other argument
        wanted = [i for i in ids if PUBLIC_ID.match(i)]
        return _requests(request, fmt, reports.filter(public_id__in=wanted)[:MAX_RESULTS])
    codes = _comma_list(params, "service_code")
    statuses = _comma_list(params, "status", limit=2)
    if any(s not in ("open", "closed") for s in statuses):
        raise Problem(400, _("status: only open and closed (comma separated)."))
    start, end = _date_range(params)
    reports = reports.filter(created_at__gte=start, created_at__lte=end)
    if codes:
        reports = reports.filter(category__key__in=[c for c in codes if SERVICE_CODE.match(c)])
    if statuses == ["open"]:
        reports = reports.exclude(status__in=CLOSED_STATES)
    elif statuses == ["closed"]:
        reports = reports.filter(status__in=CLOSED_STATES)
    return _requests(request, fmt, reports.order_by("-created_at", "-id")[:MAX_RESULTS])


@_api()
def request_detail(request, fmt, service_request_id):
    _check_jurisdiction(request.GET)
    found = Report.objects.none()
    if PUBLIC_ID.match(service_request_id):
        found = Report.objects.filter(public_id=service_request_id)
    if not found.exists():
        raise Problem(
            404, _("service_request_id not found: %(id)s") % {"id": service_request_id[:20]}
        )
    return _requests(request, fmt, found)


@_api()
def token(request, fmt, token_id):
    """The report a client's idempotency key (its token) made; needs that client's api_key."""
    _check_jurisdiction(request.GET)
    client = _client(request.GET)
    report = None
    if IDEMPOTENCY_KEY.match(token_id):
        report = Report.objects.filter(idempotency_key=token_key(client, token_id)).first()
    if report is None:
        raise Problem(404, _("token not found."))
    row = {"service_request_id": report.public_id, "token": token_id}
    return formats.respond(fmt, [row], root="service_requests", item="request")


@_api()
def request_updates(request, fmt):
    """FixMyStreet's servicerequestupdates: the public status changes in a date range."""
    params = request.GET
    _check_jurisdiction(params)
    start, end = _date_range(params)
    changes = (
        StatusChange.objects.filter(at__gte=start, at__lte=end)
        .exclude(from_status="")
        .exclude(from_status=F("to_status"))
        .order_by("at", "id")
        .annotate(time=_text_time("at"))
        .values_list("pk", "report__public_id", "to_status", "time", "public_text")[:MAX_RESULTS]
    )
    tz = timezone.get_current_timezone()
    rows = [
        {
            "update_id": str(pk),
            "service_request_id": public_id,
            "status": FMS_STATES.get(to_status, open311_status(to_status).upper()),
            "updated_datetime": _utc(at, tz),
            "description": text,
            "media_url": None,
        }
        for pk, public_id, to_status, at, text in changes
    ]
    return formats.respond(fmt, rows, root="service_request_updates", item="request_update")


@csrf_exempt  # an API client's POST to a wrong path gets the 404, not the CSRF page
@checks_own_input
def not_found(request, rest=""):
    """Every other path under /open311/v2/: 404 in the format its suffix names (XML, the
    spec's reference format, otherwise), also with a NUL or another odd character in it,
    for every method."""
    fmt = "json" if rest.endswith(".json") else "xml"
    return formats.errors(fmt, 404, _("No such Open311 resource."))
