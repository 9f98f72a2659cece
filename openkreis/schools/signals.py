"""The schools app listens to the event log (core.Event, append-only, written in the same
transaction as the case change): a decided case that came from a driving school sends the
school its test-order notice. No lower app has to know about driving schools."""

from __future__ import annotations

from openkreis.cases.models import Case
from openkreis.core import event_kinds

from . import services


def event_saved(sender, instance, created, **kwargs) -> None:
    if not created or instance.kind != event_kinds.CASE_DECIDED:
        return
    data = instance.data or {}
    if data.get("channel") != Case.Channel.DRIVING_SCHOOL or data.get("source"):
        return  # another channel's case, or an imported process log
    subject = instance.subject or ""
    if not subject.startswith("case:") or not subject[5:].isdigit():
        return
    services.on_case_decided(int(subject[5:]))
