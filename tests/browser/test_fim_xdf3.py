"""A form imported from an XDatenfelder 3.0 schema (openkreis/forms/tests/fixtures/fim-xdf3,
the "Hundesteuer" fixture) at 390 px from the first page to the case (issue 15.1, "done
means"): the state from a 30-entry genericode list through the searchable select, the
proof group that a FIM rule makes conditional appears for "Ja" only, a file uploaded inside
it, the case opened; the caseworker of the responsible unit sees the answers.

With the two published schemas in ../shared/data/fim/ present, a page of each is imported
and photographed at 390 and 1280 px (skipped without them)."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from openkreis.core.testing import STAFF_PASSWORD, totp_code

from .conftest import DESKTOP, ROOT, run_on_portal, screenshot
from .test_forms_journey import assert_accessible, continue_, login, make_citizen

pytestmark = [pytest.mark.browser, pytest.mark.slow]

FIXTURE = ROOT / "openkreis" / "forms" / "tests" / "fixtures" / "fim-xdf3"
SHARED = ROOT.parent / "shared" / "data" / "fim"
PHONE_390 = {"width": 390, "height": 844}
PROOF = "nachweise_gefaehrlicher_hund"
ADDRESS = "anschrift_inland_strassenanschrift"


def one_page_pdf() -> bytes:
    import io

    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def import_schema(folder: Path, schema: str, key: str, exclude: tuple = ()) -> str:
    """Import a schema for a service with an office, no form and no fee; its slug."""
    code = f"""
from pathlib import Path
from openkreis.catalog.models import Service
from openkreis.core.models import Tenant
from openkreis.forms import services as forms
from openkreis.forms.models import FormDefinition
tenant = Tenant.objects.get(slug="harz")
own = FormDefinition.objects.exclude(service=None).values("service_id")
service = (Service.objects.filter(tenant=tenant, competences__isnull=False)
           .exclude(pk__in=own).exclude(slug__in={list(exclude)!r})
           .distinct().order_by("-slug").first())
Service.objects.filter(pk=service.pk).update(fee_min=0, online_url=f"/antrag/{{service.slug}}/")
folder = Path({str(folder)!r})
form, report = forms.import_xdatenfelder(
    tenant, (folder / {schema!r}).read_bytes(), key={key!r},
    service_slug=service.slug, code_lists=forms.code_lists_for(tenant, [folder]))
assert form is not None, report.notes
print(service.slug)
"""
    return run_on_portal(code).strip().splitlines()[-1]


def test_xdf3_form_from_first_page_to_the_caseworker_at_390(browser, portal_url, tmp_path):
    make_citizen("fim3-ayse", "fim3-ayse@example.org")
    slug = import_schema(FIXTURE, "hundesteuer-3.0.xml", "fim-test-hundesteuer")
    context = browser.new_context(viewport=PHONE_390, locale="de-DE", bypass_csp=True)
    page = context.new_page()
    login(page, portal_url, "fim3-ayse")
    page.goto(f"{portal_url}/antrag/{slug}/")
    expect(page.locator("h1")).to_contain_text("Hund zur Hundesteuer anmelden")
    page.get_by_role("button", name="Jetzt starten").click()

    # 1 the holder: name from the account, the state typed into the searchable select
    page.wait_for_url(re.compile(r"/seite/halterin-oder-halter-des-hundes/"))
    expect(page.locator("#f-familienname")).to_have_value("Demir")
    expect(page.locator("legend", has_text="Anschrift")).to_be_visible()
    expect(page.get_by_text("(optional)").first).to_be_visible()  # the e-mail address
    state = page.locator("#f-staatsangehoerigkeit")  # the autocomplete input now
    expect(state).to_have_attribute("role", "combobox")
    state.fill("Alban")
    page.get_by_role("option", name="Albanien").click()
    expect(page.locator("#f-staatsangehoerigkeit-select")).to_have_value("121")
    page.fill(f"#f-{ADDRESS}-strasse", "Breiter Weg")
    page.fill(f"#f-{ADDRESS}-hausnummer", "12a")
    page.fill(f"#f-{ADDRESS}-postleitzahl", "38855")
    page.fill(f"#f-{ADDRESS}-ort", "Wernigerode")
    screenshot(page, "fim3-01-holder-phone")
    assert_accessible(page)
    continue_(page)

    # 2 the dog: the proof group only for "Ja"; a missing proof is named at the field
    page.wait_for_url(re.compile(r"/seite/angaben-zum-hund/"))
    proof_group = page.locator(f"#f-{PROOF}-versicherungsnummer")
    page.get_by_label("Name des Hundes").fill("Bello")
    page.get_by_label("Mischling").check()
    page.get_by_label("Wie viele Hunde halten Sie insgesamt?").fill("1")
    page.get_by_label("Nein", exact=True).check()
    expect(proof_group).to_be_hidden()
    page.get_by_label("Ja", exact=True).check()
    expect(proof_group).to_be_visible()
    proof_group.fill("HV-4711")
    continue_(page)
    summary = page.locator(".error-summary")
    expect(summary).to_contain_text("Sachkundenachweis: Bitte laden Sie eine Datei hoch.")
    expect(page.locator(f"#f-{PROOF}-sachkundenachweis-error")).to_contain_text(
        "Bitte laden Sie eine Datei hoch."
    )
    screenshot(page, "fim3-02-dog-error-phone")
    proof = tmp_path / "sachkunde.pdf"
    proof.write_bytes(one_page_pdf())
    page.set_input_files(f"#f-{PROOF}-sachkundenachweis", str(proof))
    expect(page.get_by_label("Ja", exact=True)).to_be_checked()
    screenshot(page, "fim3-03-dog-phone")
    assert_accessible(page)
    continue_(page)

    # check your answers, send
    page.wait_for_url(re.compile(r"/pruefen/"))
    main = page.locator("main")
    expect(main).to_contain_text("Albanien")
    expect(main).to_contain_text("Bello")
    expect(main).to_contain_text("sachkunde.pdf")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.get_by_role("button", name="Antrag abschicken").click()
    page.wait_for_url(re.compile(r"/bestaetigung/"))
    screenshot(page, "fim3-04-sent-phone")

    # the caseworker of the responsible unit sees the answers
    info = (
        run_on_portal(
            "from openkreis.forms.models import Application\n"
            "from openkreis.cases.models import Case\n"
            "from openkreis.core.testing import make_staff\n"
            "a = Application.objects.get(form__key='fim-test-hundesteuer', status='submitted')\n"
            "c = Case.objects.get(pk=a.case_id)\n"
            "from django.contrib.auth.hashers import PBKDF2PasswordHasher\n"
            "from openkreis.core.testing import STAFF_PASSWORD\n"
            "user, secret = make_staff('sb-fim3', c.org_unit.key, 'caseworker')\n"
            # the served site's hasher (run_on_portal's test settings hash with MD5)
            "user.password = PBKDF2PasswordHasher().encode(STAFF_PASSWORD, 'fimthreesalt')\n"
            "user.save(update_fields=['password'])\n"
            "print(c.pk, secret, c.applicant_name)\n"
        )
        .strip()
        .splitlines()[-1]
    )
    case_id, secret, applicant = info.split(" ", 2)
    assert applicant == "Ayşe Demir"
    desk = browser.new_context(viewport=PHONE_390, locale="de-DE", bypass_csp=True).new_page()
    desk.goto(f"{portal_url}/sachbearbeitung/vorgang/{case_id}/")
    desk.wait_for_url(re.compile(r"/konto/login/"))
    desk.fill("input[name=login]", "sb-fim3")
    desk.fill("input[name=password]", STAFF_PASSWORD)
    desk.locator("form:has(input[name=password]) button[type=submit]").click()
    # wait for what the user sees next, never read the address at a fixed moment
    expect(desk).to_have_url(re.compile(r"/konto/2fa/authenticate/"))
    desk.fill("input[name=code]", totp_code(secret))  # one step of drift is accepted
    desk.get_by_role("button", name="Anmelden").click()
    desk.wait_for_url(re.compile(rf"/sachbearbeitung/vorgang/{case_id}/"))
    answers = desk.locator(".application-data")
    expect(answers).to_contain_text("Albanien")
    expect(answers).to_contain_text("Bello")
    expect(answers).to_contain_text("Mischling")
    expect(answers).to_contain_text("HV-4711")
    expect(answers).to_contain_text("sachkunde.pdf")
    screenshot(desk, "fim3-05-caseworker-phone")


@pytest.mark.skipif(not SHARED.is_dir(), reason="the published FIM schemas are not here")
def test_pages_of_the_published_schemas_at_390_and_1280(browser, portal_url):
    """Screenshots for a person to look at (the issue's "done means"), one page each."""
    make_citizen("fim-shots", "fim-shots@example.org")
    taken = []
    used: list[str] = []
    for folder, key in (
        ("S00000094V1.0_xdf2", "fim-s00000094"),
        ("S00000246v1.1_xdf2", "fim-s00000246"),
    ):
        schema = next((SHARED / folder).glob("S*.xml")).name
        slug = import_schema(SHARED / folder, schema, key, exclude=tuple(used))
        used.append(slug)
        for name, viewport in (("390", PHONE_390), ("1280", DESKTOP)):
            page = browser.new_context(viewport=viewport, locale="de-DE").new_page()
            login(page, portal_url, "fim-shots")
            page.goto(f"{portal_url}/antrag/{slug}/")
            page.get_by_role("button", name=re.compile("Jetzt starten|Antrag fortsetzen")).click()
            page.wait_for_url(re.compile(r"/seite/"))
            expect(page.locator("h1")).to_be_visible()
            assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
            taken.append(screenshot(page, f"fim-{key}-{name}").name)
            page.context.close()
    assert len(taken) == 4
