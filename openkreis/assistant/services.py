"""Public functions of the assistant: log a turn for the cockpit (no personal data), keep
unanswered questions scrubbed, hand a question over to a person, delete after retention."""

from __future__ import annotations

import datetime as dt
import uuid

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from openkreis.cases import services as cases
from openkreis.cases.models import Case
from openkreis.catalog.models import Service
from openkreis.core import event_kinds
from openkreis.core import services as core
from openkreis.core.models import Event, OrgUnit, Tenant

from . import config
from .dialogue import Reply
from .models import UnansweredQuestion
from .scrub import scrub


class HandoverError(Exception):
    """The question could not be handed over (message in the user's language)."""


def record_turn(tenant: Tenant, reply: Reply, text: str) -> None:
    """The cockpit's event (intent, service, answered: never the words) and, for an
    unanswered question, its scrubbed text for the content team."""
    with transaction.atomic():
        core.record_event(
            event_kinds.ASSISTANT_ANSWERED,
            data={"intent": reply.intent, "service": reply.service, "answered": reply.answered},
            tenant=tenant.slug,
        )
        if not reply.answered:
            cleaned = scrub(text)
            if cleaned.strip():
                UnansweredQuestion.objects.create(
                    tenant=tenant, text=cleaned, intent=reply.intent, service=reply.service
                )


def central_unit() -> OrgUnit:
    key = config.current().central_unit
    unit = OrgUnit.objects.filter(key=key).first()
    if unit is None:
        raise HandoverError(_("Handing over is not set up. Please call the county."))
    return unit


def hand_over(
    *,
    tenant: Tenant,
    service: Service,
    question: str,
    name: str,
    email: str = "",
    user=None,
    consent: bool,
    idempotency_key: str = "",
) -> Case:
    """Open a case at the county's central service unit with the citizen's question.

    Only with explicit consent. The answer reaches the citizen through the case's delivery
    channels: their mailbox when logged in, else e-mail (cases.delivery)."""
    if not consent:
        raise HandoverError(_("We can only pass on your question with your consent."))
    question = " ".join((question or "").split())
    if not question:
        raise HandoverError(_("Please write your question."))
    if user is None and not email:
        raise HandoverError(_("Please give an e-mail address for the answer."))
    unit = central_unit()
    applicant = cases.Applicant(
        name=name.strip() or (user.get_full_name() if user else ""),
        email=email or (getattr(user, "email", "") or ""),
        user=user,
    )
    if not applicant.name:
        raise HandoverError(_("Please give your name."))
    with transaction.atomic():
        case = cases.open_case(
            service=service,
            channel=Case.Channel.ONLINE,
            applicant=applicant,
            org_unit=unit,
            data={"assistant_question": question[:2000], "source": "assistant"},
            idempotency_key=idempotency_key or f"assistant-{uuid.uuid4()}",
            complete=True,
        )
        core.record_event(
            event_kinds.ASSISTANT_HANDED_OVER,
            subject=case.subject,
            data={"service": service.slug, "unit": unit.key, "mailbox": user is not None},
            tenant=tenant.slug,
        )
    return case


def purge(now: dt.datetime | None = None, dry_run: bool = False) -> int:
    """Delete unanswered questions older than the county's retention time."""
    days = config.current().retention_days
    limit = (now or timezone.now()) - dt.timedelta(days=days)
    old = UnansweredQuestion.objects.filter(asked_at__lt=limit)
    if dry_run:
        return old.count()
    return old.delete()[0]


def frequent_intents(tenant: Tenant, days: int = 30) -> list[dict]:
    """Intents of the last `days` days with counts and the share answered, most asked first."""
    since = timezone.now() - dt.timedelta(days=days)
    rows: dict[str, dict] = {}
    from_log = Event.objects.filter(
        kind=event_kinds.ASSISTANT_ANSWERED, tenant=tenant.slug, occurred_at__gte=since
    ).values_list("data", flat=True)
    for data in from_log.iterator(chunk_size=2000):
        intent = str((data or {}).get("intent", ""))[:20]
        row = rows.setdefault(intent, {"intent": intent, "count": 0, "answered": 0})
        row["count"] += 1
        row["answered"] += 1 if (data or {}).get("answered") else 0
    return sorted(rows.values(), key=lambda r: (-r["count"], r["intent"]))
