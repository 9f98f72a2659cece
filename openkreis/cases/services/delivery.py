"""Letters to the applicant on their way: asynchronous, retried, visible.

`schedule_delivery` writes a `Delivery` row in the transaction of the case change (so an
acknowledged decision is never without its letter, even if the process dies), and queues
`tasks.deliver` after commit. `perform_delivery` claims the row, sends the letter through
the first channel that accepts the case (`openkreis.cases.delivery`), and records the
result; a failure is retried with growing pauses by `retry_due_deliveries` (Celery beat,
every minute) until `MAX_ATTEMPTS`, then the case page asks staff to send it another way.
Every attempt's outcome also goes into the audit trail (`delivery.sent` / `delivery.failed`).
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import delivery as port
from ..models import Case, Delivery, Document, DocumentRequest
from .audit import audit
from .common import CaseError

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
STALE_SENDING = dt.timedelta(minutes=15)  # a worker that died mid-send: try again after this
Status = Delivery.Status


def _queue(delivery_id: int) -> None:
    """Hand the letter to a worker. A broker that is down must not turn the committed case
    change into an error page: the row stays `pending` and the sweep queues it again."""
    from .. import tasks  # tasks import this package: resolved at call time, not import time

    try:
        tasks.deliver.delay(delivery_id)
    except Exception:  # broker unreachable (kombu raises several kinds)
        log.exception("delivery %s could not be queued; the sweep will retry", delivery_id)


def schedule_delivery(
    what: str,
    case: Case,
    *,
    document: Document | None = None,
    request: DocumentRequest | None = None,
) -> Delivery:
    """Record a letter for the applicant (call inside the case change's transaction) and
    send it after commit."""
    now = timezone.now()
    delivery = Delivery.objects.create(
        case=case,
        what=what,
        document=document,
        request=request,
        created_at=now,
        updated_at=now,
        next_attempt_at=now,
    )
    transaction.on_commit(lambda: _queue(delivery.pk))
    return delivery


def _backoff(attempts: int) -> dt.timedelta:
    return dt.timedelta(minutes=2**attempts)  # 2, 4, 8, 16 minutes


def perform_delivery(delivery_id: int) -> Delivery:
    """Send one letter now if it is due (idempotent: a letter that is sent, or being sent by
    another worker, is left alone). Never raises for a failing channel."""
    now = timezone.now()
    claimed = Delivery.objects.filter(
        pk=delivery_id, status__in=(Status.PENDING, Status.RETRY)
    ).update(status=Status.SENDING, attempts=F("attempts") + 1, updated_at=now)
    delivery = Delivery.objects.select_related(
        "case__service", "case__org_unit", "case__applicant_user", "document", "request"
    ).get(pk=delivery_id)
    if not claimed:
        return delivery
    case = delivery.case
    chosen = port.channel_for(case)
    if chosen is None:
        log.warning("case %s: applicant has neither account nor e-mail; post needed", case.pk)
        return _finish(delivery, Status.POST, channel="post")
    channel_id, channel = chosen
    try:
        channel.send(case, port.compose(delivery, channel))
    except Exception as exc:  # any transport error (SMTP down, mailbox unavailable)
        log.exception("delivery %s (%s) of case %s failed", delivery.pk, delivery.what, case.pk)
        return _failed(delivery, channel_id, str(exc)[:300])
    return _finish(delivery, Status.SENT, channel=channel_id)


def _finish(delivery: Delivery, status: str, *, channel: str) -> Delivery:
    now = timezone.now()
    Delivery.objects.filter(pk=delivery.pk).update(
        status=status, channel=channel, sent_at=now, updated_at=now, next_attempt_at=None
    )
    audit("delivery.sent", case=delivery.case, detail={"what": delivery.what, "channel": channel})
    delivery.refresh_from_db()
    return delivery


def _failed(delivery: Delivery, channel: str, error: str) -> Delivery:
    now = timezone.now()
    final = delivery.attempts >= MAX_ATTEMPTS
    Delivery.objects.filter(pk=delivery.pk).update(
        status=Status.FAILED if final else Status.RETRY,
        channel=channel,
        last_error=error,
        updated_at=now,
        next_attempt_at=None if final else now + _backoff(delivery.attempts),
    )
    audit("delivery.failed", case=delivery.case, detail={"what": delivery.what, "error": error})
    delivery.refresh_from_db()
    return delivery


def retry_due_deliveries(now: dt.datetime | None = None) -> int:
    """Queue the letters whose retry is due, and those a dead worker left half-sent."""
    now = now or timezone.now()
    Delivery.objects.filter(status=Status.SENDING, updated_at__lt=now - STALE_SENDING).update(
        status=Status.RETRY, next_attempt_at=now, updated_at=now
    )
    due = Delivery.objects.filter(
        Q(status=Status.PENDING, created_at__lt=now - dt.timedelta(minutes=1))
        | Q(status=Status.RETRY, next_attempt_at__lte=now)
    ).values_list("pk", flat=True)
    ids = list(due[:500])
    for pk in ids:
        _queue(pk)
    return len(ids)


def retry_delivery(delivery: Delivery, *, actor) -> Delivery:
    """Staff send a failed letter again (after fixing the address, or the mail server)."""
    with transaction.atomic():
        updated = Delivery.objects.filter(pk=delivery.pk, status=Status.FAILED).update(
            status=Status.RETRY, attempts=0, next_attempt_at=timezone.now()
        )
        if not updated:
            raise CaseError(_("Only a failed letter can be sent again."))
        audit("delivery.retry", actor=actor, case=delivery.case, detail={"what": delivery.what})
        transaction.on_commit(lambda: _queue(delivery.pk))
    delivery.refresh_from_db()
    return delivery


def deliveries_of(case: Case) -> list[Delivery]:
    """The letters of a case for its page, newest first."""
    return list(case.deliveries.all()[:20])


def delivery_channel_label(case: Case) -> str:
    """How a letter would reach the applicant now (for the decision preview)."""
    chosen = port.channel_for(case)
    return str(chosen[1].label) if chosen else _("by post (no account and no e-mail address)")
