"""The API documentation page in a browser (issue 14.13): no axe violation as it loads, at
phone width without sideways scrolling; Swagger UI opens on request, and what axe finds in it
is contained to its own region and limited to the known third-party barrier."""

import pytest
from playwright.sync_api import expect

from .conftest import axe, new_page, screenshot

pytestmark = [pytest.mark.browser]


def _axe(page, context="document"):
    return {v["id"]: len(v["nodes"]) for v in axe(page, context)}


def test_api_docs_accessible_and_swagger_contained(browser, portal_url):
    page = new_page(browser, {"width": 320, "height": 800})
    page.goto(portal_url + "/api/docs/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Offene Schnittstelle (API)")
    assert _axe(page) == {}
    page.get_by_text("Interaktive Dokumentation öffnen (Swagger UI)").click()
    expect(page.locator("#swagger-ui .opblock").first).to_be_visible(timeout=20000)
    screenshot(page, "api-docs-320")
    assert page.evaluate("document.documentElement.scrollWidth") <= 321
    assert _axe(page, "{exclude: [['#swagger-ui']]}") == {}
    inside = _axe(page, "{include: [['#swagger-ui']]}")
    assert set(inside) <= {"nested-interactive"}, inside  # contrast is ours to fix, and fixed
    page.context.close()
