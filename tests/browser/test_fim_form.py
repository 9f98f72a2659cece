"""A form imported from a FIM XDatenfelder schema (the test fixture in
openkreis/forms/tests/fixtures/fim-antrag) filled on a 390 px phone from the first page to
the case: the representative's group appears only for the answers its FIM rule names, the
state comes from the genericode code list, the name is prefilled from the account and the
case is opened for the applicant with the answers the caseworker reads."""

import re

import pytest
from playwright.sync_api import expect

from .conftest import ROOT, run_on_portal, screenshot
from .test_forms_journey import assert_accessible, continue_, login, make_citizen

pytestmark = [pytest.mark.browser, pytest.mark.slow]

FIXTURE = ROOT / "openkreis" / "forms" / "tests" / "fixtures" / "fim-antrag"
PHONE_390 = {"width": 390, "height": 844}
REPRESENTED = "vertretung_durch_gesetzlichen_vertreter_oder_bevol"
GROUP = "gesetzlicher_vertreter_natuerliche_person_wenig"
ADDRESS = "anschrift_inland_strassenanschrift"


def import_fixture() -> str:
    """Import the schema for a service with an office and no fee; the service's slug."""
    code = f"""
from pathlib import Path
from openkreis.catalog.models import Service
from openkreis.core.models import Tenant
from openkreis.forms import services as forms
from openkreis.forms.models import FormDefinition
tenant = Tenant.objects.get(slug="harz")
own = FormDefinition.objects.exclude(service=None).values("service_id")
service = (Service.objects.filter(tenant=tenant, competences__isnull=False)
           .exclude(pk__in=own).distinct().order_by("slug").first())
Service.objects.filter(pk=service.pk).update(fee_min=0, online_url=f"/antrag/{{service.slug}}/")
folder = Path({str(FIXTURE)!r})
form, report = forms.import_xdatenfelder(
    tenant, (folder / "antrag-2.0.xml").read_bytes(), key="fim-test-antrag",
    service_slug=service.slug, code_lists=forms.code_lists_for(tenant, [folder]))
assert form is not None, report.notes
print(service.slug)
"""
    return run_on_portal(code).strip().splitlines()[-1]


def test_fim_form_from_first_page_to_case_on_a_phone(browser, portal_url):
    make_citizen("fim-ayse", "fim-ayse@example.org")
    slug = import_fixture()
    context = browser.new_context(viewport=PHONE_390, locale="de-DE", bypass_csp=True)
    page = context.new_page()
    login(page, portal_url, "fim-ayse")
    page.goto(f"{portal_url}/antrag/{slug}/")
    page.get_by_role("button", name="Jetzt starten").click()

    # 1 representation: the group of the representative only for "Ja, … (natürliche Person)"
    page.wait_for_url(re.compile(r"/seite/vertretung/"))
    representative = page.locator(f"#f-{GROUP}-familienname")
    page.get_by_label("Ja, durch einen gesetzlichen Vertreter (natürliche Person).").check()
    expect(representative).to_be_visible()
    screenshot(page, "fim-01-representative-phone")
    assert_accessible(page)
    page.get_by_label("Nein", exact=True).check()
    expect(representative).to_be_hidden()
    continue_(page)

    # 2 applicant: name from the account, the state from the code list (free text refused)
    page.wait_for_url(re.compile(r"/seite/persoenliche-daten"))
    expect(page.locator("#f-familienname_2")).to_have_value("Demir")
    state = page.locator("#f-staat")
    expect(state.locator("option", has_text="Albanien")).to_have_count(1)
    continue_(page)
    expect(page.locator(".error-summary")).to_be_visible()
    assert "Staatsangehörigkeit" in page.locator(".error-summary").inner_text()
    state.select_option("121")
    page.fill(f"#f-{ADDRESS}-strasse", "Breiter Weg")
    page.fill(f"#f-{ADDRESS}-hausnummer", "12a")
    page.fill(f"#f-{ADDRESS}-postleitzahl", "38855")
    page.fill(f"#f-{ADDRESS}-ort", "Wernigerode")
    screenshot(page, "fim-02-applicant-phone")
    assert_accessible(page)
    continue_(page)

    # check your answers, send
    page.wait_for_url(re.compile(r"/pruefen/"))
    text = page.locator("main").inner_text()
    assert "Albanien" in text and "Breiter Weg" in text
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.get_by_role("button", name="Antrag abschicken").click()
    page.wait_for_url(re.compile(r"/bestaetigung/"))
    screenshot(page, "fim-03-sent-phone")

    out = (
        run_on_portal(
            "from openkreis.forms.models import Application; "
            "from openkreis.cases.models import Case; "
            "a = Application.objects.get(form__key='fim-test-antrag', status='submitted'); "
            "c = Case.objects.get(pk=a.case_id); "
            "print(c.applicant_name, '|', c.applicant_address, '|', "
            "[x['value'] for p in c.data['summary'] for x in p['answers']])"
        )
        .strip()
        .splitlines()[-1]
    )
    assert out.startswith("Ayşe Demir | Breiter Weg 12a, 38855 Wernigerode |"), out
    assert "Albanien" in out and "Nein" in out, out
