"""Event logs shaped like the public logs managers import (generated, deterministic):

- `bpic2012_xes`: like BPI Challenge 2012 (a Dutch bank's loan applications): traces with
  case attributes (REG_DATE, AMOUNT_REQ), events with concept:name, lifecycle:transition,
  time:timestamp (milliseconds, +01:00/+02:00 offsets) and org:resource; A_* (application)
  and O_* (offer) events complete only, W_* (work items) with SCHEDULE/START/COMPLETE.
- `permit_csv`: like the Dutch municipalities' building-permit logs (BPIC 2015), as CSV
  with Dutch activity names, comma-separated, ISO times with offset.
- `truncated`: any file cut off in the middle (a download that broke off).

The running example of van der Aalst is a fixed file: fixtures/running-example.xes."""

from __future__ import annotations

import datetime as dt
import gzip
import random
from pathlib import Path
from xml.sax.saxutils import quoteattr

FIXTURES = Path(__file__).parent / "fixtures"
AMS = dt.timezone(dt.timedelta(hours=1))


def running_example() -> bytes:
    return (FIXTURES / "running-example.xes").read_bytes()


def _xes_time(at: dt.datetime) -> str:
    return at.isoformat(timespec="milliseconds")


def bpic2012_traces(cases: int = 120, seed: int = 2012) -> list[tuple[str, dict, list]]:
    """[(case id, case attributes, [(activity, lifecycle, time, resource)])]."""
    rng = random.Random(seed)
    out = []
    start = dt.datetime(2011, 10, 1, 0, 38, 44, 546000, tzinfo=AMS)
    for n in range(cases):
        case = str(173688 + 3 * n)
        t = start + dt.timedelta(minutes=rng.uniform(0, 60 * 24 * 150))
        events = []

        def add(activity, lifecycle="COMPLETE", minutes=(0.01, 2.0), resource="112", events=events):
            nonlocal t
            t = t + dt.timedelta(minutes=rng.uniform(*minutes))
            t = t.replace(microsecond=t.microsecond // 1000 * 1000)  # XES: milliseconds
            events.append((activity, lifecycle, t, resource))

        add("A_SUBMITTED")
        add("A_PARTLYSUBMITTED")
        if rng.random() < 0.2:
            add("A_DECLINED", minutes=(0.1, 30))
        else:
            add("A_PREACCEPTED")
            add("W_Afhandelen leads", "SCHEDULE")
            clerk = str(rng.choice([10862, 10912, 11049, 11201]))
            add("W_Afhandelen leads", "START", (5, 60 * 20), clerk)
            add("W_Afhandelen leads", "COMPLETE", (1, 30), clerk)
            add("A_ACCEPTED", minutes=(0.1, 1), resource=clerk)
            add("O_SELECTED", minutes=(0.1, 5), resource=clerk)
            add("A_FINALIZED", resource=clerk)
            add("O_CREATED", resource=clerk)
            add("O_SENT", resource=clerk)
            add("W_Completeren aanvraag", "SCHEDULE", resource=clerk)
            rounds = 1 + (rng.random() < 0.3)
            for _ in range(rounds):
                add("W_Completeren aanvraag", "START", (60, 60 * 24 * 6), clerk)
                add("W_Completeren aanvraag", "COMPLETE", (2, 40), clerk)
                add("W_Nabellen offertes", "START", (60 * 24, 60 * 24 * 8), clerk)
                add("W_Nabellen offertes", "COMPLETE", (1, 20), clerk)
            add("O_SENT_BACK", minutes=(60, 60 * 24 * 5), resource=clerk)
            add("W_Valideren aanvraag", "START", (60, 60 * 24 * 3), "10629")
            if rng.random() < 0.6:
                add("A_APPROVED", minutes=(5, 60 * 30), resource="10629")
                add("A_REGISTERED", resource="10629")
                add("A_ACTIVATED", resource="10629")
                add("O_ACCEPTED", resource="10629")
            elif rng.random() < 0.7:
                add("A_DECLINED", minutes=(5, 60 * 30), resource="10629")
                add("O_DECLINED", resource="10629")
            else:
                add("A_CANCELLED", minutes=(5, 60 * 24 * 20), resource="10629")
                add("O_CANCELLED", resource="10629")
            add("W_Valideren aanvraag", "COMPLETE", (0.1, 5), "10629")
        attrs = {"REG_DATE": _xes_time(events[0][2]), "AMOUNT_REQ": str(rng.choice([5000, 20000]))}
        out.append((case, attrs, events))
    return out


def bpic2012_xes(cases: int = 120, seed: int = 2012) -> bytes:
    lines = [
        '<?xml version="1.0" encoding="UTF-8" ?>',
        '<log xes.version="1.0" xes.features="nested-attributes" '
        'openxes.version="1.0RC7" xmlns="http://www.xes-standard.org/">',
        '<extension name="Lifecycle" prefix="lifecycle" '
        'uri="http://www.xes-standard.org/lifecycle.xesext"/>',
        '<extension name="Time" prefix="time" uri="http://www.xes-standard.org/time.xesext"/>',
        '<global scope="event"><string key="concept:name" value="__INVALID__"/>'
        '<string key="lifecycle:transition" value="complete"/></global>',
        '<string key="concept:name" value="financial_log.xes.gz"/>',
    ]
    for case, attrs, events in bpic2012_traces(cases, seed):
        lines.append("<trace>")
        lines.append(f'\t<date key="REG_DATE" value="{attrs["REG_DATE"]}"/>')
        lines.append(f'\t<string key="concept:name" value="{case}"/>')
        lines.append(f'\t<string key="AMOUNT_REQ" value="{attrs["AMOUNT_REQ"]}"/>')
        for activity, lifecycle, at, resource in events:
            lines.append("\t<event>")
            lines.append(f'\t\t<string key="org:resource" value="{resource}"/>')
            lines.append(f'\t\t<string key="lifecycle:transition" value="{lifecycle}"/>')
            lines.append(f'\t\t<string key="concept:name" value={quoteattr(activity)}/>')
            lines.append(f'\t\t<date key="time:timestamp" value="{_xes_time(at)}"/>')
            lines.append("\t</event>")
        lines.append("</trace>")
    lines.append("</log>")
    return ("\n".join(lines) + "\n").encode()


PERMIT_START = "registratie datum binnenkomst aanvraag"
PERMIT_REQUEST = "verzoek om aanvullende gegevens"
PERMIT_END = "besluit verzonden"


def permit_rows(cases: int = 80, seed: int = 2015) -> list[list[str]]:
    """[case, activity, time (ISO, +01:00/+02:00), resource, municipality]."""
    rng = random.Random(seed)
    rows = []
    for n in range(cases):
        case = str(2600000 + 17 * n)
        t = dt.datetime(2011, 1, 3, 9, tzinfo=AMS) + dt.timedelta(days=rng.uniform(0, 500))
        steps = [("aanvraag ontvangen", (0, 0))]
        steps.append((PERMIT_START, (0.0, 0.3)))
        steps.append(("beoordelen volledigheid", (1, 10)))
        if rng.random() < 0.35:
            steps.append((PERMIT_REQUEST, (0.5, 5)))
            steps.append(("aanvullende gegevens ontvangen", (3, 40)))
        steps.append(("toetsen bestemmingsplan", (2, 30)))
        if rng.random() < 0.85:
            steps.append(("besluit genomen", (5, 60)))
            steps.append((PERMIT_END, (0.01, 3)))
            steps.append(("zaak gearchiveerd", (1, 20)))
        for activity, (lo, hi) in steps:
            t = t + dt.timedelta(days=rng.uniform(lo, hi))
            local = t.astimezone(dt.timezone(dt.timedelta(hours=2 if 4 <= t.month <= 9 else 1)))
            rows.append(
                [case, activity, local.isoformat(timespec="seconds"), str(560000 + n % 7), "GM1"]
            )
    rng.shuffle(rows)  # exports are not always ordered by case
    return rows


def permit_csv(cases: int = 80, seed: int = 2015, bad_rows: int = 0) -> bytes:
    header = "case:concept:name,concept:name,time:timestamp,org:resource,case:municipality\n"
    rows = permit_rows(cases, seed)
    body = [",".join(r) for r in rows]
    for i in range(bad_rows):  # rows an export garbled
        body.insert(3 + 7 * i, f"{2600000 + i},{PERMIT_START},31-02-2011 kapot,560000,GM1")
    return (header + "\n".join(body) + "\n").encode()


def truncated(content: bytes, share: float = 0.6) -> bytes:
    """The first `share` of a file, cut in the middle of a line."""
    return content[: int(len(content) * share)]


def gz(content: bytes) -> bytes:
    return gzip.compress(content, mtime=0)
