"""Online submission benchmark: applications with a document through the real HTTP stack.

Run by hand (`.venv/bin/python bench/submit.py`; needs PostgreSQL, default
postgresql://postgres@127.0.0.1:5432, and Redis on 127.0.0.1:6379). It
1. creates its own database `openkreis_bench_submit`, migrates it, loads Landkreis Harz
   with the demo data (which loads the form definitions) and creates 50 citizen accounts,
2. serves it with gunicorn and the production settings, and starts a Celery worker (with
   beat) on Redis: sending is acknowledged when the sent application is committed, the
   worker opens the case afterwards (docs/scaling.md, "Submissions at peak"),
3. phase "steady": 50 concurrent users each log in and apply again and again for a service
   with the generic form (5 pages, one PDF upload, check page, submit, receipt) for
   --seconds; reports complete applications/s, p50/p99 of the submit request and of all
   requests, and how long the worker needed to open every case,
4. phase "peak": every user has a filled draft and presses "send" at the same moment, in
   --peak-drafts rounds (the last hour before a deadline; a citizen has one draft per service,
   so each round fills a new one, untimed): submissions/s over the sends and the submit p99,
5. phase "crash": the steady load while the whole gunicorn process group and the Celery
   worker are killed with SIGKILL (web, worker, both at once) and restarted; clients retry
   failed requests (the submit with the same idempotency key, as a browser retry would).
   After the outbox drained it counts acknowledged submissions (the client saw the
   receipt) against applications and cases in the database: lost = acknowledged without
   a case, duplicated = more than one case for one application.

Each figure is printed beside its goal and the ratio; the load average is printed too.
"""

from __future__ import annotations

import argparse
import collections
import functools
import http.client
import os
import re
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PORT = 8741
BROKER = "redis://127.0.0.1:6379/10"
# A request is retried (dropped connection, 5xx) for about two minutes at most: a server
# restarted by the crash phase answers again within seconds, a dead one stops the bench.
RETRIES = 480
# The shared cache of this bench's servers: Redis as in production (README; sessions are
# then read from it and written to it and the database), or "database" for production's
# fallback, the cache table, with sessions in the database alone (--cache).
# None (the other benches that import `env`): the caller's own REDIS_URL, if any.
CACHE_DEFAULT = "redis://127.0.0.1:6379/12"
CACHE: list[str | None] = [None]
SECRET = "bench-" + "s" * 60
PASSWORD = "Bench-Passwort-2026!"  # noqa: S105 (bench accounts in a throwaway database)
SERVICE = "sperrmuell"  # an online service that uses the generic form
# Online services with the generic form (same pages): the draft-only crash phase fills one
# draft per service and user and keeps them all, so every acknowledged save can be checked.
GENERIC_SERVICES = [
    "sperrmuell",
    "kfz-zulassung",
    "kfz-umschreibung",
    "kfz-ausserbetriebsetzung",
    "kfz-adressaenderung",
    "wunschkennzeichen",
    "schwertransport",
    "bodenrichtwert-auskunft",
    "liegenschaftskataster-auszug",
]


@functools.cache
def _pdf() -> bytes:
    """One scanned A4 page as a phone or a home scanner delivers it: greyscale JPEG at
    100 dpi, about 86 kB (bench/pdfsafe.py). Until 7 December a blank page that carried
    60 kB in its /Keywords string: nothing a citizen sends, and pypdf's check (on the form
    page and again in the worker) reads such a string byte by byte, 19.5 ms per check
    against 1.6 ms for the scan."""
    from pdfsafe import scanned_pdf  # bench/pdfsafe.py

    return scanned_pdf(1, dpi=100)


def env(database_url: str) -> dict:
    environ = dict(os.environ)
    if CACHE[0] == "database":
        environ.pop("REDIS_URL", None)
    elif CACHE[0]:
        environ["REDIS_URL"] = CACHE[0]
    return {
        **environ,
        "DJANGO_SETTINGS_MODULE": "openkreis.settings.production",
        "DATABASE_URL": database_url,
        "OPENKREIS_SECRET_KEY": SECRET,
        "OPENKREIS_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "OPENKREIS_SSL_REDIRECT": "0",
        "OPENKREIS_LOG_LEVEL": "WARNING",
        "OPENKREIS_MEDIA_ROOT": str(ROOT / "var" / "bench" / "media"),
        "CELERY_BROKER_URL": BROKER,
    }


def manage(database_url: str, *args: str) -> str:
    result = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        cwd=ROOT,
        env=env(database_url),
        check=True,
        capture_output=True,
        text=True,
    )
    return result.stdout


def prepare(admin_url: str, users: int) -> str:
    import psycopg

    name = "openkreis_bench_submit"
    with psycopg.connect(admin_url + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    url = f"{admin_url}/{name}"
    manage(url, "migrate", "--noinput", "-v0")
    manage(url, "collectstatic", "--noinput", "-v0")
    manage(url, "load_tenant", "harz", "--demo")
    code = (
        "from django.contrib.auth import get_user_model; "
        "from django.contrib.auth.hashers import make_password; "
        "from allauth.account.models import EmailAddress; "
        f"h = make_password({PASSWORD!r}); U = get_user_model(); "
        f"users = [U(username=f'bench{{i}}', email=f'bench{{i}}@example.org', password=h, "
        f"first_name='Bea', last_name=f'Bench{{i}}') for i in range({users})]; "
        "U.objects.bulk_create(users); "
        "EmailAddress.objects.bulk_create([EmailAddress(user=u, email=u.email, verified=True, "
        "primary=True) for u in U.objects.filter(username__startswith='bench')])"
    )
    manage(url, "shell", "-c", code)
    return url


class Server:
    def __init__(self, database_url: str, workers: int, threads: int):
        self.database_url, self.workers, self.threads = database_url, workers, threads
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        gunicorn = Path(sys.executable).with_name("gunicorn")
        self.process = subprocess.Popen(
            [
                str(gunicorn),
                "openkreis.wsgi:application",
                "-b",
                f"127.0.0.1:{PORT}",
                "--workers",
                str(self.workers),
                "--worker-class",
                "gthread",
                "--threads",
                str(self.threads),
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env(self.database_url),
            start_new_session=True,
        )
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=2)
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("gunicorn did not start")

    def kill(self) -> None:
        if self.process:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=30)


class Worker:
    """The Celery worker that opens the cases (prefork, `concurrency` processes, with beat
    for the outbox sweep), in its own process group so SIGKILL takes all of it."""

    def __init__(self, database_url: str, concurrency: int):
        self.database_url, self.concurrency = database_url, concurrency
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        schedule = ROOT / "var" / "bench" / "celerybeat-schedule"
        schedule.parent.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "openkreis",
                "worker",
                "-Q",
                "documents,celery",  # registration is routed to `documents` (settings)
                "-B",
                "-s",
                str(schedule),
                "--concurrency",
                str(self.concurrency),
                "--prefetch-multiplier",
                "4",
                "--loglevel",
                "warning",
                "--without-gossip",
                "--without-mingle",
            ],
            cwd=ROOT,
            env=env(self.database_url),
            start_new_session=True,
        )

    def kill(self) -> None:
        if self.process:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()


def journey_pages(username: str, n: int, marker: str) -> list[tuple[str, dict, dict]]:
    """The generic form's five pages as the bench fills them: (page key, fields, files).
    Shared with bench/submit_journey.py."""
    return [
        (
            "person",
            {
                "f-family_name": f"Bench{n}",
                "f-given_names": "Bea",
                "f-birth_date": "01.02.1980",
            },
            {},
        ),
        (
            "kontakt",
            {
                "f-address-street": "Markt 1",
                "f-address-postcode": "38820",
                "f-address-city": "Halberstadt",
                "f-email": f"{username}@example.org",
            },
            {},
        ),
        (
            "anliegen",
            {"f-request": marker},
            {},
        ),
        ("unterlagen", {}, {"f-attachments": ("foto.pdf", _pdf())}),
        ("erklaerung", {"f-truthful": "1"}, {}),
    ]


class Client:
    """One citizen with a keep-alive connection, a cookie jar and CSRF handling."""

    def __init__(self, username: str, retry: bool):
        self.username, self.retry = username, retry
        self.cookies: dict[str, str] = {}
        self.conn: http.client.HTTPConnection | None = None
        self.timings: list[tuple[str, float]] = []

    def _send(self, method, path, body=None, content_type=None):
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        if content_type:
            headers["Content-Type"] = content_type
        if method == "POST":
            headers["X-CSRFToken"] = self.cookies.get("csrftoken", "")
            headers["Referer"] = f"http://127.0.0.1:{PORT}{path}"
        if self.conn is None:
            self.conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=60)
        self.conn.request(method, path, body=body, headers=headers)
        response = self.conn.getresponse()
        data = response.read()
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
        return response.status, response.getheader("Location") or "", data

    def request(self, label, method, path, fields=None, files=None):
        """Send; on a dropped connection or 5xx, retry the very same request (if allowed)."""
        body, content_type = None, None
        if method == "POST":
            body, content_type = multipart(fields or {}, files or {})
        for _attempt in range(RETRIES):
            started = time.perf_counter()
            try:
                status, location, data = self._send(method, path, body, content_type)
            except (OSError, http.client.HTTPException):
                self.conn = None
                if not self.retry:
                    raise
                time.sleep(0.25)
                continue
            if status >= 500 and self.retry:
                time.sleep(0.25)
                continue
            self.timings.append((label, time.perf_counter() - started))
            return status, location, data
        raise RuntimeError(f"{label}: no answer after {RETRIES} attempts (server down?)")

    def login(self):
        """Log in once; allauth limits logins per address, so wait and retry on 429."""
        for _attempt in range(60):
            self.request("login", "GET", "/konto/login/")
            status, _location, page = self.request(
                "login", "POST", "/konto/login/", {"login": self.username, "password": PASSWORD}
            )
            if status == 302:
                self.timings.clear()
                return
            limited = status == 429 or (status == 200 and b"Zu viele gescheiterte" in page)
            if not limited:  # a wrong password or an unknown account: no retry helps
                raise RuntimeError(f"login failed for {self.username}: {status}")
            time.sleep(2)
        raise RuntimeError(f"login rate-limited for {self.username}")

    def apply(self, n: int, mode: str = "submit", service: str = SERVICE) -> dict:
        """One application. mode: submit (the whole way), draft-delete (up to the check page,
        then delete the draft), draft-keep (up to the check page, keep the draft), prepare
        (up to the check page; returns what `send` needs)."""
        marker = f"Bitte holen Sie meinen Sperrmüll ab (Auftrag {self.username}-{n})."
        status, location, _ = self.request("start", "POST", f"/antrag/{service}/")
        if status != 302:
            raise RuntimeError(f"start: {status}")
        if "/konto/login/" in location:  # the session is gone: every attempt would end here
            raise RuntimeError("start: not logged in (sent to the login page)")
        match = re.search(r"/antrag/a/([0-9a-f-]{36})/", location)
        if match is None:
            raise RuntimeError(f"start: redirected to {location!r}")
        base = f"/antrag/a/{match.group(1)}"
        pages = journey_pages(self.username, n, marker)
        for key, fields, files in pages:
            status, location, data = self.request(
                "page", "POST", f"{base}/seite/{key}/", fields, files
            )
            if status != 302:
                raise RuntimeError(f"page {key}: {status} {data[:300]!r}")
        status, _, data = self.request("check", "GET", f"{base}/pruefen/")
        if mode == "prepare":
            key = re.search(rb'name="idempotency_key" value="([0-9a-f-]{36})"', data)
            return {"application": match.group(1), "base": base, "key": key.group(1).decode()}
        if mode != "submit":
            if status != 200 or marker.encode() not in data:
                raise RuntimeError(f"check page without the answers: {status}")
            if mode == "draft-delete":
                self.request("delete", "POST", f"{base}/loeschen/")
            return {"application": match.group(1), "marker": marker, "file_number": ""}
        key = re.search(rb'name="idempotency_key" value="([0-9a-f-]{36})"', data)
        if key is None:  # a retried earlier step may already have sent it
            raise RuntimeError("no submit form on the check page")
        return self.send({"application": match.group(1), "base": base, "key": key.group(1)})

    def send(self, draft: dict) -> dict:
        """Press "send" on a filled draft and read the receipt (the acknowledgement)."""
        key = draft["key"]
        key = key.decode() if isinstance(key, bytes) else key
        status, location, _ = self.request(
            "submit", "POST", f"{draft['base']}/absenden/", {"idempotency_key": key}
        )
        if status != 302 or "bestaetigung" not in location:
            raise RuntimeError(f"submit: {status} {location}")
        status, _, data = self.request("receipt", "GET", location)
        if status != 200:
            raise RuntimeError(f"receipt: {status}")
        number = re.search(rb'class="file-number">([^<]+)<', data)
        return {
            "application": draft["application"],
            "file_number": number.group(1).decode() if number else "",
        }


def multipart(fields: dict, files: dict) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        parts.append(
            f"--{boundary}\r\nContent-Disposition: form-data; "
            f'name="{name}"\r\n\r\n{value}\r\n'.encode()
        )
    for name, (filename, content) in files.items():
        parts.append(
            f"--{boundary}\r\nContent-Disposition: form-data; "
            f'name="{name}"; filename="{filename}"\r\n'
            f"Content-Type: application/pdf\r\n\r\n".encode()
            + content
            + b"\r\n"
        )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def log_in_all(users: int) -> list[Client]:
    """The 50 citizens log in before the clock starts (sessions survive server restarts).
    allauth lets 30 logins a minute through from one address, so this takes a minute; a
    citizen still refused after the retries stops the bench (a client without a session
    would fail every attempt and the figures would count the wrong load)."""
    clients = [Client(f"bench{i}", retry=True) for i in range(users)]
    refused: dict[str, str] = {}

    def log_in(client: Client) -> None:
        try:
            client.login()
        except Exception as exc:  # noqa: BLE001 - reported below
            refused[client.username] = str(exc)

    threads = [threading.Thread(target=log_in, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if refused:
        raise SystemExit(f"{len(refused)} of {users} citizens could not log in: {refused}")
    return clients


def error_kinds(errors: list[str]) -> list[tuple[str, int]]:
    """The errors by kind (the citizen's name and numbers left out), most frequent first."""
    return collections.Counter(
        re.sub(r"\d+", "N", re.sub(r"[0-9a-f]{8}-[0-9a-f-]{27}", "UUID", e)) for e in errors
    ).most_common()


def run_load(
    clients: list[Client], seconds: float, retry: bool, on_tick=None, mode: str = "submit"
) -> tuple[list[dict], list, list]:
    acknowledged: list[dict] = []
    errors: list[str] = []
    for client in clients:
        client.retry, client.timings, client.conn = retry, [], None
    stop_at = time.time() + seconds
    lock = threading.Lock()

    def work(client: Client, index: int):
        n = 0
        while time.time() < stop_at:
            if mode == "draft-keep" and n >= len(GENERIC_SERVICES):
                break
            service = GENERIC_SERVICES[n] if mode == "draft-keep" else SERVICE
            try:
                receipt = client.apply(index * 100_000 + n, mode, service)
            except Exception as exc:  # noqa: BLE001 - reported below
                errors.append(f"{client.username}: {exc}")
                time.sleep(0.2)
                continue
            with lock:
                acknowledged.append(receipt)
            n += 1

    threads = [threading.Thread(target=work, args=(c, i)) for i, c in enumerate(clients)]
    for t in threads:
        t.start()
    if on_tick:
        on_tick()
    for t in threads:
        t.join()
    timings = [t for c in clients for t in c.timings]
    return acknowledged, timings, errors


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def sql(database_url: str, query: str, params=()) -> list[tuple]:
    import psycopg

    with psycopg.connect(database_url, autocommit=True) as conn:
        cursor = conn.execute(query, params)
        return cursor.fetchall() if cursor.description else []


def healthz_rate(clients: int, seconds: float) -> tuple[float, list[str]]:
    """The ceiling of the same run: `clients` threads of this process fetching /healthz
    (gunicorn and Django's middleware, no database, no session) on keep-alive connections
    for `seconds`: (answers 200 per second, errors). The clients share the two cores with
    the server, as the bench's citizens do."""
    stop = time.time() + seconds
    counts = [0] * clients
    errors: list[str] = []

    def fetch(index: int) -> None:
        client = Client(f"healthz{index}", retry=False)
        while time.time() < stop:
            try:
                status = client.request("healthz", "GET", "/healthz")[0]
            except (OSError, http.client.HTTPException) as exc:
                errors.append(f"healthz: {exc!r}")
                client.conn = None
                continue
            if status == 200:
                counts[index] += 1
            else:
                errors.append(f"healthz: {status}")

    threads = [threading.Thread(target=fetch, args=(i,)) for i in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(counts) / (time.perf_counter() - started), errors


def pending(database_url: str) -> int:
    """Sent applications without a case yet (the outbox)."""
    return sql(
        database_url,
        "SELECT count(*) FROM forms_application WHERE status = 'submitted' AND case_id IS NULL",
    )[0][0]


def wait_drained(database_url: str, timeout: float) -> float:
    """Seconds until every sent application has its case (or the timeout)."""
    started = time.time()
    while time.time() - started < timeout:
        if pending(database_url) == 0:
            return time.time() - started
        time.sleep(0.5)
    return float("nan")


def count_in_database(database_url: str) -> dict:
    """Sent applications, their cases, and what would be lost or duplicated."""
    rows = sql(
        database_url,
        "SELECT a.public_id::text, a.status, a.case_id, a.registration_error "
        "FROM forms_application a WHERE a.status IN ('submitted', 'draft')",
    )
    cases = sql(
        database_url,
        "SELECT count(*), count(DISTINCT idempotency_key) FROM cases_case "
        "WHERE channel = 'online' AND idempotency_key IS NOT NULL",
    )[0]
    shared = sql(
        database_url,
        "SELECT count(*) FROM (SELECT case_id FROM forms_application WHERE case_id IS NOT NULL "
        "GROUP BY case_id HAVING count(*) > 1) t",
    )[0][0]
    return {
        "applications": {r[0]: (r[1], r[2], r[3]) for r in rows},
        "submitted": sum(1 for r in rows if r[1] == "submitted"),
        "with_case": sum(1 for r in rows if r[1] == "submitted" and r[2] is not None),
        "returned": sum(1 for r in rows if r[1] == "draft" and r[3]),
        "cases": cases[0],
        "distinct_keys": cases[1],
        "shared_cases": shared,
    }


def run_peak(clients: list[Client], rounds: int) -> tuple[int, float, list, list]:
    """`rounds` times: every user fills a draft (not timed), then all press "send" at the
    same moment, as fast as the server answers: (acknowledged, seconds of the sends,
    timings, errors). A citizen has one draft per service (starting again continues it), so
    each round sends one new application per user; only the sends are timed."""
    errors: list[str] = []
    acked: list = []
    timings: list = []
    elapsed = 0.0
    for client in clients:
        # the steady phase left keep-alive connections the server has closed since: a write
        # on one fails before the server saw the request (broken pipe), so retry it
        client.conn, client.retry = None, True
    for round_ in range(rounds):
        drafts: dict[str, dict] = {}

        def fill(client: Client, index: int, round_=round_, drafts=drafts):
            try:
                drafts[client.username] = client.apply(index * 100_000 + 50_000 + round_, "prepare")
            except Exception as exc:  # noqa: BLE001 - reported below
                errors.append(f"{client.username}: {exc}")

        threads = [threading.Thread(target=fill, args=(c, i)) for i, c in enumerate(clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        for client in clients:
            client.timings = []
        barrier = threading.Barrier(len(clients) + 1)

        def send(client: Client, barrier=barrier, drafts=drafts):
            barrier.wait()
            draft = drafts.get(client.username)
            if draft is None:
                return
            try:
                acked.append(client.send(draft))
            except Exception as exc:  # noqa: BLE001 - reported below
                errors.append(f"{client.username}: {exc}")

        threads = [threading.Thread(target=send, args=(c,)) for c in clients]
        for t in threads:
            t.start()
        barrier.wait()
        started = time.perf_counter()
        for t in threads:
            t.join()
        elapsed += time.perf_counter() - started
        timings += [t for c in clients for t in c.timings]
    return len(acked), elapsed, timings, errors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=30)
    # 2 cores: 3 gunicorn processes (one per core and one to cover I/O waits) with threads
    # for the waits on PostgreSQL; the Celery worker gets 2 processes beside them.
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--celery", type=int, default=2, help="Celery worker processes")
    parser.add_argument(
        "--peak-drafts", type=int, default=6, help="peak rounds: one new draft per user each"
    )
    parser.add_argument("--drain", type=float, default=300, help="max s to wait for cases")
    parser.add_argument(
        "--reuse-db", action="store_true", help="keep openkreis_bench_submit of an earlier run"
    )
    parser.add_argument(
        "--cache",
        default=CACHE_DEFAULT,
        help="REDIS_URL of the shared cache, as in production (README; this Redis database is "
        "emptied at the start); 'database' for the fallback cache table",
    )
    args = parser.parse_args()
    CACHE[0] = args.cache

    import redis

    redis.Redis.from_url(BROKER).flushdb()
    if args.cache != "database":
        redis.Redis.from_url(args.cache).flushdb()  # no login limits of an earlier run
    if args.reuse_db:  # the database of an earlier run (its accounts and county data)
        url = f"{args.pg}/openkreis_bench_submit"
        manage(url, "migrate", "--noinput", "-v0")
        # drafts an interrupted run left behind would be resumed (with their uploads)
        sql(url, "UPDATE forms_application SET status = 'abandoned' WHERE status = 'draft'")
        if args.cache == "database":  # login limits of an earlier run
            sql(url, "DELETE FROM openkreis_cache")
    else:
        print(f"preparing database, {args.users} accounts …", flush=True)
        url = prepare(args.pg, args.users)
    server = Server(url, args.workers, args.threads)
    worker = Worker(url, args.celery)
    server.start()
    worker.start()
    try:
        print(f"{args.users} citizens log in …", flush=True)
        clients = log_in_all(args.users)  # a minute: every process is up and warm after it
        print(f"ceiling: {args.users} clients on /healthz for 5 s …", flush=True)
        healthz, healthz_errors = healthz_rate(args.users, 5)
        print(f"steady: {args.users} users for {args.seconds:.0f} s …", flush=True)
        load_before = os.getloadavg()
        started = time.time()
        acked, timings, errors = run_load(clients, args.seconds, retry=False, mode="submit")
        elapsed = time.time() - started
        backlog = pending(url)
        drain_steady = wait_drained(url, args.drain)
        registered_in = time.time() - started
        load_steady = os.getloadavg()
        print(
            f"peak: {args.users} users send a filled draft at once, {args.peak_drafts} rounds …",
            flush=True,
        )
        peak_n, peak_s, peak_timings, peak_errors = run_peak(clients, args.peak_drafts)
        wait_drained(url, args.drain)
        load_peak = os.getloadavg()
        print(
            "crash: same load; gunicorn, the worker and both SIGKILLed and restarted …", flush=True
        )
        before = count_in_database(url)
        kills: list[str] = []
        started2 = time.time()

        def killer():
            plan = (
                (args.seconds * 0.2, "web", (server,)),
                (args.seconds * 0.4, "worker", (worker,)),
                (args.seconds * 0.65, "web+worker", (server, worker)),
            )
            for at, what, victims in plan:
                time.sleep(max(0, started2 + at - time.time()))
                for victim in victims:
                    victim.kill()
                kills.append(f"{what} at {time.time() - started2:.1f} s")
                time.sleep(0.5)
                for victim in victims:
                    victim.start()

        thread = threading.Thread(target=killer)
        acked2, _timings2, errors2 = run_load(
            clients, args.seconds, retry=True, on_tick=thread.start, mode="submit"
        )
        thread.join()
        drain_crash = wait_drained(url, args.drain)
        after = count_in_database(url)
    finally:
        server.stop()
        worker.stop()

    def ms(values, label: str | None, p: float) -> float:
        chosen = [d for lab, d in values if label is None or lab == label]
        return percentile(chosen, p) * 1000

    rate = len(acked) / elapsed
    submit_p99 = ms(timings, "submit", 99)
    peak_rate = peak_n / peak_s if peak_s else 0.0
    peak_p99 = ms(peak_timings, "submit", 99)
    known = after["applications"]
    lost = [
        a["application"]
        for a in acked2
        if known.get(a["application"], ("", None, ""))[0] != "submitted"
        or known.get(a["application"], ("", None, ""))[1] is None
    ]
    new_apps = after["with_case"] - before["with_case"]
    new_cases = after["cases"] - before["cases"]
    duplicated = (
        max(0, new_cases - new_apps)
        + after["shared_cases"]
        + (after["cases"] - after["distinct_keys"])
    )

    def row(phase, figure, value, goal="", ok=None):
        mark = "" if ok is None else (" ✓" if ok else " ✗")
        return (phase, figure, value, goal + mark)

    rows = [
        row(
            "steady",
            "applications sent (5 pages, 86 kB scanned PDF upload, check page, submit, receipt)",
            f"{len(acked)} in {elapsed:.0f} s = {rate:.1f}/s",
            f"≥ 100/s (ratio {rate / 100:.2f})",
            rate >= 100,
        ),
        row(
            "steady",
            "HTTP requests per second (all steps)",
            f"{len(timings) / elapsed:.0f}",
            f"/healthz {healthz:.0f} (ratio {len(timings) / elapsed / max(healthz, 1e-9):.2f}"
            f"; {len(healthz_errors)} errors)",
        ),
    ]
    for label in ("page", "check", "submit", "receipt"):
        rows.append(
            row(
                "steady",
                f"{label} request p50 / p99",
                f"{ms(timings, label, 50):.0f} ms / {ms(timings, label, 99):.0f} ms",
                f"p99 < 500 ms (ratio {submit_p99 / 500:.2f})" if label == "submit" else "",
                submit_p99 < 500 if label == "submit" else None,
            )
        )
    rows += [
        row(
            "steady",
            "any request p50 / p99",
            f"{ms(timings, None, 50):.0f} ms / {ms(timings, None, 99):.0f} ms",
        ),
        row("steady", "failed applications", str(len(errors)), "0", not errors),
        row(
            "steady",
            "worker: outbox at the end of the load / drained after",
            f"{backlog} / {drain_steady:.1f} s (every case open {registered_in:.0f} s after start"
            f" = {len(acked) / registered_in:.1f} cases/s)",
        ),
        row(
            "peak",
            f"'send' at once by {args.users} users, {args.peak_drafts} rounds: {peak_n} sent",
            f"{peak_rate:.1f}/s in {peak_s:.1f} s",
            f"≥ 100/s (ratio {peak_rate / 100:.2f})",
            peak_rate >= 100,
        ),
        row(
            "peak",
            "submit p50 / p99",
            f"{ms(peak_timings, 'submit', 50):.0f} ms / {peak_p99:.0f} ms",
            f"p99 < 500 ms (ratio {peak_p99 / 500:.2f})",
            peak_p99 < 500,
        ),
        row("peak", "failed sends", str(len(peak_errors)), "0", not peak_errors),
        row("crash", "SIGKILLs (process groups)", "; ".join(kills)),
        row("crash", "acknowledged submissions (client saw the receipt)", str(len(acked2))),
        row("crash", "outbox drained after the load", f"{drain_crash:.1f} s"),
        row("crash", "new applications with a case / new cases", f"{new_apps} / {new_cases}"),
        row("crash", "sent back to the citizen (eAkte refused)", str(after["returned"])),
        row("crash", "lost (acknowledged, no case)", str(len(lost)), "0", not lost),
        row(
            "crash",
            "duplicated (more cases than applications)",
            str(duplicated),
            "0",
            duplicated == 0,
        ),
        row("crash", "client errors after retries", str(len(errors2))),
    ]
    print()
    print("| phase | figure | value | goal |")
    print("| --- | --- | --- | --- |")
    for r in rows:
        print("| " + " | ".join(r) + " |")
    for phase, phase_errors in (("steady", errors), ("peak", peak_errors), ("crash", errors2)):
        for kind, count in error_kinds(phase_errors)[:5]:
            print(f"  {phase} error ({count}x): {kind}")
    loads = "; ".join(
        f"{name} {a:.2f} {b:.2f} {c:.2f}"
        for name, (a, b, c) in (
            ("before", load_before),
            ("after steady", load_steady),
            ("after peak", load_peak),
        )
    )
    print(
        f"\nmachine: {os.cpu_count()} cores; load average (1/5/15 min) {loads}; gunicorn "
        f"{args.workers} workers x {args.threads} threads; Celery {args.celery} processes; "
        f"PostgreSQL; Redis broker; cache {args.cache}; {time.strftime('%Y-%m-%d %H:%M')}"
    )


if __name__ == "__main__":
    main()
