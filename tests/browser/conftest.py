"""Playwright driving Debian's chromium against the live server; axe-core for accessibility."""

import json
import os
from pathlib import Path

import pytest
from django.conf import settings

from openkreis.core.testing import load_tenant

SCREENSHOTS = Path(settings.BASE_DIR) / "test-results" / "screenshots"
AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    executable = os.environ.get("OPENKREIS_CHROMIUM", "/usr/bin/chromium")
    with sync_playwright() as pw:
        instance = pw.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        yield instance
        instance.close()


@pytest.fixture
def live_harz(live_server, transactional_db):
    """Transactional tests start from an empty database: load Harz with its pages."""
    load_tenant("harz", pages=True)  # idempotent: cheap when the data is already there
    return live_server.url


def new_page(browser, viewport=PHONE, javascript=True):
    context = browser.new_context(
        viewport=viewport, java_script_enabled=javascript, locale="de-DE", bypass_csp=False
    )
    return context.new_page()


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def axe_violations(browser, url: str, viewport=PHONE) -> list[dict]:
    """Run axe-core (WCAG 2.0/2.1 A and AA rules) on a page; return the violations."""
    context = browser.new_context(viewport=viewport, bypass_csp=True, locale="de-DE")
    page = context.new_page()
    page.goto(url)
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        """() => axe.run(document, {runOnly: {type: 'tag',
             values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})"""
    )
    context.close()
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
    ]


def format_violations(violations) -> str:
    return json.dumps(violations, indent=1, ensure_ascii=False)
