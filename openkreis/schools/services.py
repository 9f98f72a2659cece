"""The driving schools' channel: a school applies for its pupil, the pupil consents, the
case is opened in the eAkte with the channel "school", the school sees the status and gets
the Prüfauftrag notice in its company mailbox.

Everything outside this app changes schools data only through these functions.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets
from dataclasses import dataclass
from typing import Any

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from openkreis.accounts import services as accounts
from openkreis.accounts.models import Company, CompanyMembership, Message
from openkreis.cases import services as cases
from openkreis.cases.models import Case, Procedure
from openkreis.catalog.models import Service
from openkreis.core import event_kinds
from openkreis.core.loader import TenantDataError, read_yaml
from openkreis.core.services import record_event
from openkreis.core.staff import memberships as staff_memberships

from .models import DrivingSchool, PendingUpload, SchoolApplication, SchoolService

log = logging.getLogger(__name__)

CONSENT_DAYS = 14
# Filter values of the school's table besides the procedures' states.
PENDING, EXPIRED = "pending", "expired"
# The outcome for which the authority issues the test order (Prüfauftrag).
TEST_ORDER_OUTCOMES = ("granted", "partly")


class SchoolError(Exception):
    """A request the driving school's channel refuses; the message is for the user."""


# -- county data ------------------------------------------------------------------------------
def load_county_data(tenant, folder, report) -> None:
    """tenants/<slug>/schools.yaml: the services schools may apply for (with the licence
    classes) and the county's driving schools (key, name, permit number, address)."""
    path = folder / "schools.yaml"
    if not path.is_file():
        return
    data = read_yaml(path) or {}
    for order, item in enumerate(data.get("services") or []):
        slug = item.get("service", "")
        service = Service.objects.filter(slug=slug).first()
        if service is None:
            raise TenantDataError(f"{path}: services: unknown service {slug!r}")
        classes = [_class_entry(path, slug, c) for c in item.get("classes") or []]
        if not classes:
            raise TenantDataError(f"{path}: services: {slug} names no licence classes")
        row = SchoolService.objects.filter(service=service).first()
        if row is None:
            SchoolService.objects.create(service=service, classes=classes, order=order)
            report.created += 1
        elif row.classes != classes or row.order != order:
            row.classes, row.order = classes, order
            row.save(update_fields=["classes", "order"])
            report.updated += 1
    for item in data.get("schools") or []:
        for key in ("key", "name", "permit_number"):
            if not str(item.get(key) or "").strip():
                raise TenantDataError(f"{path}: schools: an entry has no {key} ({item!r})")
        _, changed = register_school(
            key=item["key"],
            name=item["name"],
            permit_number=str(item["permit_number"]),
            street=item.get("street", ""),
            postcode=str(item.get("postcode", "")),
            city=item.get("city", ""),
        )
        if changed == "created":
            report.created += 1
        elif changed == "updated":
            report.updated += 1


def _class_entry(path, slug: str, item: Any) -> dict:
    if (
        not isinstance(item, dict)
        or not item.get("value")
        or not isinstance(item.get("label"), dict)
    ):
        raise TenantDataError(f"{path}: services: {slug}: a class needs value and label {{de, en}}")
    return {
        "value": str(item["value"]),
        "de": item["label"].get("de", ""),
        "en": item["label"].get("en", ""),
    }


def register_school(
    *,
    key: str,
    name: str,
    permit_number: str,
    street: str = "",
    postcode: str = "",
    city: str = "",
    company: Company | None = None,
) -> tuple[DrivingSchool, str]:
    """The authority registers a driving school (or updates it, by key). Returns the school
    and "created", "updated" or ""."""
    values = {
        "name": name.strip()[:200],
        "permit_number": permit_number.strip()[:60],
        "street": (street or "").strip()[:200],
        "postcode": (postcode or "").strip()[:5],
        "city": (city or "").strip()[:100],
    }
    if company is not None:
        values["company"] = company
    school = DrivingSchool.objects.filter(key=key).first()
    if school is None:
        return DrivingSchool.objects.create(key=key, **values), "created"
    if any(getattr(school, f) != v for f, v in values.items()):
        for field, value in values.items():
            setattr(school, field, value)
        school.save()
        return school, "updated"
    return school, ""


def link_company(school: DrivingSchool, company: Company) -> DrivingSchool:
    """The school's company account: its members act for the school from now on."""
    if DrivingSchool.objects.filter(company=company).exclude(pk=school.pk).exists():
        raise SchoolError(_("This company account already belongs to another driving school."))
    school.company = company
    school.save(update_fields=["company"])
    return school


# -- who acts for a school ----------------------------------------------------------------------
def schools_of(user) -> QuerySet[DrivingSchool]:
    """The active driving schools whose company account this user is a member of. Staff
    accounts act for no school."""
    if not getattr(user, "is_authenticated", False) or _is_staff(user):
        return DrivingSchool.objects.none()
    company_ids = CompanyMembership.objects.filter(user=user).values("company_id")
    return DrivingSchool.objects.filter(active=True, company_id__in=company_ids)


def school_for(user, public_id) -> DrivingSchool:
    """One school the user acts for; DrivingSchool.DoesNotExist for any other."""
    return schools_of(user).select_related("company").get(public_id=public_id)


def _is_staff(user) -> bool:
    return bool(user.is_staff or user.is_superuser or staff_memberships(user).exists())


def offered_services() -> list[SchoolService]:
    return list(SchoolService.objects.select_related("service"))


# -- submitting -------------------------------------------------------------------------------
@dataclass
class Pupil:
    first_name: str
    last_name: str
    birth_date: dt.date
    street: str
    postcode: str
    city: str
    email: str
    phone: str = ""

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


def _token_hash(token: str) -> str:
    return hashlib.sha256((token or "").encode()).hexdigest()


def submit_for_pupil(
    member,
    school: DrivingSchool,
    *,
    service: Service,
    classes: list[str],
    pupil: Pupil,
    eye_test_date: dt.date,
    files: list[tuple[str, str, bytes]],
    consent: str,
) -> SchoolApplication:
    """A member of `school` applies for a pupil. `files` are (kind, name, bytes): the eye
    test and the first-aid certificate, checked here like every upload into the eAkte.
    With `consent="signed"` the pupil signed at the school: the member records it and the
    case is opened now. With `"link"` the pupil gets a link by e-mail and the case is opened
    when they confirm."""
    if not school.active or school.company_id is None:
        raise SchoolError(_("This driving school may not submit applications."))
    if accounts.membership(member, school.company) is None or _is_staff(member):
        raise SchoolError(_("You do not act for this driving school."))
    offer = SchoolService.objects.filter(service=service).first()
    if offer is None:
        raise SchoolError(_("Driving schools cannot apply for this service."))
    allowed = [c["value"] for c in offer.classes]
    classes = [c for c in allowed if c in set(classes)]
    if not classes:
        raise SchoolError(_("Choose at least one licence class."))
    if consent not in SchoolApplication.Consent.values:
        raise SchoolError(_("Choose how the pupil gives consent."))
    kinds = {kind for kind, _name, _data in files}
    if kinds != set(PendingUpload.Kind.values):
        raise SchoolError(_("Upload the eye test and the first-aid certificate."))
    checked = []
    for kind, name, data in files:
        try:
            validated = cases.validate_upload(name, data)
        except (cases.CaseError, cases.UploadRejected) as exc:
            raise SchoolError(str(exc)) from exc
        checked.append((kind, name, data, validated.mime))
    now = timezone.now()
    token = secrets.token_urlsafe(32) if consent == SchoolApplication.Consent.LINK else ""
    with transaction.atomic():
        application = SchoolApplication.objects.create(
            school=school,
            service=service,
            classes=classes,
            pupil_name=pupil.name[:200],
            submitted_by=member,
            submitted_at=now,
            details={
                "first_name": pupil.first_name,
                "last_name": pupil.last_name,
                "birth_date": pupil.birth_date.isoformat(),
                "street": pupil.street,
                "postcode": pupil.postcode,
                "city": pupil.city,
                "email": pupil.email,
                "phone": pupil.phone,
                "eye_test_date": eye_test_date.isoformat(),
            },
            consent_method=consent,
            consent_email=pupil.email,
            token_hash=_token_hash(token) if token else None,
            token_expires_at=now + dt.timedelta(days=CONSENT_DAYS) if token else None,
        )
        for kind, name, data, mime in checked:
            PendingUpload.objects.create(
                application=application, kind=kind, name=name[:200], mime=mime, data=data
            )
        if consent == SchoolApplication.Consent.SIGNED:
            application.consent_at, application.consent_recorded_by = now, member
            application.save(update_fields=["consent_at", "consent_recorded_by"])
            _open_case(application)
        else:
            transaction.on_commit(lambda: _send_consent_link(application, token))
    return application


def resend_link(member, application: SchoolApplication) -> SchoolApplication:
    """A new link for a pupil who has not confirmed yet (the old link stops working)."""
    if accounts.membership(member, application.school.company) is None:
        raise SchoolError(_("You do not act for this driving school."))
    if application.case_id or application.consent_method != SchoolApplication.Consent.LINK:
        raise SchoolError(_("The pupil has already given consent."))
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        application.token_hash = _token_hash(token)
        application.token_expires_at = timezone.now() + dt.timedelta(days=CONSENT_DAYS)
        application.save(update_fields=["token_hash", "token_expires_at"])
        transaction.on_commit(lambda: _send_consent_link(application, token))
    return application


def _send_consent_link(application: SchoolApplication, token: str) -> None:
    base = str(getattr(settings, "WAGTAILADMIN_BASE_URL", "")).rstrip("/")
    with translation.override("de"):
        text = render_to_string(
            "schools/email/consent.txt",
            {
                "application": application,
                "school": application.school,
                "service": application.service,
                "url": base + reverse("schools:consent", args=[token]),
                "days": CONSENT_DAYS,
            },
        )
        subject = _("Your driving school applies for your licence: please confirm")
    try:
        send_mail(subject, text, settings.DEFAULT_FROM_EMAIL, [application.consent_email])
    except Exception:  # SMTP down: the school sees "waiting" and can send the link again
        log.exception("consent link for school application %s not sent", application.pk)


# -- the pupil's consent ----------------------------------------------------------------------
class ConsentProblem(SchoolError):
    """Why a consent link cannot be used; `status` is the HTTP status for it."""

    def __init__(self, message: str, status: int):
        super().__init__(message)
        self.status = status


def application_for_token(token: str, user=None) -> SchoolApplication:
    """The application a consent link belongs to, if this visitor may confirm it now;
    ConsentProblem otherwise (unknown 404, already confirmed or expired 410, wrong person
    403)."""
    application = (
        SchoolApplication.objects.filter(token_hash=_token_hash(token))
        .select_related("school", "service")
        .first()
        if token
        else None
    )
    if application is None:
        raise ConsentProblem(
            _("This link is not valid. Please check that you copied all of it."), 404
        )
    if application.consent_at is not None or application.case_id:
        raise ConsentProblem(
            _("You have already confirmed this application. Nothing more to do."), 410
        )
    if application.token_expires_at is None or application.token_expires_at <= timezone.now():
        raise ConsentProblem(
            _("This link has expired. Please ask your driving school to send you a new one."), 410
        )
    if getattr(user, "is_authenticated", False):
        if _is_staff(user) or (
            application.school.company_id
            and accounts.membership(user, application.school.company) is not None
        ):
            raise ConsentProblem(
                _("Only the pupil can confirm this application, not the driving school or staff."),
                403,
            )
        if not EmailAddress.objects.filter(
            user=user, email__iexact=application.consent_email, verified=True
        ).exists():
            raise ConsentProblem(
                _(
                    "This link was sent to another person. Log out, or log in with the account "
                    "of the address the link was sent to."
                ),
                403,
            )
    return application


def confirm_consent(token: str, user=None) -> SchoolApplication:
    """The pupil confirms: the consent is recorded and the case is opened (once, even when
    the link is used twice at the same time). A logged-in pupil becomes the case's account
    holder (the case shows in "Meine Anträge")."""
    with transaction.atomic():
        application = application_for_token(token, user)
        application = SchoolApplication.objects.select_for_update().get(pk=application.pk)
        if application.consent_at is not None:
            raise ConsentProblem(
                _("You have already confirmed this application. Nothing more to do."), 410
            )
        application.consent_at = timezone.now()
        pupil_account = user if getattr(user, "is_authenticated", False) else None
        application.consent_recorded_by = pupil_account
        application.save(update_fields=["consent_at", "consent_recorded_by"])
        _open_case(application, account=pupil_account)
    return application


def _consent_text(application: SchoolApplication) -> str:
    at = timezone.localtime(application.consent_at).strftime("%d.%m.%Y %H:%M")
    if application.consent_method == SchoolApplication.Consent.SIGNED:
        who = application.consent_recorded_by
        name = (who.get_full_name() or who.username) if who else "–"
        return f"In der Fahrschule unterschrieben; erfasst von {name} am {at}"
    return f"Von der antragstellenden Person per Bestätigungslink bestätigt am {at}"


def _open_case(application: SchoolApplication, account=None) -> Case:
    """The case in the eAkte: the pupil is the applicant, the school the submitter."""
    details = application.details
    school = application.school
    birth = dt.date.fromisoformat(details["birth_date"])
    eye_date = dt.date.fromisoformat(details["eye_test_date"])
    applicant = cases.Applicant(
        name=application.pupil_name,
        email=details.get("email", ""),
        phone=details.get("phone", ""),
        street=details.get("street", ""),
        postcode=details.get("postcode", ""),
        city=details.get("city", ""),
        date_of_birth=birth,
        user=account,
    )
    submitter = application.submitted_by
    submitter_name = (submitter.get_full_name() or submitter.username) if submitter else "–"
    summary = [
        {
            "title": "Antrag",
            "answers": [
                {"label": "Leistung", "value": application.service.name},
                {"label": "Fahrerlaubnisklassen", "value": ", ".join(application.classes)},
                {"label": "Datum des Sehtests", "value": eye_date.strftime("%d.%m.%Y")},
            ],
        },
        {
            "title": "Antragstellende Person (Fahrschülerin / Fahrschüler)",
            "answers": [
                {"label": "Name", "value": application.pupil_name},
                {"label": "Geburtsdatum", "value": birth.strftime("%d.%m.%Y")},
                {"label": "Anschrift", "value": applicant.address},
                {"label": "E-Mail", "value": applicant.email},
                {"label": "Telefon", "value": applicant.phone},
            ],
        },
        {
            "title": "Eingereicht über die Fahrschule",
            "answers": [
                {"label": "Fahrschule", "value": school.name},
                {"label": "Fahrschulerlaubnis", "value": school.permit_number},
                {"label": "Anschrift der Fahrschule", "value": _school_address(school)},
                {"label": "Eingereicht von", "value": submitter_name},
                {
                    "label": "Eingereicht am",
                    "value": timezone.localtime(application.submitted_at).strftime(
                        "%d.%m.%Y %H:%M"
                    ),
                },
                {"label": "Einwilligung", "value": _consent_text(application)},
            ],
        },
    ]
    documents = [
        {"name": up.name, "content": bytes(up.data), "document_type": up.kind}
        for up in application.uploads.all()
    ]
    case = cases.open_case(
        service=application.service,
        channel=Case.Channel.DRIVING_SCHOOL,
        applicant=applicant,
        data={
            "summary": summary,
            "answers": {
                "classes": application.classes,
                "eye_test_date": eye_date.isoformat(),
            },
            "driving_school": {
                "key": school.key,
                "permit_number": school.permit_number,
                "consent": application.consent_method,
                "consent_at": application.consent_at.isoformat(),
            },
        },
        documents=documents,
        idempotency_key=f"school:{application.public_id}",
        complete=True,
    )
    application.case_id = case.pk
    application.details = {}
    application.consent_email = ""
    application.save(update_fields=["case_id", "details", "consent_email"])
    application.uploads.all().delete()
    return case


def _school_address(school: DrivingSchool) -> str:
    town = " ".join(p for p in (school.postcode, school.city) if p)
    return ", ".join(p for p in (school.street, town) if p)


# -- what the school sees ---------------------------------------------------------------------
def _state_groups(language: str = "de") -> dict[str, tuple[str, list[str]]]:
    """The procedures' states as the school sees them: states with the same school label
    (in_progress and register_check are both "In Bearbeitung") are one status, keyed by the
    first state. {key: (label, [state keys])}."""
    groups: dict[str, tuple[str, list[str]]] = {}
    by_label: dict[str, str] = {}
    for procedure in _procedures():
        for key, state in (procedure.definition.get("states") or {}).items():
            german = _state_label(state, key, "de")
            first = by_label.setdefault(german, key)
            label, keys = groups.setdefault(first, (_state_label(state, key, language), []))
            if key not in keys:
                keys.append(key)
    return groups


def status_choices(language: str = "de") -> list[tuple[str, str]]:
    """The filter of the school's table: waiting for consent, link expired, then the
    statuses of the procedures of the services schools apply for (in procedure order)."""
    choices = [
        (PENDING, _("Waiting for the pupil's consent")),
        (EXPIRED, _("Consent link expired")),
    ]
    return choices + [(key, label) for key, (label, _keys) in _state_groups(language).items()]


def _procedures() -> list[Procedure]:
    services = SchoolService.objects.values("service_id")
    return list(Procedure.objects.filter(services__in=services).distinct().order_by("key"))


def _state_label(state: dict, key: str, language: str) -> str:
    if language == "en":
        return state.get("school_en") or state.get("label_en") or key
    return state.get("school") or state.get("label") or key


def applications_of(school: DrivingSchool, status: str = "") -> QuerySet[SchoolApplication]:
    """The school's applications, newest first, optionally with one status. SchoolError for a
    status that does not exist."""
    qs = school.applications.select_related("service")
    if not status:
        return qs
    now = timezone.now()
    if status == PENDING:
        return qs.filter(case_id__isnull=True, token_expires_at__gt=now)
    if status == EXPIRED:
        return qs.filter(case_id__isnull=True, token_expires_at__lte=now)
    groups = _state_groups()
    if status not in groups:
        raise SchoolError(_("There is no such status. Choose one from the list."))
    states = groups[status][1]
    return qs.filter(case_id__in=Case.objects.filter(state__in=states).values("pk"))


def status_rows(applications, language: str = "de") -> list[dict]:
    """One row per application with its status only (no other data of the case)."""
    applications = list(applications)
    case_ids = [a.case_id for a in applications if a.case_id]
    found = {
        c.pk: c
        for c in Case.objects.filter(pk__in=case_ids)
        .select_related("procedure")
        .only("pk", "file_number", "state", "state_kind", "outcome", "procedure__definition")
    }
    now = timezone.now()
    groups = _state_groups() if found else {}
    rows = []
    for application in applications:
        case = found.get(application.case_id)
        row = {"application": application, "file_number": "", "done": False, "status_key": ""}
        if case is not None:
            state = (case.procedure.definition.get("states") or {}).get(case.state, {})
            row.update(
                status=_state_label(state, case.state, language),
                status_key=next(
                    (k for k, (_l, keys) in groups.items() if case.state in keys), case.state
                ),
                file_number=case.file_number,
                done=case.state_kind == "done",
            )
            if (
                case.state_kind == "done"
                and case.outcome
                and case.outcome not in TEST_ORDER_OUTCOMES
            ):
                row["status"] = _("Decided: no test order")
        elif application.case_id:
            row.update(status=_("No longer stored"), status_key="")
        elif application.token_expires_at and application.token_expires_at > now:
            row.update(status=_("Waiting for the pupil's consent"), status_key=PENDING)
        else:
            row.update(status=_("Consent link expired"), status_key=EXPIRED)
        rows.append(row)
    return rows


def application_of(school: DrivingSchool, public_id) -> SchoolApplication:
    """One of the school's own applications; SchoolApplication.DoesNotExist for others."""
    return school.applications.select_related("service", "submitted_by").get(public_id=public_id)


# -- the test order (Prüfauftrag) -------------------------------------------------------------
def on_case_decided(case_id: int) -> Message | None:
    """When the authority decides a school's case with the test order, the school's company
    mailbox gets the notice (once). Called in the decision's transaction."""
    application = (
        SchoolApplication.objects.select_for_update(of=("self",))
        .select_related("school__company", "service", "submitted_by")
        .filter(case_id=case_id, notice_sent_at__isnull=True)
        .first()
    )
    if application is None or application.school.company is None:
        return None
    case = Case.objects.select_related("org_unit").get(pk=case_id)
    if case.outcome not in TEST_ORDER_OUTCOMES:
        return None
    company = application.school.company
    owner = application.submitted_by
    if owner is None or accounts.membership(owner, company) is None:
        first = company.memberships.select_related("user").order_by("role", "id").first()
        if first is None:
            return None
        owner = first.user
    with translation.override("de"):
        body = render_to_string(
            "schools/email/test_order.txt",
            {"application": application, "case": case, "school": application.school},
        )
        subject = _("Test order issued: %(name)s (%(number)s)") % {
            "name": application.pupil_name,
            "number": case.file_number,
        }
    message = _company_message(company, owner, subject, body, case, sender=case.org_unit)
    application.notice_sent_at = timezone.now()
    application.save(update_fields=["notice_sent_at"])
    return message


def _company_message(company: Company, owner, subject: str, body: str, case: Case, sender):
    """A notice in the company's mailbox. accounts.deliver_message puts a message into a
    company's mailbox only for a case filed for the company (CompanyCase), and a school's
    pupil case must not be one (the pupil's letters are the pupil's): so the row is written
    here, the same way, without a link to the case (the school cannot reply into the pupil's
    file). See docs/schools.md "Ports"."""
    message = Message.objects.create(
        owner=owner,
        company=company,
        direction=Message.Direction.FROM_AUTHORITY,
        kind=Message.Kind.NOTICE,
        subject=subject[:200],
        body=body,
        case_id=None,
        file_number=case.file_number,
        sender_name=str(getattr(sender, "name", "") or "")[:200],
        created_at=timezone.now(),
    )
    record_event(
        event_kinds.MESSAGE_DELIVERED,
        subject=f"message:{message.pk}",
        data={
            "kind": message.kind,
            "org_unit": getattr(sender, "key", "") or "",
            "case": f"case:{case.pk}",
            "attachments": 0,
        },
    )
    recipients = [m.user for m in company.memberships.select_related("user")]
    transaction.on_commit(lambda: accounts.notify_arrival(message, recipients))
    return message


# -- personal data ----------------------------------------------------------------------------
PENDING_KEEP_DAYS = 30


def delete_stale_pending(now: dt.datetime | None = None) -> int:
    """Applications whose consent link expired more than PENDING_KEEP_DAYS ago never became a
    case: the pupil's details and certificates are deleted with them. Returns how many."""
    cutoff = (now or timezone.now()) - dt.timedelta(days=PENDING_KEEP_DAYS)
    stale = SchoolApplication.objects.filter(case_id__isnull=True, token_expires_at__lt=cutoff)
    count = stale.count()
    stale.delete()
    return count


class SchoolsData:
    """GDPR (core.personal_data): what an account did in the driving schools' channel —
    applications a school member submitted, consents a pupil gave. On deletion the links to
    the account are set to null by the database (the consent record stays in the case)."""

    def export(self, user) -> dict:
        submitted = SchoolApplication.objects.filter(submitted_by=user).select_related("school")
        consents = SchoolApplication.objects.filter(consent_recorded_by=user).select_related(
            "school"
        )
        return {
            "submitted_for_pupils": [
                {
                    "school": a.school.name,
                    "pupil": a.pupil_name,
                    "service": a.service_id,
                    "submitted_at": a.submitted_at.isoformat(),
                }
                for a in submitted
            ],
            "consents": [
                {
                    "school": a.school.name,
                    "method": a.consent_method,
                    "at": a.consent_at.isoformat() if a.consent_at else None,
                }
                for a in consents
            ],
        }

    def erase(self, user) -> None:
        """Nothing beyond the database's SET_NULL: the school keeps its record of the pupil."""
