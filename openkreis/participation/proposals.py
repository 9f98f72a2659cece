"""Residents' proposals (docs/participation.md "Proposals", "Moderation", "Official answers"):
submit, support (once per account), comment, report abuse; the moderators publish or hide
with a reason and write the county's official answer. Views and the demo call these
functions only; each change writes its cockpit event (no person) in the same transaction.

Moderation mode (county data, participation.yaml): `before` — a new proposal waits, seen by
its author and the moderators only, until a moderator publishes it; `after` — it is public at
once and moderated afterwards (abuse reports, hiding). Until the county-data step offers the
mode, `before` (the careful default).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F, Q, QuerySet
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from openkreis.accounts import services as accounts
from openkreis.accounts.models import Message
from openkreis.core import event_kinds
from openkreis.core.images import CleanPhoto
from openkreis.core.models import OrgUnit, Region
from openkreis.core.services import current_tenant, record_event
from openkreis.core.staff import Role, has_role

from . import config
from .models_proposals import AbuseReport, Comment, Proposal, Support

logger = logging.getLogger(__name__)

MODERATION_BEFORE = "before"
MODERATION_AFTER = "after"
DEFAULT_MODERATION = MODERATION_BEFORE
# hidden proposals (and their photos) are deleted this many days after they were hidden
DEFAULT_PURGE_DAYS = 180
TITLE_MAX = 150
TEXT_MAX = 5000
COMMENT_MAX = 2000
REASON_MAX = 500
ABUSE_REASON_MAX = 1000

Moderation = Proposal.Moderation
Status = Proposal.Answer


class ProposalError(ValueError):
    """A refused action; the message is for the person (their language)."""


# -- county settings ----------------------------------------------------------------------------
def _county_setting(name: str, default):
    """A value of the county's participation.yaml through the county-data step (config.py,
    `config.<name>()`), else `default` while that step does not offer it."""
    getter = getattr(config, name, None)
    if callable(getter):
        value = getter()
        if value not in (None, ""):
            return value
    return default


def moderation_mode() -> str:
    """`before` or `after` (see the module's docstring)."""
    mode = _county_setting("moderation_mode", DEFAULT_MODERATION)
    return mode if mode in (MODERATION_BEFORE, MODERATION_AFTER) else DEFAULT_MODERATION


def purge_days() -> int:
    """After how many days a hidden proposal is deleted (tasks.purge_hidden_proposals)."""
    try:
        return max(1, int(_county_setting("hidden_purge_days", DEFAULT_PURGE_DAYS)))
    except (TypeError, ValueError):
        return DEFAULT_PURGE_DAYS


def municipalities() -> QuerySet[Region]:
    """The county's municipalities (the choice on the form and the list's filter)."""
    qs = Region.objects.filter(kind=Region.Kind.MUNICIPALITY)
    tenant = current_tenant()
    if tenant is not None:
        qs = qs.filter(ars__startswith=tenant.region.ars[:5])
    return qs.order_by("name")


# -- who sees what ------------------------------------------------------------------------------
def is_moderator(user) -> bool:
    return has_role(user, Role.PROPOSAL_MODERATOR)


def public_proposals() -> QuerySet[Proposal]:
    return Proposal.objects.filter(moderation=Moderation.PUBLISHED).select_related(
        "municipality", "answer_unit"
    )


def visible_to(user, *, moderator: bool = False) -> QuerySet[Proposal]:
    """Published proposals; plus the person's own (waiting or hidden: they see why); all of
    them for a moderator (who proved the second factor: the view decides `moderator`)."""
    qs = Proposal.objects.select_related("municipality", "answer_unit")
    if moderator:
        return qs
    if getattr(user, "is_authenticated", False):
        return qs.filter(Q(moderation=Moderation.PUBLISHED) | Q(author=user))
    return qs.filter(moderation=Moderation.PUBLISHED)


def display_name(user) -> str:
    """The name shown when a person chooses to show it: first and last name, else the login."""
    full = f"{user.first_name} {user.last_name}".strip()
    return (full or user.get_username())[:80]


def _base_url() -> str:
    return str(getattr(settings, "WAGTAILADMIN_BASE_URL", "")).rstrip("/")


def _municipality_key(proposal: Proposal) -> str:
    return proposal.municipality.ars if proposal.municipality_id else ""


# -- residents ----------------------------------------------------------------------------------
@dataclass
class Submission:
    title: str
    text: str
    municipality: Region | None = None
    lat: float | None = None
    lon: float | None = None
    photo: CleanPhoto | None = None
    show_name: bool = False


def submit(user, sub: Submission) -> Proposal:
    """Store a resident's proposal: waiting for a moderator (mode `before`) or published at
    once (mode `after`). The photo must come from core.images.clean_photo (no EXIF)."""
    if not getattr(user, "is_authenticated", False):
        raise ProposalError(_("Please log in to make a proposal."))
    title, text = sub.title.strip(), sub.text.strip()
    if not title or not text:
        raise ProposalError(_("Please give your proposal a title and a description."))
    if len(title) > TITLE_MAX or len(text) > TEXT_MAX:
        raise ProposalError(_("The title or the description is too long."))
    if (sub.lat is None) != (sub.lon is None):
        raise ProposalError(_("The place on the map is incomplete. Please choose it again."))
    if sub.lat is not None and not (-90 <= sub.lat <= 90 and -180 <= sub.lon <= 180):
        raise ProposalError(_("The place on the map is incomplete. Please choose it again."))
    published = moderation_mode() == MODERATION_AFTER
    with transaction.atomic():
        proposal = Proposal(
            author=user,
            author_name=display_name(user) if sub.show_name else "",
            title=title,
            text=text,
            municipality=sub.municipality,
            lat=sub.lat,
            lon=sub.lon,
            moderation=Moderation.PUBLISHED if published else Moderation.PENDING,
        )
        if sub.photo is not None:
            proposal.photo.save("photo.jpg", ContentFile(sub.photo.data), save=False)
        proposal.save()
        record_event(
            event_kinds.PARTICIPATION_PROPOSAL_SUBMITTED,
            subject=f"proposal:{proposal.public_id}",
            data={"municipality": _municipality_key(proposal)},
        )
    return proposal


def _lock_published(proposal: Proposal) -> Proposal:
    locked = Proposal.objects.select_for_update().get(pk=proposal.pk)
    if locked.moderation != Moderation.PUBLISHED:
        raise ProposalError(_("This proposal is not published."))
    return locked


def support(user, proposal: Proposal) -> bool:
    """Support a published proposal once per account; False if the account already supports
    it (the unique constraint decides, also under concurrent clicks). The count moves by an
    F() update in the same transaction as the row, so it always equals the rows."""
    if not getattr(user, "is_authenticated", False):
        raise ProposalError(_("Please log in to support a proposal."))
    with transaction.atomic():
        if Proposal.objects.filter(pk=proposal.pk, moderation=Moderation.PUBLISHED).count() != 1:
            raise ProposalError(_("This proposal is not published."))
        try:
            with transaction.atomic():
                Support.objects.create(proposal=proposal, user=user)
        except IntegrityError:
            return False
        Proposal.objects.filter(pk=proposal.pk).update(supporters_count=F("supporters_count") + 1)
        record_event(
            event_kinds.PARTICIPATION_PROPOSAL_SUPPORTED,
            subject=f"proposal:{proposal.public_id}",
            data={"municipality": _municipality_key(proposal)},
        )
    return True


def withdraw_support(user, proposal: Proposal) -> bool:
    """Take one's support back; False if there was none."""
    if not getattr(user, "is_authenticated", False):
        return False
    with transaction.atomic():
        deleted, _rows = Support.objects.filter(proposal=proposal, user=user).delete()
        if deleted:
            Proposal.objects.filter(pk=proposal.pk).update(
                supporters_count=F("supporters_count") - 1
            )
    return bool(deleted)


def recount(proposal_ids) -> None:
    """Set supporters_count from the rows (after supports went with an erased account)."""
    for pk in proposal_ids:
        with transaction.atomic():
            Proposal.objects.select_for_update().filter(pk=pk).first()
            Proposal.objects.filter(pk=pk).update(
                supporters_count=Support.objects.filter(proposal_id=pk).count()
            )


def supports(user, proposal: Proposal) -> bool:
    return bool(
        getattr(user, "is_authenticated", False)
        and Support.objects.filter(proposal=proposal, user=user).exists()
    )


def add_comment(user, proposal: Proposal, text: str, *, show_name: bool = False) -> Comment:
    """A comment on a published proposal (published at once; moderators can hide it)."""
    if not getattr(user, "is_authenticated", False):
        raise ProposalError(_("Please log in to comment."))
    text = text.strip()
    if not text:
        raise ProposalError(_("Please write your comment."))
    if len(text) > COMMENT_MAX:
        raise ProposalError(_("A comment may have at most 2000 characters."))
    with transaction.atomic():
        _lock_published(proposal)
        return Comment.objects.create(
            proposal=proposal,
            author=user,
            author_name=display_name(user) if show_name else "",
            text=text,
        )


def report_abuse(
    user, *, proposal: Proposal | None = None, comment: Comment | None = None, reason: str
) -> AbuseReport:
    """Flag a proposal or a comment for the moderators; one open report per person and target
    (the target's row is locked while checking, so two quick clicks make one report)."""
    if not getattr(user, "is_authenticated", False):
        raise ProposalError(_("Please log in to report a problem."))
    reason = reason.strip()
    if not reason:
        raise ProposalError(_("Please say what is wrong with it."))
    if len(reason) > ABUSE_REASON_MAX:
        raise ProposalError(_("Please describe the problem in at most 1000 characters."))
    if (proposal is None) == (comment is None):
        raise ProposalError(_("Please choose what you report."))
    with transaction.atomic():
        if comment is not None:
            Comment.objects.select_for_update().get(pk=comment.pk)
            target = {"comment": comment}
        else:
            Proposal.objects.select_for_update().get(pk=proposal.pk)
            target = {"proposal": proposal, "comment": None}
        if AbuseReport.objects.filter(
            reporter=user, outcome=AbuseReport.Outcome.OPEN, **target
        ).exists():
            raise ProposalError(_("You have already reported this. A moderator will look at it."))
        return AbuseReport.objects.create(reporter=user, reason=reason, **target)


def proposals_of(user) -> QuerySet[Proposal]:
    """ "Meine Vorschläge": the person's own, with their moderation state and reason."""
    return Proposal.objects.filter(author=user).select_related("municipality", "answer_unit")


# -- notifications ------------------------------------------------------------------------------
def _send(user, subject: str, body: str, unit: OrgUnit | None = None) -> bool:
    if user is None or not user.is_active:
        return False
    try:
        accounts.deliver_message(
            user, subject=subject, body=body, sender_unit=unit, kind=Message.Kind.NOTICE
        )
    except Exception:  # noqa: BLE001 - a delivery hiccup must not undo the moderation
        logger.exception("participation: message %r not delivered", subject)
        return False
    return True


def _link(proposal: Proposal) -> str:
    return _base_url() + reverse("participation:proposal", args=[proposal.public_id])


def _notify_moderation(proposal: Proposal) -> None:
    with translation.override("de"):
        facts = {"title": proposal.title, "id": proposal.public_id}
        if proposal.moderation == Moderation.PUBLISHED:
            subject = _("Your proposal is published")
            body = _(
                'Your proposal "%(title)s" (%(id)s) is now published. Others can support and '
                "comment on it:\n%(link)s"
            ) % {**facts, "link": _link(proposal)}
        else:
            subject = _("Your proposal was not published")
            body = _(
                'Your proposal "%(title)s" (%(id)s) is not published. The moderation team '
                "gives this reason:\n\n%(reason)s\n\nYou find it under My proposals:\n%(link)s"
            ) % {
                **facts,
                "reason": proposal.moderation_reason,
                "link": _base_url() + reverse("participation:my_proposals"),
            }
    _send(proposal.author, subject, body)


def _notify_comment_hidden(comment: Comment) -> None:
    with translation.override("de"):
        subject = _("Your comment was hidden")
        body = _(
            'Your comment on the proposal "%(title)s" was hidden. The moderation team gives '
            "this reason:\n\n%(reason)s"
        ) % {"title": comment.proposal.title, "reason": comment.moderation_reason}
    _send(comment.author, subject, body)


def notify_answer(proposal: Proposal) -> int:
    """The official answer goes to the author and every supporter (their mailbox; the
    mailbox mails them that something arrived). Supporters asked to be counted for it, so
    they hear the outcome too — one message each, nobody sees the others. Returns how many."""
    with translation.override("de"):
        subject = _("Official answer to the proposal %(id)s: %(status)s") % {
            "id": proposal.public_id,
            "status": proposal.get_status_display(),
        }
        body = _(
            'The county has answered the proposal "%(title)s".\n\nStatus: %(status)s\n'
            "Responsible: %(unit)s\n\n%(answer)s\n\nThe proposal and the answer:\n%(link)s"
        ) % {
            "title": proposal.title,
            "status": proposal.get_status_display(),
            "unit": proposal.answer_unit.name if proposal.answer_unit_id else "—",
            "answer": proposal.answer,
            "link": _link(proposal),
        }
    people = {proposal.author_id: proposal.author} if proposal.author_id else {}
    for item in Support.objects.filter(proposal=proposal).select_related("user"):
        people.setdefault(item.user_id, item.user)
    return sum(_send(user, subject, body, proposal.answer_unit) for user in people.values())


# -- moderators ---------------------------------------------------------------------------------
def _require_moderator(user) -> None:
    if not is_moderator(user):
        raise ProposalError(_("Only the proposal moderators may do this."))


def _moderated_event(proposal: Proposal) -> None:
    record_event(
        event_kinds.PARTICIPATION_PROPOSAL_MODERATED,
        subject=f"proposal:{proposal.public_id}",
        data={"moderation": proposal.moderation},
    )


def _close_reports(qs, moderator, outcome: str) -> None:
    qs.filter(outcome=AbuseReport.Outcome.OPEN).update(
        outcome=outcome, resolved_by=moderator, resolved_at=timezone.now()
    )


def publish(proposal: Proposal, moderator) -> Proposal:
    """Publish a waiting (or hidden) proposal; the author is told."""
    _require_moderator(moderator)
    with transaction.atomic():
        proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)
        if proposal.moderation == Moderation.PUBLISHED:
            raise ProposalError(_("This proposal is already published."))
        proposal.moderation = Moderation.PUBLISHED
        proposal.moderation_reason = ""
        proposal.moderated_by = moderator
        proposal.save(
            update_fields=["moderation", "moderation_reason", "moderated_by", "updated_at"]
        )
        _close_reports(proposal.abuse_reports.filter(comment=None), moderator, "kept")
        _moderated_event(proposal)
    _notify_moderation(proposal)
    return proposal


def hide(proposal: Proposal, moderator, reason: str) -> Proposal:
    """Hide a proposal (waiting or published) with a reason the author sees; open abuse
    reports about it are closed as "hidden"; the author is told."""
    _require_moderator(moderator)
    reason = reason.strip()
    if not reason:
        raise ProposalError(_("Please give the reason for hiding. The author will see it."))
    if len(reason) > REASON_MAX:
        raise ProposalError(_("Please give the reason in at most 500 characters."))
    with transaction.atomic():
        proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)
        if proposal.moderation == Moderation.HIDDEN:
            raise ProposalError(_("This proposal is already hidden."))
        proposal.moderation = Moderation.HIDDEN
        proposal.moderation_reason = reason
        proposal.moderated_by = moderator
        proposal.save(
            update_fields=["moderation", "moderation_reason", "moderated_by", "updated_at"]
        )
        _close_reports(proposal.abuse_reports.filter(comment=None), moderator, "hidden")
        _moderated_event(proposal)
    _notify_moderation(proposal)
    return proposal


def hide_comment(comment: Comment, moderator, reason: str) -> Comment:
    """Hide a comment with a reason (its author is told); its open reports close."""
    _require_moderator(moderator)
    reason = reason.strip()
    if not reason:
        raise ProposalError(_("Please give the reason for hiding. The author will see it."))
    if len(reason) > REASON_MAX:
        raise ProposalError(_("Please give the reason in at most 500 characters."))
    with transaction.atomic():
        comment = Comment.objects.select_for_update().select_related("proposal").get(pk=comment.pk)
        if comment.moderation == Moderation.HIDDEN:
            raise ProposalError(_("This comment is already hidden."))
        comment.moderation = Moderation.HIDDEN
        comment.moderation_reason = reason
        comment.save(update_fields=["moderation", "moderation_reason"])
        _close_reports(comment.abuse_reports.all(), moderator, "hidden")
    _notify_comment_hidden(comment)
    return comment


def keep(report: AbuseReport, moderator) -> AbuseReport:
    """Close an abuse report without hiding anything (nothing wrong found)."""
    _require_moderator(moderator)
    with transaction.atomic():
        report = AbuseReport.objects.select_for_update().get(pk=report.pk)
        if report.outcome != AbuseReport.Outcome.OPEN:
            raise ProposalError(_("This report is already closed."))
        report.outcome = AbuseReport.Outcome.KEPT
        report.resolved_by = moderator
        report.resolved_at = timezone.now()
        report.save(update_fields=["outcome", "resolved_by", "resolved_at"])
    return report


def open_reports() -> QuerySet[AbuseReport]:
    return AbuseReport.objects.filter(outcome=AbuseReport.Outcome.OPEN).select_related(
        "proposal", "comment__proposal"
    )


def answer(
    proposal: Proposal,
    moderator,
    *,
    status: str,
    text: str,
    unit: OrgUnit | None,
    circle: str = "",
) -> Proposal:
    """The county's official answer: a status (under review, accepted, rejected — with the
    reason in the text —, implemented), the text, the responsible unit, and optionally the
    Gestaltungskreis it is taken into. Author and supporters are told (notify_answer)."""
    _require_moderator(moderator)
    text, circle = text.strip(), circle.strip()
    if status not in (Status.UNDER_REVIEW, Status.ACCEPTED, Status.REJECTED, Status.IMPLEMENTED):
        raise ProposalError(_("Please choose the status of the answer."))
    if status == Status.REJECTED and not text:
        raise ProposalError(_("Please give the reason for the rejection in the answer."))
    if len(text) > TEXT_MAX or len(circle) > 200:
        raise ProposalError(_("The answer is too long."))
    with transaction.atomic():
        proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)
        if proposal.moderation != Moderation.PUBLISHED:
            raise ProposalError(_("Only a published proposal can be answered."))
        proposal.status = status
        proposal.answer = text
        proposal.answer_unit = unit
        proposal.circle = circle
        proposal.answered_at = timezone.now()
        proposal.answered_by = moderator
        proposal.save(
            update_fields=[
                "status",
                "answer",
                "answer_unit",
                "circle",
                "answered_at",
                "answered_by",
                "updated_at",
            ]
        )
        record_event(
            event_kinds.PARTICIPATION_PROPOSAL_ANSWERED,
            subject=f"proposal:{proposal.public_id}",
            data={"status": status, "unit": unit.key if unit else ""},
        )
    notify_answer(proposal)
    return proposal


# -- retention ----------------------------------------------------------------------------------
def purge_hidden(days: int | None = None, *, now: dt.datetime | None = None) -> int:
    """Delete proposals hidden more than `days` ago (default: the county's setting) with
    their photos, comments, supports and reports. Returns how many."""
    days = purge_days() if days is None else days
    cutoff = (now or timezone.now()) - dt.timedelta(days=days)
    old = Proposal.objects.filter(moderation=Moderation.HIDDEN, updated_at__lt=cutoff)
    count = 0
    for proposal in old.iterator():
        if proposal.photo:
            proposal.photo.delete(save=False)
        proposal.delete()
        count += 1
    return count
