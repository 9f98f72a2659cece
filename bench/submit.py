"""Online submission benchmark: applications with a document through the real HTTP stack.

Run by hand (`.venv/bin/python bench/submit.py`; needs PostgreSQL, default
postgresql://postgres@127.0.0.1:5432). It
1. creates its own database `openkreis_bench_submit`, migrates it, loads Landkreis Harz
   with the demo data (which loads the form definitions) and creates 50 citizen accounts,
2. serves it with gunicorn and the production settings,
3. phase "steady": 50 concurrent users each log in and apply again and again for a service
   with the generic form (5 pages, one PDF upload, check page, submit) for --seconds;
   reports complete applications/s and p50/p99 of the submit request and of all requests,
4. phase "crash": the same load while the whole gunicorn process group is killed with
   SIGKILL twice and restarted; clients retry failed requests (the submit with the same
   idempotency key, as a browser retry would). Afterwards it counts acknowledged
   submissions (the client saw the receipt) against applications and cases in the
   database: lost = acknowledged without a case, duplicated = more than one case for
   one application.
"""

from __future__ import annotations

import argparse
import http.client
import json
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
SECRET = "bench-" + "s" * 60
PASSWORD = "Bench-Passwort-2026!"  # noqa: S105 (bench accounts in a throwaway database)
SERVICE = "sperrmuell"  # an online service that uses the generic form
PDF = (
    (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    )
    + b"%"
    + b"x" * 60_000
    + b"\n"
)  # about 60 kB, like a scanned page


def env(database_url: str) -> dict:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "openkreis.settings.production",
        "DATABASE_URL": database_url,
        "OPENKREIS_SECRET_KEY": SECRET,
        "OPENKREIS_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "OPENKREIS_SSL_REDIRECT": "0",
        "OPENKREIS_LOG_LEVEL": "WARNING",
        "OPENKREIS_MEDIA_ROOT": str(ROOT / "var" / "bench" / "media"),
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
        while True:
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

    def login(self):
        self.request("login", "GET", "/konto/login/")
        status, location, _ = self.request(
            "login", "POST", "/konto/login/", {"login": self.username, "password": PASSWORD}
        )
        if status != 302:
            raise RuntimeError(f"login failed for {self.username}: {status}")

    def apply(self, n: int) -> dict:
        status, location, _ = self.request("start", "POST", f"/antrag/{SERVICE}/")
        if status != 302:
            raise RuntimeError(f"start: {status}")
        match = re.search(r"/antrag/a/([0-9a-f-]{36})/", location)
        base = f"/antrag/a/{match.group(1)}"
        pages = [
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
                    "f-email": f"{self.username}@example.org",
                },
                {},
            ),
            (
                "anliegen",
                {"f-request": "Bitte holen Sie meinen Sperrmüll ab: ein Sofa, zwei Stühle."},
                {},
            ),
            ("unterlagen", {}, {"f-attachments": ("foto.pdf", PDF)}),
            ("erklaerung", {"f-truthful": "1"}, {}),
        ]
        for key, fields, files in pages:
            status, location, data = self.request(
                "page", "POST", f"{base}/seite/{key}/", fields, files
            )
            if status != 302:
                raise RuntimeError(f"page {key}: {status} {data[:300]!r}")
        status, _, data = self.request("check", "GET", f"{base}/pruefen/")
        key = re.search(rb'name="idempotency_key" value="([0-9a-f-]{36})"', data)
        if key is None:  # a retried earlier step may already have sent it
            raise RuntimeError("no submit form on the check page")
        status, location, _ = self.request(
            "submit", "POST", f"{base}/absenden/", {"idempotency_key": key.group(1).decode()}
        )
        if status != 302 or "bestaetigung" not in location:
            raise RuntimeError(f"submit: {status} {location}")
        status, _, data = self.request("receipt", "GET", location)
        number = re.search(rb'class="file-number">([^<]+)<', data)
        return {
            "application": match.group(1),
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


def run_load(
    users: int, seconds: float, retry: bool, on_tick=None
) -> tuple[list[dict], list, list]:
    acknowledged: list[dict] = []
    errors: list[str] = []
    clients = [Client(f"bench{i}", retry) for i in range(users)]
    stop_at = time.time() + seconds
    lock = threading.Lock()

    def work(client: Client, index: int):
        try:
            client.login()
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(f"{client.username}: {exc}")
            return
        n = 0
        while time.time() < stop_at:
            try:
                receipt = client.apply(index * 100_000 + n)
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


def count_in_database(database_url: str) -> dict:
    code = (
        "import json; from django.db.models import Count; "
        "from openkreis.forms.models import Application; "
        "from openkreis.cases.models import Case; "
        "sent = Application.objects.filter(status='submitted'); "
        "dups = sent.values('case_id').annotate(n=Count('id')).filter(n__gt=1).count(); "
        "print(json.dumps({'submitted': sent.count(), "
        "'with_case': sent.exclude(case_id=None).count(), "
        "'distinct_cases': sent.values('case_id').distinct().count(), "
        "'shared_cases': dups, "
        "'cases': Case.objects.count(), "
        "'file_numbers': list(sent.values_list('file_number', flat=True))}))"
    )
    return json.loads(manage(database_url, "shell", "-c", code).strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args()

    print(f"preparing database, {args.users} accounts …", flush=True)
    url = prepare(args.pg, args.users)
    server = Server(url, args.workers, args.threads)
    server.start()
    try:
        print(f"steady: {args.users} users for {args.seconds:.0f} s …", flush=True)
        started = time.time()
        acked, timings, errors = run_load(args.users, args.seconds, retry=False)
        elapsed = time.time() - started
        submit = [d for label, d in timings if label == "submit"]
        every = [d for _label, d in timings]
        steady = {
            "applications": len(acked),
            "per_second": len(acked) / elapsed,
            "requests_per_second": len(every) / elapsed,
            "submit_p50_ms": percentile(submit, 50) * 1000,
            "submit_p99_ms": percentile(submit, 99) * 1000,
            "request_p50_ms": percentile(every, 50) * 1000,
            "request_p99_ms": percentile(every, 99) * 1000,
            "errors": len(errors),
        }

        print("crash: same load, gunicorn SIGKILLed twice and restarted …", flush=True)
        before = count_in_database(url)
        kills = []

        def killer():
            for at in (args.seconds * 0.25, args.seconds * 0.6):
                time.sleep(max(0, started2 + at - time.time()))
                server.kill()
                kills.append(time.time() - started2)
                time.sleep(0.5)
                server.start()

        started2 = time.time()
        thread = threading.Thread(target=killer)
        acked2, timings2, errors2 = run_load(
            args.users, args.seconds, retry=True, on_tick=thread.start
        )
        thread.join()
        after = count_in_database(url)
    finally:
        server.stop()

    acked_numbers = {a["file_number"] for a in acked2}
    in_db = set(after["file_numbers"])
    lost = len([n for n in acked_numbers if n not in in_db or not n])
    new_cases = after["cases"] - before["cases"]
    new_apps = after["submitted"] - before["submitted"]
    duplicated = max(0, new_cases - new_apps) + after["shared_cases"]
    rows = [
        (
            "steady",
            "complete applications (5 pages, 60 kB PDF, check, submit)",
            f"{steady['applications']} in {args.seconds:.0f} s",
        ),
        ("steady", "applications per second", f"{steady['per_second']:.1f}"),
        ("steady", "HTTP requests per second (all steps)", f"{steady['requests_per_second']:.0f}"),
        (
            "steady",
            "submit request p50 / p99",
            f"{steady['submit_p50_ms']:.0f} ms / {steady['submit_p99_ms']:.0f} ms",
        ),
        (
            "steady",
            "any request p50 / p99",
            f"{steady['request_p50_ms']:.0f} ms / {steady['request_p99_ms']:.0f} ms",
        ),
        ("steady", "failed applications", str(steady["errors"])),
        (
            "crash",
            "SIGKILLs of the whole server (s after start)",
            ", ".join(f"{k:.1f}" for k in kills),
        ),
        ("crash", "acknowledged submissions (client saw the receipt)", str(len(acked2))),
        ("crash", "new submitted applications / new cases", f"{new_apps} / {new_cases}"),
        ("crash", "lost (acknowledged, no case)", str(lost)),
        ("crash", "duplicated (more cases than applications)", str(duplicated)),
        ("crash", "client errors after retries", str(len(errors2))),
    ]
    print()
    print("| phase | figure | value |")
    print("| --- | --- | --- |")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    if errors2[:3]:
        print("first errors:", *errors2[:3], sep="\n  ")
    print(
        f"\nmachine: {os.cpu_count()} cores; gunicorn {args.workers} workers x {args.threads} "
        f"threads; PostgreSQL; {time.strftime('%Y-%m-%d')}"
    )


if __name__ == "__main__":
    main()
