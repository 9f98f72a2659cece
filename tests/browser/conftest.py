"""Browser tests: Playwright driving Debian's chromium against the real production stack.

A session fixture builds its own database (PostgreSQL when DATABASE_URL is set, else an
SQLite file), migrates it, loads the Harz demo data and serves it with gunicorn and the
production settings, exactly as a county would run it. axe-core checks accessibility.
"""

import datetime as dt
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings

from openkreis.core import testdb

ROOT = Path(settings.BASE_DIR)
SCREENSHOTS = ROOT / "test-results" / "screenshots"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def closed_now_hours() -> str:
    """Opening hours (OSM syntax) of a place the tests expect closed: half an hour on Monday
    mornings, or on Monday evenings when the run itself is on a Monday morning (with
    06:00-06:30 alone the "open now" tests failed every Monday from 06:00 to 06:30)."""
    now = dt.datetime.now(ZoneInfo(settings.TIME_ZONE))
    return "Mo 20:00-20:30" if now.weekday() == 0 and now.hour < 14 else "Mo 06:00-06:30"


CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _database_url() -> tuple[str, callable]:
    """A fresh database for the served portal, and a function that removes it."""
    url = os.environ.get("DATABASE_URL")
    if not url:
        path = ROOT / "var" / f"browser-{os.getpid()}.sqlite3"
        db = {"ENGINE": "django.db.backends.sqlite3"}
        testdb.clone_migrated(db, str(path))
        return f"sqlite:///{path}", lambda: testdb.drop(db, str(path))
    # a copy of the migrated template (openkreis/core/testdb.py): `migrate` below only
    # checks the plan instead of running ~300 migrations again
    db = settings.DATABASES["default"]
    name = f"openkreis_browser_{os.getpid()}"
    testdb.clone_migrated(db, name)
    return url.rsplit("/", 1)[0] + f"/{name}", lambda: testdb.drop(db, name)


class MailSink:
    """A real SMTP server (aiosmtpd) in a thread; the served portal sends its mail here."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        import email
        from email import policy

        self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"

    def wait_for(self, to: str, timeout: float = 20.0, after: int = 0):
        """The first message to `to` (from index `after` on), waiting until it arrives."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            for message in self.messages[after:]:
                if to in str(message["To"]):
                    return message
            time.sleep(0.2)
        raise AssertionError(f"no mail to {to} arrived")


@pytest.fixture(scope="session")
def mail_sink():
    from aiosmtpd.controller import Controller

    sink = MailSink()
    controller = Controller(sink, hostname="127.0.0.1", port=_free_port())
    controller.start()
    try:
        yield sink, controller.port
    finally:
        controller.stop()


@pytest.fixture(scope="session")
def portal_url(mail_sink):
    database_url, drop = _database_url()
    port = _free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "openkreis.settings.production",
        "DATABASE_URL": database_url,
        "OPENKREIS_SECRET_KEY": "browser-test-" + "k" * 60,
        "OPENKREIS_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "OPENKREIS_SSL_REDIRECT": "0",
        "OPENKREIS_LOG_LEVEL": "WARNING",
        "OPENKREIS_SMTP_HOST": "127.0.0.1",
        "OPENKREIS_SMTP_PORT": str(mail_sink[1]),
        "OPENKREIS_BASE_URL": f"http://127.0.0.1:{port}",
        "OPENKREIS_MAP_TILE_URL": "",  # no network: the maps run without tiles
    }

    def manage(*args):
        command = [sys.executable, str(ROOT / "manage.py"), *args]
        subprocess.run(command, cwd=ROOT, env=env, check=True, capture_output=True)

    manage("migrate", "--noinput", "-v0")
    with testdb.once_per_sources("static", ROOT / "var" / "static" / "staticfiles.json") as due:
        if due:  # the workers' portals share STATIC_ROOT: collected once for these sources
            manage("collectstatic", "--noinput", "-v0")
    manage("load_tenant", "harz", "--demo")
    gunicorn = Path(sys.executable).with_name("gunicorn")
    server = subprocess.Popen(
        [
            str(gunicorn),
            "openkreis.wsgi:application",
            "-b",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 60
        while True:
            try:
                urllib.request.urlopen(url + "/healthz", timeout=2)  # noqa: S310 - loopback
                break
            except OSError:
                if time.time() > deadline or server.poll() is not None:
                    raise RuntimeError("gunicorn did not come up") from None
                time.sleep(0.3)
        os.environ["OPENKREIS_BROWSER_DATABASE_URL"] = database_url  # for run_on_portal
        yield url
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        drop()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    executable = os.environ.get("OPENKREIS_CHROMIUM", "/usr/bin/chromium")
    with sync_playwright() as pw:
        instance = pw.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        yield instance
        instance.close()


def new_page(browser, viewport=PHONE, javascript=True):
    context = browser.new_context(viewport=viewport, java_script_enabled=javascript, locale="de-DE")
    return context.new_page()


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


WCAG_RULES = "{runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}}"


def axe(page, context: str = "document") -> list[dict]:
    """Run axe-core (WCAG 2.0/2.1 A and AA rules) on the open page — its browser context
    needs `bypass_csp=True`, the portal's CSP would block the injected script — and return
    the violations: id, impact and the first five nodes. `context` is axe's context
    argument, e.g. "{exclude: [['#swagger-ui']]}"."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(f"() => axe.run({context}, {WCAG_RULES})")
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
    ]


def axe_violations(browser, url: str, viewport=PHONE) -> list[dict]:
    """axe-core on `url` opened in a fresh context (for pages checked without JavaScript)."""
    context = browser.new_context(viewport=viewport, bypass_csp=True, locale="de-DE")
    page = context.new_page()
    page.goto(url)
    violations = axe(page)
    context.close()
    return violations


def format_violations(violations) -> str:
    return json.dumps(violations, indent=1, ensure_ascii=False)


def run_on_portal(code: str) -> str:
    """Run Python (Django shell) against the served portal's database, as another channel
    would (e.g. an applicant's upload arriving through intake); returns its output."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "openkreis.settings.test",
        "DATABASE_URL": os.environ["OPENKREIS_BROWSER_DATABASE_URL"],
    }
    result = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "shell", "-c", code],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return result.stdout
