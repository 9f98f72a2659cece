"""What the tests of the cockpit's pages share: a small log of Bauanträge, folded."""

import datetime as dt

import pytest
from django.utils import timezone

from openkreis.cockpit import aggregates

from ..factories import case_event, other_events


@pytest.fixture
def log(harz):
    """12 decided Bauanträge (lead 2..13 days) and 3 open ones (one overdue), received in
    the last 60 days, plus portal and feedback events."""
    now = timezone.now()
    for n in range(12):
        received = now - dt.timedelta(days=40 - n)
        target = (received + dt.timedelta(days=10)).isoformat()
        case_event(
            100 + n, "received", received, "new", "queue", target_at=target, complete=n % 3 != 0
        )
        case_event(100 + n, "assigned", received + dt.timedelta(days=1), "work", "work")
        case_event(
            100 + n,
            "decided",
            received + dt.timedelta(days=2 + n),
            "decided",
            "done",
            outcome="granted",
        )
    for n in range(3):
        received = now - dt.timedelta(days=20 - n)
        case_event(
            200 + n,
            "received",
            received,
            "new",
            "queue",
            channel="paper",
            target_at=(received + dt.timedelta(days=5 + 20 * n)).isoformat(),
        )
    for _ in range(5):
        other_events(now - dt.timedelta(days=3))
    aggregates.refresh()
