"""The proof table: conversations with the expected service and answer facts, checked
against the catalogue (used by tests/test_conversations.py and bench/assistant_conversations.py).

A turn in `tests/conversations.yaml`:

    - say: "Was kostet ein Wunschkennzeichen?"
      service: wunschkennzeichen      # the service the answer is about ("" = none)
      intent: costs                   # optional
      expect: [fees, online_link]     # facts that must be in the answer, from the catalogue
      options: [slug, …]              # asked back: these services must be offered

Expectations name catalogue fields, never literal answer text, so the table stays true
when the county edits its catalogue and the German wording of the assistant changes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml
from django.utils import translation

from openkreis.catalog import services as catalog
from openkreis.catalog.models import Service
from openkreis.core.models import Region, Tenant

from . import dialogue

TABLE = Path(__file__).parent / "tests" / "conversations.yaml"


@dataclass
class Result:
    conversation: str
    turns: int = 0
    failures: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures


def load_table(path: Path = TABLE) -> list[dict]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))["conversations"]


def _check(tenant: Tenant, turn: dict, reply: dialogue.Reply, state: dict) -> list[str]:
    problems = []
    text = reply.text()
    urls = {link.url for link in reply.links}
    kinds = {link.kind for link in reply.links}
    if "service" in turn and reply.service != (turn["service"] or ""):
        problems.append(f"service {reply.service!r}, expected {turn['service']!r}")
    if "intent" in turn and reply.intent != turn["intent"]:
        problems.append(f"intent {reply.intent!r}, expected {turn['intent']!r}")
    for slug in turn.get("options", []):
        if slug not in (state.get("pending") or {}).get("options", []):
            problems.append(f"{slug} not offered")
    service = Service.objects.filter(tenant=tenant, slug=reply.service).first()
    for fact in turn.get("expect", []):
        problem = _fact(tenant, fact, service, reply, text, urls, kinds, state)
        if problem:
            problems.append(problem)
    return problems


def _fact(tenant, fact, service, reply, text, urls, kinds, state) -> str:  # noqa: C901, PLR0911, PLR0912
    if fact == "ask_place":
        return (
            ""
            if (state.get("pending") or {}).get("kind") == "place"
            else "no question for the place"
        )
    if fact == "ask_service":
        return (
            ""
            if (state.get("pending") or {}).get("kind") == "service"
            else "no question which service"
        )
    if fact == "report_link":
        return "" if "report" in kinds else "no defect-reporter link"
    if fact == "handover":
        return "" if reply.offer_handover else "no handover offered"
    if fact == "unanswered":
        return "" if not reply.answered else "answered, expected 'I don't know'"
    if service is None:
        return f"{fact}: no service"
    if dialogue.service_url(service) not in urls:
        return "no link to the service page"
    if fact == "fees":
        return "" if service.fees and service.fees in text else "fee text missing"
    if fact == "no_fees":
        return (
            ""
            if (service.fees not in text or not service.fees) and not reply.answered
            else "a fee was stated"
        )
    if fact == "documents":
        missing = [d for d in service.documents if d not in text]
        return "" if service.documents and not missing else f"documents missing: {missing[:2]}"
    if fact == "processing_time":
        ok = service.processing_time and service.processing_time in text
        return "" if ok else "processing time missing"
    if fact == "summary":
        return "" if service.summary in text else "summary missing"
    if fact == "online_link":
        url = dialogue.apply_url(service)
        return "" if url and url in urls else "no online application link"
    if fact == "no_online":
        return (
            ""
            if "apply" not in kinds and not dialogue.apply_url(service)
            else "online link offered"
        )
    if fact == "booking":
        url = dialogue.booking_url(service)
        return "" if url and url in urls else "no booking link"
    if fact == "no_booking":
        return "" if "appointment" not in kinds else "booking link offered"
    if fact == "external":
        ok = service.is_external and service.external_url in urls
        return "" if ok else "other authority not named"
    if fact in ("unit", "address", "hours"):
        region = Region.objects.filter(ars=state.get("region") or "").first()
        answer = catalog.resolve_competence(service, region or tenant.region)
        if answer is None:
            return "no competence in the catalogue"
        if fact == "unit":
            return "" if answer.org_unit.name in text else f"unit {answer.org_unit.name} missing"
        location = answer.location
        if location is None:
            return "no location in the catalogue"
        if fact == "address":
            return "" if location.street in text and location.city in text else "address missing"
        hours = list(location.opening_hours.all())
        if not hours and not location.hours_note:
            return "" if not reply.answered else "hours stated without data"
        ok = all(f"{h.opens:%H:%M}" in text for h in hours) and location.hours_note in text
        return "" if ok else "opening hours missing"
    return f"unknown expectation {fact!r}"


def run(tenant: Tenant, table: list[dict] | None = None, language: str = "de") -> list[Result]:
    """Play every conversation; one Result per conversation (ok when every turn is)."""
    results = []
    with translation.override(language):
        for conversation in table if table is not None else load_table():
            result = Result(conversation["id"])
            state = None
            for number, turn in enumerate(conversation["turns"], start=1):
                reply, state = dialogue.respond(tenant, state, turn["say"])
                result.turns += 1
                for problem in _check(tenant, turn, reply, state):
                    result.failures.append(f"turn {number} {turn['say']!r}: {problem}")
            results.append(result)
    return results


def share_correct(results: list[Result]) -> float:
    return sum(r.ok for r in results) / len(results) if results else 0.0
