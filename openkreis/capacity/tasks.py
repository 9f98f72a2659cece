"""Celery tasks of the Kapazitätsfinder (thin: they call services), run by beat (settings
CELERY_BEAT_SCHEDULE): `expire_offers` hourly, `remind_offers` hourly, `purge_kita_data`
daily, `refresh_calendar_feeds` hourly. Without Celery: `manage.py purge_kita_data` from
cron."""

from celery import shared_task

from . import feeds, notify, retention, services


@shared_task
def expire_offers() -> int:
    """Offers past their answer deadline expire; the places go to the next round."""
    return services.expire_offers()


@shared_task
def remind_offers() -> int:
    """Parents whose offer deadline is near are reminded (capacity/notify.py)."""
    return notify.remind_offers()


@shared_task
def purge_kita_data() -> dict:
    """Children, applications, offers and alerts past the retention time go; so do doctor
    slots that passed (unbooked ones at once, booked ones with the bookings' names and
    e-mail addresses after the practice's retention time) and old waiting-list entries."""
    return {**retention.purge(), **retention.purge_providers()}


@shared_task
def refresh_calendar_feeds() -> dict:
    """The practices' and rooms' subscribed iCalendar feeds (capacity/feeds.py)."""
    return feeds.refresh_all()
