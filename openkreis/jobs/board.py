"""The local job board's services (issue 21, docs/jobs.md): who may act for which employer,
and every change of a job posting.

* Employers are company accounts: a member of the company (accounts.CompanyMembership) opens
  its employer profile (`save_employer`) and posts jobs for it. Every lookup goes through
  `jobs_of` / `job_for` / `companies_of`, so another company's posting is simply not found (404).
* A posting moves draft → submitted → published | rejected; published, submitted and draft
  postings can be withdrawn. Editing a published posting sends it back to review.
  The Jobcenter (KoBa; staff role `jobcenter`) posts under the employer with
  `is_jobcenter=True`, published directly.
* Expiry: a published posting whose `valid_through` passed stays `published` but is filtered
  out of search, employer pages and its own page (410) by `open_jobs`; `expire_jobs` (the
  daily Celery task) deletes withdrawn, refused and long-expired postings after
  RETENTION_DAYS.

Views never set a status: they call these functions, which check the actor's right, write the
change and the cockpit event (no personal data) in one transaction.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db import transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _

from openkreis.accounts import services as accounts
from openkreis.accounts.models import Company, Message
from openkreis.core import event_kinds
from openkreis.core.models import Region
from openkreis.core.services import current_tenant, record_event, regions_for_postcode
from openkreis.core.staff import has_role

from .models import Employer, Job

logger = logging.getLogger(__name__)

Status = Job.Status
RETENTION_DAYS = 183  # withdrawn / refused / expired postings are deleted after ~6 months
MAX_VALID_DAYS = 183  # a posting is open for at most ~6 months at a time
JOBCENTER_SLUG = "koba-jobcenter-landkreis-harz"
JOBCENTER_NAME = "Kommunale Beschäftigungsagentur Jobcenter Landkreis Harz (KoBa)"

# the allowed transitions (workflow as data): status → statuses it may move to
TRANSITIONS: dict[str, set[str]] = {
    Status.DRAFT: {Status.SUBMITTED, Status.WITHDRAWN, Status.PUBLISHED},
    Status.SUBMITTED: {Status.PUBLISHED, Status.REJECTED, Status.WITHDRAWN, Status.DRAFT},
    Status.PUBLISHED: {Status.SUBMITTED, Status.WITHDRAWN},
    Status.REJECTED: {Status.SUBMITTED, Status.WITHDRAWN},
    Status.WITHDRAWN: set(),
}


class JobBoardError(Exception):
    """A change the board refuses; the message is for the user (in their language)."""


# -- who acts for whom ----------------------------------------------------------------------------
def companies_of(user) -> QuerySet[Company]:
    """The company accounts the user is a member of."""
    return accounts.companies_of(user)


def is_company_member(user) -> bool:
    """For the account menu's "Stellenanzeigen" link (one query)."""
    return companies_of(user).exists()


def company_for(user, public_id) -> Company:
    """One of the user's companies (Company.DoesNotExist otherwise)."""
    return accounts.company_for(user, public_id)


def jobs_of(user) -> QuerySet[Job]:
    """Every posting of the user's companies (all statuses)."""
    if not getattr(user, "is_authenticated", False):
        return Job.objects.none()
    return Job.objects.filter(employer__company__memberships__user=user).select_related(
        "employer", "field", "municipality"
    )


def job_for(user, key) -> Job:
    """A posting of one of the user's companies (Job.DoesNotExist otherwise)."""
    return jobs_of(user).get(key=key)


def is_moderator(user) -> bool:
    return has_role(user, "job_moderator")


def is_jobcenter(user) -> bool:
    return has_role(user, "jobcenter")


def may_preview(user, job: Job) -> bool:
    """Who sees a posting that is not open: its company's members and the moderators (the
    Jobcenter's staff for the Jobcenter's postings)."""
    if not getattr(user, "is_authenticated", False):
        return False
    if job.employer.is_jobcenter and is_jobcenter(user):
        return True
    if job.employer.company_id and jobs_of(user).filter(pk=job.pk).exists():
        return True
    return is_moderator(user)


# -- places ---------------------------------------------------------------------------------------
def county_prefix() -> str:
    tenant = current_tenant()
    return tenant.region.ars[:5] if tenant is not None else ""


def municipality_for_postcode(code: str, town: str = "") -> Region | None:
    """The county's municipality using this postcode — the one named in `town` when the
    postcode spans several, else the one with the most inhabitants; None when it is not one
    of the county's."""
    prefix = county_prefix()
    found = [r for r in regions_for_postcode(code) if not prefix or r.ars.startswith(prefix)]
    town = (town or "").casefold()
    for region in found:
        if town and region.name.casefold() in town:
            return region
    # else the largest: 38855 is Wernigerode's and also some villages' of Nordharz
    return max(found, key=lambda r: r.population or 0) if found else None


# -- employers ------------------------------------------------------------------------------------
def _unique_slug(name: str, exclude_pk: int | None = None) -> str:
    base = slugify(name)[:100] or "arbeitgeber"
    slug, n = base, 1
    while Employer.objects.filter(slug=slug).exclude(pk=exclude_pk).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


def employer_of(company: Company) -> Employer | None:
    return Employer.objects.filter(company=company).first()


@transaction.atomic
def save_employer(company: Company, *, actor, **values) -> Employer:
    """Create or update the employer profile of `company` (the actor must be a member).
    The position is the centre of the municipality of the postcode."""
    if accounts.membership(actor, company) is None:
        raise JobBoardError(_("You are not a member of this company."))
    employer = employer_of(company) or Employer(company=company)
    return _save_employer_values(employer, values)


def _save_employer_values(employer: Employer, values: dict) -> Employer:
    for name in ("name", "description", "website", "street", "postcode", "town"):
        if name in values:
            setattr(employer, name, (values[name] or "").strip())
    if not employer.name:
        raise JobBoardError(_("Enter the employer's name."))
    region = (
        municipality_for_postcode(employer.postcode, employer.town) if employer.postcode else None
    )
    employer.lat = region.lat if region else None
    employer.lon = region.lon if region else None
    if region and not employer.town:
        employer.town = region.name
    if not employer.slug:
        employer.slug = _unique_slug(employer.name)
    employer.save()
    return employer


def jobcenter_employer() -> Employer:
    """The Jobcenter's employer profile (made on first use)."""
    employer = Employer.objects.filter(is_jobcenter=True).order_by("pk").first()
    if employer is None:
        employer = Employer.objects.create(
            slug=JOBCENTER_SLUG,
            name=JOBCENTER_NAME,
            is_jobcenter=True,
            website="https://www.koba-harz.de/",
            description=(
                "Das kommunale Jobcenter des Landkreises Harz vermittelt Arbeit und "
                "Ausbildung und berät Arbeitsuchende und Arbeitgeber."
            ),
        )
    return employer


# -- postings -------------------------------------------------------------------------------------
JOB_FIELDS = (
    "title",
    "kind",
    "hours",
    "field",
    "description",
    "requirements",
    "street",
    "postcode",
    "town",
    "salary_min",
    "salary_max",
    "salary_unit",
    "starts_on",
    "valid_through",
    "contact_email",
    "apply_url",
)


def _apply(job: Job, values: dict) -> None:
    for name in JOB_FIELDS:
        if name in values:
            value = values[name]
            if isinstance(value, str):
                value = value.strip()
            setattr(job, name, value if value is not None or name in _NULLABLE else "")
    check_job(job)
    region = municipality_for_postcode(job.postcode, job.town)
    job.municipality = region
    job.lat = region.lat if region else None
    job.lon = region.lon if region else None
    if region and not job.town:
        job.town = region.name


_NULLABLE = {"field", "salary_min", "salary_max", "starts_on", "valid_through"}


def check_job(job: Job, today: dt.date | None = None) -> None:
    """The rules every saved posting keeps (the form checks the same with field messages)."""
    today = today or timezone.localdate()
    if not job.title:
        raise JobBoardError(_("Enter the job title."))
    if not job.description:
        raise JobBoardError(_("Describe the job."))
    if municipality_for_postcode(job.postcode) is None:
        raise JobBoardError(_("The postcode is not one of the county's."))
    if job.valid_through is None or job.valid_through < today:
        raise JobBoardError(_("The closing date must not be in the past."))
    if job.valid_through > today + dt.timedelta(days=MAX_VALID_DAYS):
        raise JobBoardError(_("A posting can be open for six months at most."))
    low, high = job.salary_min, job.salary_max
    if low is not None and high is not None and low > high:
        raise JobBoardError(_("The lowest salary is higher than the highest."))
    if not job.contact_email and not job.apply_url:
        raise JobBoardError(_("Give an e-mail address or a web address for applications."))


def _move(job: Job, status: str) -> None:
    if status not in TRANSITIONS.get(job.status, set()):
        raise JobBoardError(_("This posting cannot be changed like that in its current state."))
    job.status = status


@transaction.atomic
def create_job(employer: Employer, *, actor, submit: bool = False, **values) -> Job:
    """A new posting of `employer` by a member of its company (a draft, or sent for review
    with `submit`); for the Jobcenter's employer by jobcenter staff, published directly."""
    _require_employer_right(employer, actor)
    job = Job(employer=employer, created_by=actor, status=Status.DRAFT)
    _apply(job, values)
    job.save()
    if employer.is_jobcenter:
        _publish(job, actor)
    elif submit:
        _submit(job)
    return job


@transaction.atomic
def update_job(job: Job, *, actor, submit: bool = False, **values) -> Job:
    """Change a posting. A published posting goes back to review (the Jobcenter's stays
    published); a refused one is sent again with `submit`."""
    job = Job.objects.select_for_update().select_related("employer").get(pk=job.pk)
    _require_employer_right(job.employer, actor)
    if job.status == Status.WITHDRAWN:
        raise JobBoardError(_("A withdrawn posting cannot be changed."))
    _apply(job, values)
    if job.employer.is_jobcenter:
        if job.status != Status.PUBLISHED:
            _publish(job, actor)
        job.save()
        return job
    if job.status == Status.PUBLISHED or (submit and job.status != Status.SUBMITTED):
        job.save()
        _submit(job)
    else:
        job.save()
    return job


@transaction.atomic
def submit_job(job: Job, *, actor) -> Job:
    """Send a draft or refused posting for review."""
    job = Job.objects.select_for_update().select_related("employer").get(pk=job.pk)
    _require_employer_right(job.employer, actor)
    check_job(job)
    _submit(job)
    return job


def _submit(job: Job) -> None:
    _move(job, Status.SUBMITTED)
    job.moderation_note = ""
    job.save()
    record_event(
        event_kinds.JOBS_JOB_SUBMITTED,
        subject=f"job:{job.pk}",
        data={"kind": job.kind, "municipality": job.municipality.ars if job.municipality else ""},
    )


def _publish(job: Job, actor) -> None:
    _move(job, Status.PUBLISHED)
    job.published_at = timezone.now()
    job.moderated_by = actor
    job.moderation_note = ""
    job.save()


@transaction.atomic
def withdraw_job(job: Job, *, actor) -> Job:
    """The employer takes a posting down (it is deleted after RETENTION_DAYS)."""
    job = Job.objects.select_for_update().select_related("employer").get(pk=job.pk)
    _require_employer_right(job.employer, actor)
    _move(job, Status.WITHDRAWN)
    job.save()
    return job


def _require_employer_right(employer: Employer, actor) -> None:
    if employer.is_jobcenter:
        if not is_jobcenter(actor):
            raise JobBoardError(_("Only the Jobcenter's staff post its offers."))
        return
    if employer.company_id is None or accounts.membership(actor, employer.company) is None:
        raise JobBoardError(_("You are not a member of this company."))


# -- moderation -----------------------------------------------------------------------------------
def queue() -> QuerySet[Job]:
    """Postings waiting for review, oldest first."""
    return (
        Job.objects.filter(status=Status.SUBMITTED)
        .select_related("employer", "municipality", "field")
        .order_by("updated_at", "pk")
    )


@transaction.atomic
def moderate(job: Job, *, actor, accept: bool, reason: str = "") -> Job:
    """Accept (published) or refuse (with a reason shown to the employer and sent to the
    company's members' mailboxes) a submitted posting."""
    if not is_moderator(actor):
        raise JobBoardError(_("Only the job board's moderators decide on postings."))
    job = Job.objects.select_for_update().select_related("employer").get(pk=job.pk)
    if job.status != Status.SUBMITTED:
        raise JobBoardError(_("This posting is not waiting for review."))
    reason = (reason or "").strip()
    if accept:
        _publish(job, actor)
    else:
        if not reason:
            raise JobBoardError(_("Say why the posting is not accepted; the employer reads it."))
        _move(job, Status.REJECTED)
        job.moderation_note = reason[:2000]
        job.moderated_by = actor
        job.save()
    record_event(
        event_kinds.JOBS_JOB_MODERATED,
        subject=f"job:{job.pk}",
        data={"decision": job.status},
    )
    _notify(job)
    return job


def _notify(job: Job) -> int:
    """Tell the company's members of the decision (their mailbox; it mails them that something
    arrived). A delivery hiccup does not undo the decision."""
    company = job.employer.company
    if company is None:
        return 0
    with translation.override("de"):
        if job.status == Status.PUBLISHED:
            subject = _("Your job posting is published: %(title)s") % {"title": job.title}
            body = _("Your posting “%(title)s” is now on the job board.") % {"title": job.title}
        else:
            subject = _("Your job posting was not accepted: %(title)s") % {"title": job.title}
            body = _(
                "Your posting “%(title)s” was not published. The reason:\n\n%(reason)s\n\n"
                "You can change it and send it again."
            ) % {"title": job.title, "reason": job.moderation_note}
        body += "\n\n" + reverse("jobs:employer_job", args=[job.key])
    sent = 0
    for membership in company.memberships.select_related("user"):
        if not membership.user.is_active:
            continue
        try:
            accounts.deliver_message(
                membership.user, subject=subject, body=body, kind=Message.Kind.NOTICE
            )
            sent += 1
        except Exception:  # noqa: BLE001 - the decision stands even if a mailbox fails
            logger.exception("jobs: message about job %s not delivered", job.pk)
    return sent


# -- public -----------------------------------------------------------------------------------
def open_jobs(today: dt.date | None = None) -> QuerySet[Job]:
    """Published postings still open today (the search, employer pages)."""
    today = today or timezone.localdate()
    return Job.objects.filter(status=Status.PUBLISHED, valid_through__gte=today)


def is_open(job: Job, today: dt.date | None = None) -> bool:
    today = today or timezone.localdate()
    return job.status == Status.PUBLISHED and job.valid_through >= today


def public_employers() -> QuerySet[Employer]:
    return Employer.objects.all()


# -- expiry ---------------------------------------------------------------------------------------
def expire_jobs(now: dt.datetime | None = None) -> int:
    """Delete withdrawn and refused postings not changed for RETENTION_DAYS, and published
    postings whose closing date passed RETENTION_DAYS ago. Expired postings leave search by
    themselves (`open_jobs` filters on the date), so nothing else has to change daily.
    Returns how many postings were deleted."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=RETENTION_DAYS)
    stale = Q(status__in=[Status.WITHDRAWN, Status.REJECTED], updated_at__lt=cutoff) | Q(
        status=Status.PUBLISHED, valid_through__lt=cutoff.date()
    )
    deleted, _rows = Job.objects.filter(stale).delete()
    return deleted
