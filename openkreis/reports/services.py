"""The only way to change reports: submit, join an existing one, change status, assign.

Events carry the category and the area (municipality ARS) only, never a person.
"""

from __future__ import annotations

import hashlib
import logging
import os
import secrets
import statistics
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.mail import send_mail
from django.db import IntegrityError, models, transaction
from django.db.models import Q, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from openkreis.accounts import services as accounts
from openkreis.accounts.models import Message
from openkreis.core import event_kinds, ratelimit
from openkreis.core.models import StaffMembership
from openkreis.core.services import record_event
from openkreis.core.staff import unit_ids_for

from . import geo, roads, workflow
from .models import (
    Area,
    Body,
    Category,
    Follower,
    FollowUp,
    Photo,
    Report,
    Route,
    StatusChange,
    StatusTemplate,
)
from .photos import CleanPhoto

logger = logging.getLogger(__name__)
# the Mängelmelder's own role, and the unit's team lead (not the eAkte's caseworker role)
STAFF_ROLES = ("report_officer", "team_lead")
MAX_PHOTOS = 3


class ReportError(ValueError):
    """A report cannot be made or changed like this; the message is for the person."""


def duplicate_radius() -> float:
    return float(getattr(settings, "OPENKREIS_REPORTS_DUPLICATE_RADIUS_M", 50))


def categories_for(area: Area | None = None) -> QuerySet[Category]:
    qs = Category.objects.filter(active=True)
    if area is not None:
        qs = qs.filter(Q(regions=None) | Q(regions=area.region_id)).distinct()
    return qs


def areas() -> QuerySet[Area]:
    return Area.objects.select_related("region").order_by("region__name")


def status_templates() -> QuerySet[StatusTemplate]:
    return StatusTemplate.objects.all()


def route_for(category: Category, area: Area):
    route = Route.objects.select_related("unit").filter(category=category, area=area).first()
    return route.unit if route else None


def _event_data(report: Report) -> dict:
    return {"category": report.category.key, "area": report.area.region.ars}


def _record(kind: str, report: Report, **extra) -> None:
    record_event(kind, subject=f"report:{report.pk}", data={**_event_data(report), **extra})


@dataclass
class Submission:
    category: Category
    description: str
    area: Area | None = None
    lat: float | None = None
    lon: float | None = None
    street: str = ""
    place: str = ""
    email: str = ""
    user: object = None
    photos: list[CleanPhoto] = field(default_factory=list)
    idempotency_key: str = ""


def locate(lat: float | None, lon: float | None, area: Area | None) -> Area:
    """The area of a report: from the position when there is one (it must lie in the county),
    else the municipality the person chose."""
    if lat is not None and lon is not None:
        found = geo.area_at(lat, lon)
        if found is None:
            raise ReportError(
                _(
                    "This place is outside the county. Please report it to the town or "
                    "municipality where it is."
                )
            )
        return found
    if area is None:
        raise ReportError(_("Please choose the municipality."))
    return area


def nearby_open(
    category: Category, lat: float | None, lon: float | None, *, area=None, street: str = ""
) -> list[Report]:
    """Open reports of the same category within the radius (with a position), or in the
    same municipality and street (without one)."""
    open_ = (
        Report.objects.select_related("category", "area__region")
        .filter(category=category)
        .exclude(status__in=workflow.DONE)
    )
    if lat is not None and lon is not None:
        radius = duplicate_radius()
        min_lat, max_lat, min_lon, max_lon = geo.bounding_box(lat, lon, radius)
        candidates = open_.filter(
            lat__gte=min_lat, lat__lte=max_lat, lon__gte=min_lon, lon__lte=max_lon
        )[:50]
        found = [
            (geo.distance_m(lat, lon, r.lat, r.lon), r)
            for r in candidates
            if geo.distance_m(lat, lon, r.lat, r.lon) <= radius
        ]
        return [r for _d, r in sorted(found, key=lambda pair: pair[0])][:5]
    if area is not None and street.strip():
        return list(open_.filter(area=area, street__iexact=street.strip())[:5])
    return []


@transaction.atomic
def submit(sub: Submission) -> tuple[Report, bool]:
    """Store a report (routed to its unit) and its photos; (report, created). The same
    idempotency key again returns the first report: a resend is never a duplicate."""
    if sub.idempotency_key:
        existing = Report.objects.filter(idempotency_key=sub.idempotency_key).first()
        if existing is not None:
            return existing, False
    area = locate(sub.lat, sub.lon, sub.area)
    if not categories_for(area).filter(pk=sub.category.pk).exists():
        raise ReportError(
            _("This category is not offered in %(area)s.") % {"area": area.region.name}
        )
    # a road of a routed class (Kreisstraße → the county) before the municipality's table
    unit = roads.unit_for(sub.category.key, sub.lat, sub.lon) or route_for(sub.category, area)
    if unit is None:
        raise ReportError(_("Nobody is responsible for this category here yet."))
    if len(sub.photos) > MAX_PHOTOS:
        raise ReportError(_("At most three photos."))
    user = sub.user if getattr(sub.user, "is_authenticated", False) else None
    try:
        with transaction.atomic():
            report = Report.objects.create(
                category=sub.category,
                area=area,
                unit=unit,
                lat=sub.lat,
                lon=sub.lon,
                street=sub.street.strip(),
                place=sub.place.strip(),
                description=sub.description.strip(),
                user=user,
                email="" if user else sub.email.strip(),
                idempotency_key=sub.idempotency_key or timezone.now().isoformat() + str(id(sub)),
            )
    except IntegrityError:  # the same key sent twice at the same moment
        return Report.objects.get(idempotency_key=sub.idempotency_key), False
    for photo in sub.photos:
        stored = Photo(report=report, width=photo.width, height=photo.height)
        stored.image.save("photo.jpg", ContentFile(photo.data), save=False)
        stored.save()
    StatusChange.objects.create(report=report, to_status=workflow.OPEN)
    _record(event_kinds.REPORT_RECEIVED, report)
    return report, True


@transaction.atomic
def add_follower(report: Report, *, user=None, email: str = "") -> bool:
    """ "Ich bin auch betroffen": one more person gets the updates. False if already there."""
    user = user if getattr(user, "is_authenticated", False) else None
    if user is None and not email.strip():
        raise ReportError(_("Please give your e-mail address or log in."))
    if not report.is_open:
        raise ReportError(_("This report is already closed."))
    address = (user.email if user else email.strip()).lower()
    if report.reporter_address().lower() == address:
        return False
    if any(f.address().lower() == address for f in report.followers.select_related("user")):
        return False
    Follower.objects.create(report=report, user=user, email="" if user else email.strip())
    _record(event_kinds.REPORT_SUPPORTED, report)
    return True


# -- the back office ---------------------------------------------------------------------------
def visible_reports(user) -> QuerySet[Report]:
    """The reports routed to the user's units (and their sub-units)."""
    units = unit_ids_for(user, STAFF_ROLES)
    return Report.objects.select_related(
        "category", "area__region", "unit__organisation", "assignee"
    ).filter(unit_id__in=units)


def overdue(reports: QuerySet[Report], now=None) -> QuerySet[Report]:
    """Open reports past their category's target time (one condition per category)."""
    now = now or timezone.now()
    condition = Q(pk__in=[])
    for category_id, days in Category.objects.exclude(target_days=None).values_list(
        "id", "target_days"
    ):
        condition |= Q(category_id=category_id, created_at__lt=now - timedelta(days=days))
    return reports.exclude(status__in=workflow.DONE).filter(condition)


def bodies() -> QuerySet[Body]:
    return Body.objects.filter(active=True)


def _kind_for(from_status: str, to_status: str) -> str:
    if workflow.is_reopening(from_status, to_status):
        return event_kinds.REPORT_REOPENED
    if to_status == workflow.CONFIRMED:
        return event_kinds.REPORT_CONFIRMED
    if to_status == workflow.FIXED:
        return event_kinds.REPORT_FIXED
    if to_status in workflow.CLOSED:
        return event_kinds.REPORT_CLOSED
    return event_kinds.REPORT_STATUS_CHANGED


@transaction.atomic
def change_status(
    report: Report, to_status: str, *, actor, public_text: str = "", internal_note: str = ""
) -> StatusChange:
    report = (
        Report.objects.select_for_update()
        .select_related("category", "area__region")
        .get(pk=report.pk)
    )
    if not workflow.can_change(report.status, to_status):
        raise ReportError(_("This status change is not possible."))
    from_status = report.status
    report.status = to_status
    fields = ["status", "updated_at"]
    if workflow.is_reopening(from_status, to_status):
        report.duplicate_of = report.forwarded_to = None
        fields += ["duplicate_of", "forwarded_to"]
    report.save(update_fields=fields)
    change = StatusChange.objects.create(
        report=report,
        from_status=from_status,
        to_status=to_status,
        actor=actor,
        public_text=public_text.strip(),
        internal_note=internal_note.strip(),
    )
    days = (timezone.now() - report.created_at).total_seconds() / 86400
    extra = {"from": from_status, "to": to_status}
    if to_status == workflow.FIXED:
        extra["days"] = round(days, 2)
    _record(_kind_for(from_status, to_status), report, **extra)
    transaction.on_commit(lambda: notify(report, change))
    return change


@transaction.atomic
def add_note(report: Report, *, actor, internal_note: str) -> StatusChange:
    """An internal note without a status change (not public, no mail)."""
    return StatusChange.objects.create(
        report=report,
        from_status=report.status,
        to_status=report.status,
        actor=actor,
        internal_note=internal_note.strip(),
    )


def _addresses(report: Report) -> set[str]:
    return {a.lower() for a in recipients(report)}


@transaction.atomic
def merge(duplicate: Report, into: Report, *, actor, public_text: str = "") -> StatusChange:
    """Close `duplicate` as a duplicate of `into`: its reporter and followers become followers
    of `into` (so they get its updates) and are told by the closing mail where it goes on."""
    if duplicate.pk == into.pk:
        raise ReportError(_("A report cannot be merged into itself."))
    if not into.is_open:
        raise ReportError(_("The report to merge into is already closed."))
    if not workflow.can_change(duplicate.status, workflow.DUPLICATE):
        raise ReportError(_("This report is already closed."))
    known = _addresses(into)
    people = [(duplicate.user, duplicate.email)] + [
        (f.user, f.email) for f in duplicate.followers.select_related("user")
    ]
    for user, email in people:
        address = (user.email if user else email).strip()
        if not address or address.lower() in known:
            continue
        known.add(address.lower())
        Follower.objects.create(report=into, user=user, email="" if user else email)
    Report.objects.filter(pk=duplicate.pk).update(duplicate_of=into)
    duplicate.duplicate_of = into
    text = public_text.strip() or _(
        "This defect was already reported as %(id)s. It is dealt with there, and you will "
        "get its updates."
    ) % {"id": into.public_id}
    return change_status(
        duplicate,
        workflow.DUPLICATE,
        actor=actor,
        public_text=text,
        internal_note=_("Merged into %(id)s.") % {"id": into.public_id},
    )


@transaction.atomic
def forward(report: Report, body: Body, *, actor, public_text: str = "") -> StatusChange:
    """Close a report as 'not responsible', forwarded to another body (shown publicly)."""
    if not body.active:
        raise ReportError(_("Please choose a body from the list."))
    if not workflow.can_change(report.status, workflow.NOT_RESPONSIBLE):
        raise ReportError(_("This report is already closed."))
    Report.objects.filter(pk=report.pk).update(forwarded_to=body)
    report.forwarded_to = body
    with translation.override("de"):
        contact = f" ({body.contact})" if body.contact else ""
        text = _(
            "We are not responsible for this. We have forwarded your report to: %(body)s. "
            "Please contact them for further questions%(contact)s."
        ) % {"body": body.name, "contact": contact}
    if public_text.strip():
        text = public_text.strip() + "\n\n" + text
    change = change_status(
        report,
        workflow.NOT_RESPONSIBLE,
        actor=actor,
        public_text=text,
        internal_note=_("Forwarded to %(body)s.") % {"body": body.name},
    )
    if body.email:
        transaction.on_commit(lambda: mail_body(report.pk, body.pk, actor=actor))
    return change


def _base_url() -> str:
    return getattr(settings, "WAGTAILADMIN_BASE_URL", "").rstrip("/")


def mail_body(report_id: int, body_id: int, *, actor=None) -> bool:
    """One mail to the body a report was forwarded to, with the report's public facts only:
    category, place, position (with an OpenStreetMap link), description, the link to the
    public page and links to the photos staff approved for the public. Never the reporter's
    address (nobody agreed to pass it on) or unapproved photos. The history notes the mail."""
    report = Report.objects.select_related("category", "area__region").get(pk=report_id)
    body = Body.objects.get(pk=body_id)
    base = _base_url()
    with translation.override("de"):
        context = {
            "report": report,
            "body": body,
            "link": base + reverse("reports:detail", args=[report.public_id]),
            "photos": [
                base + reverse("reports:photo", args=[p.pk]) for p in report.public_photos()
            ],
            "osm": (
                f"https://www.openstreetmap.org/?mlat={report.lat:.6f}&mlon={report.lon:.6f}"
                f"#map=18/{report.lat:.6f}/{report.lon:.6f}"
                if report.lat is not None and report.lon is not None
                else ""
            ),
        }
        subject = _("Forwarded defect report %(id)s: %(category)s, %(area)s") % {
            "id": report.public_id,
            "category": report.category.name,
            "area": report.area.region.name,
        }
        text = render_to_string("reports/email/forwarded.txt", context)
        try:
            sent = send_mail(subject, text, None, [body.email]) == 1
        except Exception:  # noqa: BLE001 - the forwarding stands; the history says so
            logger.exception("report %s: mail to %s not sent", report.public_id, body.key)
            sent = False
        note = (
            _("E-mail with the public facts sent to %(body)s (%(email)s).")
            if sent
            else _("The e-mail to %(body)s (%(email)s) could not be sent.")
        ) % {"body": body.name, "email": body.email}
    add_note(report, actor=actor, internal_note=note)
    return sent


# -- split: one report that is really two ------------------------------------------------------
@transaction.atomic
def split(
    report: Report,
    *,
    actor,
    category: Category,
    description: str,
    place: str | None = None,
    photo_ids=(),
) -> Report:
    """Make a new report from `report` (e.g. a pothole and a broken light in one): the new
    category's route decides the unit (maybe another one), the same reporter and followers
    get the updates of both, chosen photos move, both histories say so."""
    report = (
        Report.objects.select_for_update()
        .select_related("category", "area__region")
        .get(pk=report.pk)
    )
    if not report.is_open:
        raise ReportError(_("A closed report cannot be split."))
    if not description.strip():
        raise ReportError(_("Please describe the new report."))
    if not categories_for(report.area).filter(pk=category.pk).exists():
        raise ReportError(
            _("This category is not offered in %(area)s.") % {"area": report.area.region.name}
        )
    # the same routing as a new report: the road layer first, then the table
    unit = roads.unit_for(category.key, report.lat, report.lon) or route_for(category, report.area)
    if unit is None:
        raise ReportError(_("Nobody is responsible for this category here yet."))
    photo_ids = {int(i) for i in photo_ids}
    photos = list(report.photos.filter(pk__in=photo_ids))
    if len(photos) != len(photo_ids):
        raise ReportError(_("Please choose photos of this report only."))
    new = Report.objects.create(
        category=category,
        area=report.area,
        unit=unit,
        lat=report.lat,
        lon=report.lon,
        street=report.street,
        place=(report.place if place is None else place).strip(),
        description=description.strip(),
        user=report.user,
        email=report.email,
        split_from=report,
        idempotency_key=f"split-{report.public_id}-{secrets.token_urlsafe(16)}",
    )
    for follower in report.followers.all():
        Follower.objects.create(report=new, user=follower.user, email=follower.email)
    Photo.objects.filter(pk__in=[p.pk for p in photos]).update(report=new)
    with translation.override("de"):
        old_text = _("Split: new report %(id)s (%(category)s).") % {
            "id": new.public_id,
            "category": category.name,
        }
        new_text = _("Split from report %(id)s.") % {"id": report.public_id}
    StatusChange.objects.create(
        report=report,
        from_status=report.status,
        to_status=report.status,
        actor=actor,
        public_text=old_text,
    )
    change = StatusChange.objects.create(
        report=new, to_status=workflow.OPEN, actor=actor, public_text=new_text
    )
    Report.objects.filter(pk=report.pk).update(updated_at=timezone.now())
    _record(
        event_kinds.REPORT_SPLIT,
        report,
        new=f"report:{new.pk}",
        new_category=category.key,
    )
    _record(event_kinds.REPORT_RECEIVED, new)
    transaction.on_commit(lambda: notify(new, change))
    return new


def assignable(report: Report):
    ids = StaffMembership.objects.filter(
        org_unit_id=report.unit_id, role__in=STAFF_ROLES
    ).values_list("user_id", flat=True)
    return get_user_model().objects.filter(pk__in=ids, is_active=True).order_by("username")


def colleagues(user):
    """The people a user may assign reports to in bulk: staff of the user's units."""
    ids = StaffMembership.objects.filter(
        org_unit_id__in=unit_ids_for(user, STAFF_ROLES), role__in=STAFF_ROLES
    ).values_list("user_id", flat=True)
    return get_user_model().objects.filter(pk__in=ids, is_active=True).order_by("username")


@transaction.atomic
def assign(report: Report, person, *, actor) -> None:
    if person is not None and not assignable(report).filter(pk=person.pk).exists():
        raise ReportError(_("This person does not work in the responsible unit."))
    report.assignee = person
    report.save(update_fields=["assignee", "updated_at"])
    _record(event_kinds.REPORT_ASSIGNED, report)


def _people(report: Report) -> list[tuple[str, object]]:
    """Reporter and followers as (address, account or None), one entry per address."""
    seen, result = set(), []
    reporter = (report.reporter_address(), report.user if report.user_id else None)
    followers = [(f.address(), f.user) for f in report.followers.select_related("user")]
    for address, user in [reporter, *followers]:
        if address and address.lower() not in seen:
            seen.add(address.lower())
            result.append((address, user))
    return result


def recipients(report: Report) -> list[str]:
    return [address for address, _user in _people(report)]


def notify(report: Report, change: StatusChange) -> int:
    """Tell every reporter and follower about a public status change, one message each (no
    one sees another's address): people with an account get it in their mailbox (Postfach;
    the mailbox mails them that something arrived), the others by e-mail. German: the
    language of the county's texts. Returns the number of people told."""
    base = _base_url()
    sent = 0
    with translation.override("de"):
        link = base + reverse("reports:detail", args=[report.public_id])
        subject = _("Your report %(id)s: %(status)s") % {
            "id": report.public_id,
            "status": change.to_label,
        }
        body = render_to_string(
            "reports/email/status.txt", {"report": report, "change": change, "link": link}
        )
        for address, user in _people(report):
            try:
                if user is not None:
                    accounts.deliver_message(
                        user,
                        subject=subject,
                        body=body,
                        sender_unit=report.unit,
                        kind=Message.Kind.NOTICE,
                    )
                    sent += 1
                else:
                    sent += send_mail(subject, body, None, [address])
            except Exception:  # noqa: BLE001 - a mail server hiccup must not undo the change
                logger.exception("report %s: status message not sent", report.public_id)
    return sent


# -- rate limits: the web form and the Open311 API share the counters ---------------------
def limit_setting(name: str, default: int) -> int:
    """A rate limit from the environment (`OPENKREIS_REPORTS_<name>`), else `default`."""
    try:
        return int(os.environ.get(f"OPENKREIS_REPORTS_{name}", default))
    except ValueError:
        return default


def over_limit(kind: str, who: str, per_hour: int) -> bool:
    """A fixed one-hour window in the shared cache (as the portal and appointments do)."""
    return ratelimit.window_count(f"reports-rate:{kind}:{who}", 3600) > per_hour


def email_over_limit(email: str) -> bool:
    """One more report from this address would pass its hourly limit (web form and API)."""
    return over_limit("email", email.lower(), limit_setting("PER_EMAIL_HOUR", 5))


# -- the four-week questionnaire "Ist der Mangel behoben?" --------------------------------------
FOLLOW_UP_GRACE_DAYS = 14  # reports fixed longer ago than due + this are not asked any more


def days_setting(name: str, default: int) -> int:
    """A number of days: Django setting `OPENKREIS_REPORTS_<name>`, else the environment."""
    value = getattr(settings, f"OPENKREIS_REPORTS_{name}", None)
    if value is None:
        return limit_setting(name, default)
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def follow_up_days() -> int:
    return days_setting("FOLLOW_UP_DAYS", 28)


def follow_up_valid_days() -> int:
    return days_setting("FOLLOW_UP_VALID_DAYS", 56)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def due_for_follow_up(now=None) -> QuerySet[Report]:
    """Reports fixed `follow_up_days` ago (and at most FOLLOW_UP_GRACE_DAYS longer, so that
    the first run after an installation or an outage does not ask about old repairs), still
    fixed. The last 'fixed' counts (a reopened and fixed again report starts anew)."""
    now = now or timezone.now()
    due = now - timedelta(days=follow_up_days())
    last_fixed = (
        StatusChange.objects.filter(report=models.OuterRef("pk"), to_status=workflow.FIXED)
        .order_by("-at")
        .values("at")[:1]
    )
    return (
        Report.objects.filter(status=workflow.FIXED)
        .annotate(fixed_at=models.Subquery(last_fixed))
        .filter(fixed_at__lte=due, fixed_at__gt=due - timedelta(days=FOLLOW_UP_GRACE_DAYS))
        .select_related("category", "area__region", "user")
    )


def send_follow_ups(now=None) -> int:
    """Mail the questionnaire once to the reporter and each follower of every due report.
    The row (unique per report and address) is written before the mail: a second run, or
    one in parallel, finds it and sends nothing. A mail that fails removes its row, so the
    next run tries again. Returns the number of mails sent."""
    sent = 0
    base = _base_url()
    for report in due_for_follow_up(now):
        for address in recipients(report):
            token = secrets.token_urlsafe(32)
            try:
                with transaction.atomic():
                    row = FollowUp.objects.create(
                        report=report, email=address.lower(), token_hash=_token_hash(token)
                    )
            except IntegrityError:  # asked already (or another run is asking right now)
                continue
            with translation.override("de"):
                subject = _("Is the defect fixed? Your report %(id)s") % {"id": report.public_id}
                text = render_to_string(
                    "reports/email/follow_up.txt",
                    {
                        "report": report,
                        "link": base + reverse("reports:follow_up", args=[token]),
                        "valid_days": follow_up_valid_days(),
                    },
                )
            try:
                sent += send_mail(subject, text, None, [address])
            except Exception:  # noqa: BLE001 - not sent: the next run tries again
                logger.exception("report %s: follow-up mail not sent", report.public_id)
                row.delete()
    return sent


def find_follow_up(token: str) -> FollowUp | None:
    if not token or len(token) > 100:
        return None
    return (
        FollowUp.objects.select_related("report__category", "report__area__region")
        .filter(token_hash=_token_hash(token))
        .first()
    )


def follow_up_expired(item: FollowUp, now=None) -> bool:
    now = now or timezone.now()
    return item.sent_at + timedelta(days=follow_up_valid_days()) < now


@transaction.atomic
def answer_follow_up(item: FollowUp, answer: str, comment: str = "") -> FollowUp:
    """Record the answer (once per link). "No" reopens a report that is still fixed, with
    the public text "Wiedereröffnet nach Rückmeldung", and tells the unit."""
    item = FollowUp.objects.select_for_update().select_related("report").get(pk=item.pk)
    if item.answered_at is not None:
        raise ReportError(_("You have already answered. Thank you."))
    if follow_up_expired(item):
        raise ReportError(_("This link has expired."))
    if answer not in FollowUp.Answer.values:
        raise ReportError(_("Please choose an answer."))
    comment = comment.strip()[:1000]
    item.answer, item.comment, item.answered_at = answer, comment, timezone.now()
    item.save(update_fields=["answer", "comment", "answered_at"])
    report = Report.objects.select_related("category", "area__region").get(pk=item.report_id)
    _record(event_kinds.REPORT_FOLLOW_UP, report, answer=answer)
    with translation.override("de"):
        said = (
            _("Feedback from the questionnaire: fixed.")
            if answer == FollowUp.Answer.YES
            else _("Feedback from the questionnaire: not or only partly fixed.")
        )
        note = said + (" " + _("Comment: %(text)s") % {"text": comment} if comment else "")
        if answer == FollowUp.Answer.NO and report.status == workflow.FIXED:
            change_status(
                report,
                workflow.CONFIRMED,
                actor=None,
                public_text=_("Reopened after feedback: the defect is not or only partly fixed."),
                internal_note=note,
            )
            transaction.on_commit(lambda: notify_unit_reopened(report.pk, comment))
        else:
            add_note(report, actor=None, internal_note=note)
    return item


def notify_unit_reopened(report_id: int, comment: str = "") -> int:
    """Tell the responsible unit that feedback reopened a report: the unit's address if it
    has one, else the assigned person. Nobody to tell: 0 (the inbox shows it anyway)."""
    report = Report.objects.select_related("category", "area__region", "unit", "assignee").get(
        pk=report_id
    )
    address = report.unit.email or (report.assignee.email if report.assignee else "")
    if not address:
        return 0
    with translation.override("de"):
        subject = _("Report %(id)s reopened after feedback") % {"id": report.public_id}
        text = render_to_string(
            "reports/email/reopened_unit.txt",
            {
                "report": report,
                "comment": comment,
                "link": _base_url() + reverse("reports:staff_detail", args=[report.public_id]),
            },
        )
    try:
        return send_mail(subject, text, None, [address])
    except Exception:  # noqa: BLE001 - the reopening stands; the inbox shows it
        logger.exception("report %s: mail to the unit not sent", report.public_id)
        return 0


def follow_up_shares(now=None, *, k: int = 5) -> dict[int, tuple[int, float]]:
    """Per category: (answers, share answered "fixed") over questionnaires answered in the
    last 12 months — only categories with at least `k` answers."""
    now = now or timezone.now()
    rows = (
        FollowUp.objects.filter(answered_at__gte=now - timedelta(days=365))
        .exclude(answer="")
        .values_list("report__category_id", "answer")
    )
    counts: dict[int, list[int]] = {}
    for category_id, answer in rows:
        total_yes = counts.setdefault(category_id, [0, 0])
        total_yes[0] += 1
        total_yes[1] += answer == FollowUp.Answer.YES
    return {c: (n, yes / n) for c, (n, yes) in counts.items() if n >= k}


# -- transparency: median days to fix per category ------------------------------------------------
TRANSPARENCY_MIN_K = 5  # fewer fixed reports in a category: suppressed (no single case shown)


def median_days_to_fix(now=None, *, k: int = TRANSPARENCY_MIN_K) -> list[dict]:
    """Per active category: the median days from receipt to the first 'fixed' in the status
    history, over reports fixed in the last 12 months; `days` is None (suppressed) when fewer
    than `k` reports count. Cached for ten minutes (a public page)."""
    now = now or timezone.now()
    key = f"reports-transparency:{k}"
    cached = cache.get(key)
    if cached is not None:
        return cached
    first_fix: dict[int, tuple] = {}
    changes = StatusChange.objects.filter(
        to_status=workflow.FIXED, at__gte=now - timedelta(days=365), at__lte=now
    ).values_list("report_id", "report__category_id", "report__created_at", "at")
    for report_id, category_id, created_at, at in changes:
        seen = first_fix.get(report_id)
        if seen is None or at < seen[2]:
            first_fix[report_id] = (category_id, created_at, at)
    per_category: dict[int, list[float]] = {}
    for category_id, created_at, at in first_fix.values():
        days = max(0.0, (at - created_at).total_seconds() / 86400)
        per_category.setdefault(category_id, []).append(days)
    result = []
    shares = follow_up_shares(now, k=k)
    for category in categories_for():
        values = per_category.get(category.pk, [])
        median = statistics.median(values) if len(values) >= k else None
        answers, share = shares.get(category.pk, (None, None))
        result.append(
            {
                "category_id": category.pk,
                "key": category.key,
                "count": len(values) if len(values) >= k else None,
                "days": None if median is None else round(median, 1),
                # the questionnaire: share of answers "fixed" (k answers or None)
                "answers": answers,
                "confirmed_percent": None if share is None else round(share * 100),
            }
        )
    cache.set(key, result, 600)
    return result
