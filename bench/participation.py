"""Beteiligung benchmark (issue 20): votes with one-time codes through gunicorn, and the
results page of a large survey.

Run by hand: `.venv/bin/python bench/participation.py` (PostgreSQL, default
postgresql://postgres@127.0.0.1:5432). It
1. creates its own database `openkreis_bench_participation`, migrates it and loads Landkreis
   Harz (`--reuse` keeps an existing one and its results survey),
2. (a) makes a fresh CODES survey (single choice, multiple choice, scale) with --votes codes
   and serves the database with gunicorn (production settings, the helpers of
   bench/submit.py). --clients concurrent clients (threads, keep-alive, their own cookies
   and CSRF token) each take codes from a shared queue and POST the questionnaire with the
   code and answers; half of the clients send the same code once more after their first
   answer (as after a lost response). Printed: acknowledged votes (303), refusals (409),
   errors, double votes (ballots − used codes, and ballots − acknowledged: both must be 0),
   the elapsed time against the goal of 20,000 votes in 10 minutes, votes per second next to
   a bare ORM insert of one ballot with three answers in a transaction (one thread): the ratio,
3. (b) the results page (`participation:results`, P3's URL) of a closed survey with
   --answers answers (default 100,000; 5 questions, bulk_create once): p50/p99 of one
   keep-alive client against p99 < 100 ms, next to /healthz through the same server.
With tiny numbers (`--votes 200 --answers 2000`) it is a functional check.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import os
import queue
import random
import re
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))

import submit  # noqa: E402 (the shared bench helpers)
from submit import Server, percentile  # noqa: E402
from submit import env as server_env  # noqa: E402

DB_NAME = "openkreis_bench_participation"
PORT = submit.PORT = 8756  # not another benchmark's port
VOTE_KEY = "bench-abstimmung"
RESULTS_KEY = "bench-ergebnisse"
GOAL_SECONDS = 600
GOAL_VOTES = 20_000
GOAL_P99_MS = 100


def env(admin_url: str) -> dict:
    return {
        **server_env(f"{admin_url}/{DB_NAME}"),
        "OPENKREIS_ALLOWED_HOSTS": "testserver,127.0.0.1,localhost",
        "OPENKREIS_LOG_LEVEL": "ERROR",
        "OPENKREIS_TENANT": "harz",
    }


def prepare_database(admin_url: str, reuse: bool) -> bool:
    import psycopg

    with psycopg.connect(admin_url + "/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DB_NAME]).fetchone()
        if not (reuse and exists):
            conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{DB_NAME}"')
    os.environ.update(env(admin_url))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("collectstatic", "--noinput", verbosity=0)
    from openkreis.core.models import Region

    if not Region.objects.filter(kind="county").exists():  # new, or an earlier run broke off
        call_command("load_tenant", str(ROOT / "tenants" / "harz"), "--no-pages", verbosity=0)
    return bool(reuse and exists)


def _fresh_survey(key: str, name: str, opens: dt.timedelta, closes: dt.timedelta):
    """A published CODES survey of the county (an old one with the key is deleted)."""
    from django.utils import timezone

    from openkreis.core.models import OrgUnit, Region
    from openkreis.participation.models import Survey

    Survey.objects.filter(key=key).delete()
    county = Region.objects.filter(kind="county").first()
    now = timezone.now()
    return Survey.objects.create(
        key=key,
        unit=OrgUnit.objects.filter(organisation__region=county).order_by("id").first(),
        region=county,
        name=name,
        audience=Survey.Audience.CODES,
        status=Survey.Status.PUBLISHED,
        opens_at=now + opens,
        closes_at=now + closes,
        results_public=True,
    )


def _questions(survey):
    from openkreis.participation.models import Option, Question

    specs = [
        ("single", "Nutzen Sie den Bus?", ["ja", "nein", "selten"]),
        ("multiple", "Womit sind Sie unterwegs?", ["bus", "bahn", "rad", "auto"]),
        ("scale", "Wie zufrieden sind Sie?", []),
        ("single", "Wie oft fahren Sie?", ["taeglich", "woechentlich", "nie"]),
        ("scale", "Wie wichtig ist Ihnen der Takt?", []),
    ]
    made = []
    for position, (kind, name, options) in enumerate(specs):
        q = Question.objects.create(survey=survey, position=position, kind=kind, name=name)
        for i, key in enumerate(options):
            Option.objects.create(question=q, position=i, key=key, name=key.title())
        made.append(q)
    return made


def make_vote_survey(votes: int) -> tuple:
    """A fresh CODES survey with `votes` codes; returns (survey, codes, form fields)."""

    from openkreis.participation import voting
    from openkreis.participation.models import ParticipationCode

    survey = _fresh_survey(
        VOTE_KEY, "Bench: Abstimmung mit Codes", dt.timedelta(hours=-1), dt.timedelta(days=1)
    )
    questions = _questions(survey)[:3]
    codes = [voting.new_code() for _ in range(votes)]
    ParticipationCode.objects.bulk_create(
        (ParticipationCode(survey=survey, code_hash=voting.code_hash(c)) for c in codes),
        batch_size=2000,
    )
    single, multiple, scale = questions
    fields = {
        "single": (f"q{single.id}", [str(o.id) for o in single.options.all()]),
        "multiple": (f"q{multiple.id}", [str(o.id) for o in multiple.options.all()]),
        "scale": (f"q{scale.id}", [str(v) for v in range(scale.scale_min, scale.scale_max + 1)]),
    }
    return survey, codes, fields


def make_results_survey(answers: int) -> tuple:
    """A closed survey with about `answers` answers (5 per ballot), made once."""

    from openkreis.core.models import Region
    from openkreis.participation import voting
    from openkreis.participation.models import Answer, Ballot, Survey

    survey = Survey.objects.filter(key=RESULTS_KEY).first()
    if survey is not None and Answer.objects.filter(ballot__survey=survey).count() >= answers:
        return survey, Answer.objects.filter(ballot__survey=survey).count()
    survey = _fresh_survey(
        RESULTS_KEY, "Bench: Ergebnisse", dt.timedelta(days=-30), dt.timedelta(days=-1)
    )
    questions = _questions(survey)
    municipalities = list(Region.objects.filter(kind="municipality").values_list("id", flat=True))
    rng = random.Random(20)
    options = {q.id: list(q.options.all()) for q in questions}
    ballots_wanted = answers // 6 + 1  # the multiple choice gives about two answers
    made = 0
    for start in range(0, ballots_wanted, 2000):
        ballots = [
            Ballot(
                survey=survey,
                receipt=voting.new_receipt(),
                municipality_id=rng.choice(municipalities) if municipalities else None,
            )
            for _ in range(min(2000, ballots_wanted - start))
        ]
        Ballot.objects.bulk_create(ballots)
        rows = []
        for ballot in ballots:
            for q in questions:
                if q.kind == "scale":
                    rows.append(Answer(ballot=ballot, question=q, number=rng.randint(1, 5)))
                elif q.kind == "multiple":
                    for option in rng.sample(options[q.id], 2):
                        rows.append(Answer(ballot=ballot, question=q, option=option))
                else:
                    rows.append(Answer(ballot=ballot, question=q, option=rng.choice(options[q.id])))
        Answer.objects.bulk_create(rows, batch_size=5000)
        made += len(rows)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE participation_ballot")
        cursor.execute("VACUUM ANALYZE participation_answer")
    return survey, made


# -- the voting clients ---------------------------------------------------------------------------
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class Voter(threading.Thread):
    def __init__(self, codes: queue.Queue, fields: dict, retry: bool, seed: int, stats: dict):
        super().__init__(daemon=True)
        self.codes, self.fields, self.retry, self.stats = codes, fields, retry, stats
        self.rng = random.Random(seed)
        self.cookies: dict[str, str] = {}
        self.conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=60)
        self.timings: list[float] = []
        self.token = ""

    def request(self, method, path, body=None):
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        for attempt in range(2):
            try:
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                data = response.read()
                break
            except (OSError, http.client.HTTPException):
                self.conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=60)
                if attempt:
                    raise
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
        return response.status, data

    def body(self, code: str) -> str:
        single, multiple, scale = (
            self.fields["single"],
            self.fields["multiple"],
            self.fields["scale"],
        )
        pairs = [
            ("csrfmiddlewaretoken", self.token),
            ("code", code),
            (single[0], self.rng.choice(single[1])),
            (scale[0], self.rng.choice(scale[1])),
        ]
        pairs += [(multiple[0], v) for v in self.rng.sample(multiple[1], 2)]
        return urlencode(pairs)

    def run(self):
        path = f"/beteiligung/umfragen/{VOTE_KEY}/"
        status, page = self.request("GET", path)
        match = TOKEN.search(page.decode())
        if status != 200 or not match:
            self.stats["errors"].append(f"survey page {status}")
            return
        self.token = match.group(1)
        while True:
            try:
                code = self.codes.get_nowait()
            except queue.Empty:
                return
            body = self.body(code)
            t0 = time.perf_counter()
            try:
                status, data = self.request("POST", path + "fragen/", body)
            except (OSError, http.client.HTTPException) as exc:
                self.stats["errors"].append(repr(exc))
                continue
            self.timings.append((time.perf_counter() - t0) * 1000)
            self.count(status, data)
            if status == 303 and self.retry:
                # as if the answer got lost: the same code and answers once more
                status, data = self.request("POST", path + "fragen/", body)
                self.count(status, data, retry=True)

    def count(self, status, data, retry=False):
        with self.stats["lock"]:
            if retry:
                self.stats["retried"] += 1
            if status == 303:
                self.stats["acknowledged"] += 1
                if retry:
                    self.stats["double"] += 1  # a retried code was counted again
            elif status == 409 and (b"schon benutzt" in data or b"already used" in data):
                self.stats["refused"] += 1
            else:
                self.stats["errors"].append(f"{status}")


def run_votes(codes: list[str], fields: dict, clients: int) -> dict:
    todo: queue.Queue = queue.Queue()
    for code in codes:
        todo.put(code)
    stats = {
        "lock": threading.Lock(),
        "acknowledged": 0,
        "refused": 0,
        "double": 0,
        "retried": 0,
        "errors": [],
    }
    voters = [Voter(todo, fields, retry=i % 2 == 0, seed=i, stats=stats) for i in range(clients)]
    started = time.perf_counter()
    for voter in voters:
        voter.start()
    for voter in voters:
        voter.join()
    stats["seconds"] = time.perf_counter() - started
    timings = [t for v in voters for t in v.timings]
    stats["p50"], stats["p99"] = percentile(timings, 50), percentile(timings, 99)
    return stats


def bare_vote_rate(fields_survey, seconds: float) -> float:
    """One ballot with three answers in a transaction (ORM, one thread): the floor of a vote."""
    from django.db import transaction

    from openkreis.participation import voting
    from openkreis.participation.models import Answer, Ballot

    questions = list(fields_survey.questions.order_by("position"))
    option = questions[0].options.first()
    n, started = 0, time.perf_counter()
    made = []
    while time.perf_counter() - started < seconds:
        with transaction.atomic():
            ballot = Ballot.objects.create(survey=fields_survey, receipt=voting.new_receipt())
            Answer.objects.bulk_create(
                [
                    Answer(ballot=ballot, question=questions[0], option=option),
                    Answer(
                        ballot=ballot, question=questions[1], option=questions[1].options.first()
                    ),
                    Answer(ballot=ballot, question=questions[2], number=3),
                ]
            )
        made.append(ballot.pk)
        n += 1
    rate = n / (time.perf_counter() - started)
    Ballot.objects.filter(pk__in=made).delete()
    return rate


def http_timed(paths: list[str], rounds: int) -> dict:
    """One keep-alive client, the paths in turn: latency without queueing."""
    conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=60)
    for path in paths:
        conn.request("GET", path)
        conn.getresponse().read()
    timings, errors = [], 0
    for i in range(rounds):
        t0 = time.perf_counter()
        conn.request("GET", paths[i % len(paths)])
        response = conn.getresponse()
        response.read()
        timings.append((time.perf_counter() - t0) * 1000)
        errors += response.status != 200
    conn.close()
    return {
        "p50": percentile(timings, 50),
        "p99": percentile(timings, 99),
        "n": rounds,
        "errors": errors,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432")
    parser.add_argument("--votes", type=int, default=GOAL_VOTES)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--answers", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=300, help="requests to the results page")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--reuse", action="store_true", help="keep an existing bench database")
    args = parser.parse_args()

    print("database …", flush=True)
    reused = prepare_database(args.pg, args.reuse)
    print(f"  {'reused' if reused else 'made'}; making {args.votes:,} codes …", flush=True)
    survey, codes, fields = make_vote_survey(args.votes)
    print(f"results survey with {args.answers:,} answers …", flush=True)
    results_survey, answers = make_results_survey(args.answers)

    from django.urls import NoReverseMatch, reverse

    from openkreis.participation.models import Ballot, ParticipationCode

    try:
        results_path = reverse("participation:results", args=[results_survey.key])
    except NoReverseMatch:
        results_path = ""

    os.environ["PYTHONPATH"] = str(ROOT)  # gunicorn imports this checkout's code
    server = Server(f"{args.pg}/{DB_NAME}", args.workers, args.threads)
    server.start()
    try:
        print(f"voting: {args.votes:,} codes, {args.clients} clients …", flush=True)
        votes = run_votes(codes, fields, args.clients)
        health = http_timed(["/healthz"], args.rounds)
        results = http_timed([results_path], args.rounds) if results_path else None
    finally:
        server.stop()
    ballots = Ballot.objects.filter(survey=survey).count()
    used = ParticipationCode.objects.filter(survey=survey, used=True).count()
    bare = bare_vote_rate(survey, 5)

    print(
        f"\nBeteiligung benchmark — PostgreSQL; gunicorn {args.workers} workers × {args.threads} "
        f"threads, production settings; {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}; "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}\n"
    )
    print("| figure | value | goal / peer | verdict |")
    print("| --- | --- | --- | --- |")
    rate = votes["acknowledged"] / votes["seconds"] if votes["seconds"] else 0.0
    double = (ballots - used) + (ballots - votes["acknowledged"]) + votes["double"]
    all_counted = (
        votes["acknowledged"] == args.votes
        and votes["refused"] == votes["retried"]
        and not votes["errors"]
    )
    print(
        f"| {args.votes:,} votes with codes, {args.clients} clients (half of them send every "
        f"acknowledged code a second time: {votes['retried']:,} retries): acknowledged / "
        f"refused retries / errors "
        f"| {votes['acknowledged']:,} / {votes['refused']:,} / {len(votes['errors'])} "
        f"| every code once, every retry refused "
        f"| {'met' if all_counted else 'MISSED'} |"
    )
    print(
        f"| double votes: ballots {ballots:,} − used codes {used:,}; ballots − acknowledged; "
        f"retries counted | {ballots - used} ; {ballots - votes['acknowledged']} ; "
        f"{votes['double']} | 0 | {'met' if double == 0 else 'MISSED'} |"
    )
    print(
        f"| elapsed for {args.votes:,} votes (p50 / p99 per POST "
        f"{votes['p50']:.0f} / {votes['p99']:.0f} ms) | {votes['seconds']:.1f} s "
        f"({rate:.1f} votes/s; {GOAL_VOTES:,} would take {GOAL_VOTES / rate if rate else 0:.0f} s) "
        f"| {GOAL_VOTES:,} in {GOAL_SECONDS} s | "
        f"{'met' if rate and GOAL_VOTES / rate <= GOAL_SECONDS else 'MISSED'} |"
    )
    print(
        f"| votes/s through gunicorn vs a bare ballot insert (ORM, 1 thread) | {rate:.1f}/s "
        f"| {bare:.0f}/s | {rate / bare:.1%} |"
    )
    print(
        f"| /healthz via gunicorn p50 / p99 | {health['p50']:.1f} / {health['p99']:.1f} ms "
        f"| (the floor of a request) | – |"
    )
    if results is None:
        print(
            f"| results page ({answers:,} answers) | not built yet | p99 < {GOAL_P99_MS} ms | – |"
        )
    else:
        print(
            f"| results page p50 / p99 ({answers:,} answers, {results['n']} requests, "
            f"{results['errors']} errors) | {results['p50']:.1f} / {results['p99']:.1f} ms "
            f"| p99 < {GOAL_P99_MS} ms | "
            f"{'met' if results['p99'] < GOAL_P99_MS and not results['errors'] else 'MISSED'} |"
        )
    if votes["errors"]:
        print("errors (first 5):", votes["errors"][:5])


if __name__ == "__main__":
    main()
