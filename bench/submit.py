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

While `intake.services.submit_online` is not in the build, both phases stop at the check
page (the draft path: start, 5 pages with the upload, check page), the steady phase deletes
each draft afterwards, and the crash phase keeps one draft per user and generic-form service
and checks every acknowledged draft (its check page showed all answers) is in the database
with its answers, and that no retried start made a second draft. The script says which mode
it ran.
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


def _pdf(size: int = 60_000) -> bytes:
    """A well-formed one-page PDF of about `size` bytes, like a scanned page (the eAkte
    refuses damaged PDFs and PDFs without pages at submission)."""
    import io

    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_metadata({"/Keywords": "x" * size})
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


PDF = _pdf()


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
        """Log in once; allauth limits logins per address, so wait and retry on 429."""
        for _attempt in range(60):
            self.request("login", "GET", "/konto/login/")
            status, _location, _ = self.request(
                "login", "POST", "/konto/login/", {"login": self.username, "password": PASSWORD}
            )
            if status == 302:
                self.timings.clear()
                return
            if status != 429:
                raise RuntimeError(f"login failed for {self.username}: {status}")
            time.sleep(2)
        raise RuntimeError(f"login rate-limited for {self.username}")

    def apply(self, n: int, mode: str = "submit", service: str = SERVICE) -> dict:
        """One application. mode: submit (the whole way), draft-delete (up to the check page,
        then delete the draft), draft-keep (up to the check page, keep the draft)."""
        marker = f"Bitte holen Sie meinen Sperrmüll ab (Auftrag {self.username}-{n})."
        status, location, _ = self.request("start", "POST", f"/antrag/{service}/")
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
                {"f-request": marker},
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
        if mode != "submit":
            if status != 200 or marker.encode() not in data:
                raise RuntimeError(f"check page without the answers: {status}")
            if mode == "draft-delete":
                self.request("delete", "POST", f"{base}/loeschen/")
            return {"application": match.group(1), "marker": marker, "file_number": ""}
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


def log_in_all(users: int) -> list[Client]:
    """The 50 citizens log in before the clock starts (sessions survive server restarts)."""
    clients = [Client(f"bench{i}", retry=True) for i in range(users)]
    threads = [threading.Thread(target=c.login) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return clients


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


def count_in_database(database_url: str) -> dict:
    """Submitted applications and cases (submit mode) or the bench users' drafts."""
    code = (
        "import json; from django.db.models import Count; "
        "from openkreis.forms.models import Application; "
        "mine = Application.objects.filter(user__username__startswith='bench'); "
        "sent = mine.filter(status='submitted'); "
        "drafts = mine.filter(status='draft'); "
        "pairs = drafts.values('user_id', 'service_id').annotate(n=Count('id')); "
        "out = {'submitted': sent.count(), "
        "'shared_cases': sent.exclude(case_id=None).values('case_id')"
        ".annotate(n=Count('id')).filter(n__gt=1).count(), "
        "'file_numbers': list(sent.values_list('file_number', flat=True)), "
        "'drafts': drafts.count(), "
        "'duplicate_drafts': sum(p['n'] - 1 for p in pairs if p['n'] > 1), "
        "'draft_markers': [a.data.get('request', '') for a in drafts]}; "
        "\nfrom openkreis.intake import services as intake\n"
        "if hasattr(intake, 'submit_online'):\n"
        "    from openkreis.cases.models import Case; out['cases'] = Case.objects.count()\n"
        "print(json.dumps(out))"
    )
    return json.loads(manage(database_url, "shell", "-c", code).strip().splitlines()[-1])


def intake_available(database_url: str) -> bool:
    code = "from openkreis.intake import services as s; print(hasattr(s, 'submit_online'))"
    return manage(database_url, "shell", "-c", code).strip().endswith("True")


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
    submit_mode = intake_available(url)
    if not submit_mode:
        print(
            "NOTE: intake.services.submit_online is not in this build: the benchmark stops at "
            "the check page (drafts) and cannot count cases.",
            flush=True,
        )
    server = Server(url, args.workers, args.threads)
    server.start()
    try:
        print(f"{args.users} citizens log in …", flush=True)
        clients = log_in_all(args.users)
        print(f"steady: {args.users} users for {args.seconds:.0f} s …", flush=True)
        started = time.time()
        acked, timings, errors = run_load(
            clients,
            args.seconds,
            retry=False,
            mode="submit" if submit_mode else "draft-delete",
        )
        elapsed = time.time() - started
        print("crash: same load, gunicorn SIGKILLed twice and restarted …", flush=True)
        before = count_in_database(url)
        kills: list[float] = []
        started2 = time.time()

        def killer():
            for at in (args.seconds * 0.25, args.seconds * 0.6):
                time.sleep(max(0, started2 + at - time.time()))
                server.kill()
                kills.append(time.time() - started2)
                time.sleep(0.5)
                server.start()

        thread = threading.Thread(target=killer)
        acked2, _timings2, errors2 = run_load(
            clients,
            args.seconds,
            retry=True,
            on_tick=thread.start,
            mode="submit" if submit_mode else "draft-keep",
        )
        thread.join()
        after = count_in_database(url)
    finally:
        server.stop()

    def ms(label: str | None, p: float) -> float:
        values = [d for lab, d in timings if label is None or lab == label]
        return percentile(values, p) * 1000

    what = "applications sent" if submit_mode else "applications filled to the check page"
    rows = [
        (
            "steady",
            f"{what} (5 pages, 60 kB PDF upload, check page)",
            f"{len(acked)} in {elapsed:.0f} s = {len(acked) / elapsed:.1f}/s",
        ),
        ("steady", "HTTP requests per second (all steps)", f"{len(timings) / elapsed:.0f}"),
    ]
    for label in ("page", "check", "submit") if submit_mode else ("page", "check", "delete"):
        rows.append(
            (
                "steady",
                f"{label} request p50 / p99",
                f"{ms(label, 50):.0f} ms / {ms(label, 99):.0f} ms",
            )
        )
    rows.append(
        ("steady", "any request p50 / p99", f"{ms(None, 50):.0f} ms / {ms(None, 99):.0f} ms")
    )
    rows.append(("steady", "failed applications", str(len(errors))))
    rows.append(
        (
            "crash",
            "SIGKILLs of the whole server (s after start)",
            ", ".join(f"{k:.1f}" for k in kills),
        )
    )
    if submit_mode:
        in_db = set(after["file_numbers"])
        lost = sum(1 for a in acked2 if not a["file_number"] or a["file_number"] not in in_db)
        new_cases = after.get("cases", 0) - before.get("cases", 0)
        new_apps = after["submitted"] - before["submitted"]
        duplicated = max(0, new_cases - new_apps) + after["shared_cases"]
        rows += [
            ("crash", "acknowledged submissions (client saw the receipt)", str(len(acked2))),
            ("crash", "new submitted applications / new cases", f"{new_apps} / {new_cases}"),
            ("crash", "lost (acknowledged, no case)", str(lost)),
            ("crash", "duplicated (more cases than applications)", str(duplicated)),
        ]
    else:
        in_db = set(after["draft_markers"])
        lost = sum(1 for a in acked2 if a["marker"] not in in_db)
        rows += [
            ("crash", "acknowledged drafts (check page showed every answer)", str(len(acked2))),
            ("crash", "drafts in the database", str(after["drafts"])),
            ("crash", "lost (acknowledged, answers not in the database)", str(lost)),
            (
                "crash",
                "duplicated (two drafts for one user and service)",
                str(after["duplicate_drafts"]),
            ),
        ]
    rows.append(("crash", "client errors after retries", str(len(errors2))))
    print()
    print("| phase | figure | value |")
    print("| --- | --- | --- |")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    for line in (errors + errors2)[:5]:
        print("  error:", line)
    print(
        f"\nmachine: {os.cpu_count()} cores; gunicorn {args.workers} workers x {args.threads} "
        f"threads; PostgreSQL; {time.strftime('%Y-%m-%d %H:%M')}"
    )


if __name__ == "__main__":
    main()
