"""Messages of the Kapazitätsfinder to parents (mailbox and e-mail): offers, reminders, expiry,
acceptance, free places for an alert. Called by services.py (after commit) and the staff pages
(docs/capacity.md, "Eltern-Portal").

Every message goes into the parent's mailbox (`accounts.services.deliver_message`); the mailbox
tells them by e-mail that something arrived, never with the content. German: the language of
the county's texts. A failing delivery is logged and never undoes the change that caused it.
"""

from __future__ import annotations

import datetime as dt
import logging
from urllib.parse import urlencode

from django.conf import settings
from django.db.models import Q, Sum
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from openkreis.accounts import services as accounts
from openkreis.accounts.models import Message

from .models import FreePlaces, Offer, PlaceAlert

logger = logging.getLogger(__name__)

REMIND_DAYS = 2  # the reminder goes out when an offer's deadline is this close
ALERT_INTERVAL = dt.timedelta(days=1)  # an alert mails at most once a day


def _base_url() -> str:
    return str(getattr(settings, "WAGTAILADMIN_BASE_URL", "")).rstrip("/")


def _deadline(offer: Offer) -> str:
    return timezone.localtime(offer.deadline).strftime("%d.%m.%Y, %H:%M")


def _send(user, subject: str, body: str) -> bool:
    try:
        accounts.deliver_message(user, subject=subject, body=body, kind=Message.Kind.NOTICE)
    except Exception:  # noqa: BLE001 - a delivery hiccup must not undo the change
        logger.exception("capacity: message %r not delivered", subject)
        return False
    return True


def _offer_facts(offer: Offer) -> dict:
    return {
        "child": offer.application.child.first_name,
        "kita": offer.group.kita.name,
        "group": offer.group.get_age_group_display(),
        "month": offer.month.strftime("%m/%Y"),
        "deadline": _deadline(offer),
        "link": _base_url() + reverse("capacity:parents_offer", args=[offer.pk]),
        "home": _base_url() + reverse("capacity:parents_home"),
    }


def _offers(offers) -> list[Offer]:
    pks = [o.pk for o in offers]
    return list(
        Offer.objects.filter(pk__in=pks).select_related("application__child__parent", "group__kita")
    )


def offer_made(offer: Offer) -> bool:
    """A round offered a place: Kita, start month, the deadline and the link to answer."""
    with translation.override("de"):
        facts = _offer_facts(offer)
        subject = _("Kita place offered for %(child)s (offer %(id)s)") % {
            "child": facts["child"],
            "id": offer.pk,
        }
        body = (
            _(
                "Hello,\n\nthere is a Kita place for %(child)s: %(kita)s, %(group)s, from "
                "%(month)s.\n\nPlease accept or decline the offer by %(deadline)s. Without an "
                "answer the offer expires and the place goes to the next round.\n\n"
                "The offer, and why better wishes could not be met: %(link)s\n"
            )
            % facts
        )
        return _send(offer.application.child.parent, subject, body)


def offers_made(offers) -> int:
    """`offer_made` for each new offer of a round (called after the round's commit)."""
    return sum(offer_made(o) for o in _offers(offers))


def _reminder_subject(offer: Offer) -> str:
    return _("Reminder: please answer the Kita offer %(id)s") % {"id": offer.pk}


def offer_reminder(offer: Offer) -> bool:
    with translation.override("de"):
        facts = _offer_facts(offer)
        body = (
            _(
                "Hello,\n\nthe offer of a Kita place for %(child)s (%(kita)s, from %(month)s) "
                "ends on %(deadline)s. Please accept or decline it before then; without an "
                "answer it expires.\n\n%(link)s\n"
            )
            % facts
        )
        return _send(offer.application.child.parent, _reminder_subject(offer), body)


def remind_offers(now=None) -> int:
    """The reminder for open offers whose deadline is less than two days away — once per
    offer (an offer already reminded in the parent's mailbox is skipped). For Celery beat;
    returns how many were reminded."""
    now = now or timezone.now()
    due = Offer.objects.filter(
        status=Offer.Status.OPEN,
        deadline__gt=now,
        deadline__lte=now + dt.timedelta(days=REMIND_DAYS),
    ).select_related("application__child__parent", "group__kita")
    sent = 0
    for offer in due:
        parent = offer.application.child.parent
        with translation.override("de"):
            subject = _reminder_subject(offer)
        if Message.objects.filter(owner=parent, subject=subject[:200]).exists():
            continue
        sent += offer_reminder(offer)
    return sent


def offer_expired(offer: Offer) -> bool:
    """The deadline passed without an answer: the application waits for the next round
    without this Kita."""
    offer = _offers([offer])[0]
    with translation.override("de"):
        facts = _offer_facts(offer)
        subject = _("Kita offer %(id)s has expired") % {"id": offer.pk}
        body = (
            _(
                "Hello,\n\nthe offer of a Kita place for %(child)s (%(kita)s, from %(month)s) was "
                "not answered by %(deadline)s and has expired. The place goes to the next "
                "round.\n\n"
                "Your application stays open for your other wishes and takes part in the next "
                "round. Your applications: %(home)s\n"
            )
            % facts
        )
        return _send(offer.application.child.parent, subject, body)


def offers_expired(offers) -> int:
    return sum(offer_expired(o) for o in _offers(offers))


def offer_accepted(offer: Offer) -> bool:
    """The confirmation: the place is taken, the application (and every other wish) closed."""
    offer = _offers([offer])[0]
    with translation.override("de"):
        facts = _offer_facts(offer)
        subject = _("Confirmation: Kita place for %(child)s accepted") % facts
        body = (
            _(
                "Hello,\n\nyou accepted the Kita place for %(child)s: %(kita)s, %(group)s, from "
                "%(month)s.\n\nThe application is now closed: your other wishes are no longer "
                "considered. The Kita will contact you about the care contract.\n\n%(link)s\n"
            )
            % facts
        )
        return _send(offer.application.child.parent, subject, body)


def places_freed(free_places: FreePlaces) -> int:
    """A Kita reported more free places (`FreePlaces` row, after commit): tell the parents
    whose PlaceAlert matches (age group; municipality if the alert names one) — at most once
    a day per alert, counts only, with a link to the search. Returns how many were told."""
    free_places = (
        FreePlaces.objects.select_related("group__kita__municipality")
        .filter(pk=free_places.pk)
        .first()
    )
    if free_places is None or free_places.free <= 0:
        return 0
    group = free_places.group
    now = timezone.now()
    alerts = (
        PlaceAlert.objects.filter(age_group=group.age_group)
        .filter(Q(municipality=None) | Q(municipality=group.kita.municipality_id))
        .filter(Q(last_sent_at=None) | Q(last_sent_at__lte=now - ALERT_INTERVAL))
        .select_related("user", "municipality")
    )
    from_month = timezone.localdate().replace(day=1)
    told = 0
    for alert in alerts:
        rows = FreePlaces.objects.filter(
            group__age_group=alert.age_group,
            group__kita__active=True,
            month__gte=from_month,
            free__gt=0,
        )
        if alert.municipality_id:
            rows = rows.filter(group__kita__municipality=alert.municipality_id)
        total = rows.aggregate(n=Sum("free"))["n"] or 0
        kitas = rows.values("group__kita").distinct().count()
        query = {"gruppe": alert.age_group, "ab": from_month.strftime("%Y-%m")}
        if alert.municipality_id:
            query["gemeinde"] = alert.municipality.ars
        with translation.override("de"):
            where = alert.municipality.name if alert.municipality_id else _("the county")
            subject = _("Free Kita places: %(group)s") % {"group": alert.get_age_group_display()}
            body = _(
                "Hello,\n\nKitas have reported free places. %(group)s in %(where)s: "
                "%(total)s free places at %(kitas)s Kitas at the moment.\n\n"
                "The free places: %(link)s\n\nTo get a place, apply in the Eltern-Portal: "
                "%(home)s\n\nYou get this message at most once a day because you asked to be "
                "told. You can switch it off there.\n"
            ) % {
                "group": alert.get_age_group_display(),
                "where": where,
                "total": total,
                "kitas": kitas,
                "link": _base_url() + reverse("capacity:free_places") + "?" + urlencode(query),
                "home": _base_url() + reverse("capacity:parents_home"),
            }
        if _send(alert.user, subject, body):
            PlaceAlert.objects.filter(pk=alert.pk).update(last_sent_at=now)
            told += 1
    return told
