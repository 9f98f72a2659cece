"""A county set up as the README says — `load_tenant <county>`, no demo — gets everything its
folder describes, online forms included; `--check` validates a folder and writes nothing."""

import io
import shutil

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from openkreis.core.models import Tenant
from openkreis.core.services import forget_cached_tenant
from openkreis.core.tenant_data import county_steps, demo_steps
from openkreis.forms.tests.test_views import CONTACT, PERSON

MUSTER = settings.OPENKREIS_TENANTS_DIR / "musterkreis"


def test_every_app_contributes_its_county_data_step():
    assert county_steps.ids() == [
        "core",
        "catalog",
        "cases",
        "forms",
        "schools",
        "appointments",
        "cockpit",
        "reports",
        "capacity",
        "tickets",
        "tickets-attractions",
        "tickets-transit",
        "participation",
        "directory",
        "jobs",
        "marketplace",
        "learning",
        "learning-werkstatt",
        "radar",
        "programme",
        "pages",
    ]
    assert demo_steps.ids()[0] == "portal-demo"  # the logins are printed first


@pytest.mark.django_db
def test_a_county_loaded_without_demo_can_take_an_online_application(client, settings):
    from django.contrib.auth import get_user_model

    from openkreis.cases.models import Case
    from openkreis.forms.models import Application, FormDefinition

    call_command("load_tenant", str(MUSTER), "--no-pages", stdout=io.StringIO())
    tenant = Tenant.objects.get(slug="musterkreis")
    settings.OPENKREIS_TENANT = "musterkreis"  # this deployment serves the Musterkreis
    forget_cached_tenant()
    assert FormDefinition.objects.filter(tenant=tenant, key="allgemeiner-antrag").exists()

    user = get_user_model().objects.create_user(
        "muster-buergerin", "muster@example.org", "ein-langes-passwort-2026"
    )
    client.force_login(user)
    response = client.post("/antrag/fahrerlaubnis-ersterteilung/", follow=False)
    assert response.status_code == 302, response.content[:300]
    application = Application.objects.get(user=user)
    assert application.form.tenant_id == tenant.pk
    # Walk the form as the citizen would: every page, then check and send.
    pages = [
        ("person", PERSON),
        ("kontakt", CONTACT),
        ("anliegen", {"f-request": "Ich möchte meinen ersten Führerschein beantragen."}),
        ("unterlagen", {}),
        ("erklaerung", {"f-truthful": "1"}),
    ]
    for key, values in pages:
        response = client.post(f"/antrag/a/{application.public_id}/seite/{key}/", values)
        assert response.status_code == 302, (key, response.content[:500])
    client.post(f"/antrag/a/{application.public_id}/bezahlen/")
    response = client.post(
        f"/antrag/a/{application.public_id}/absenden/",
        {"idempotency_key": str(application.idempotency_key)},
    )
    assert response.status_code == 302, response.content[:500]
    application.refresh_from_db()
    assert application.status == "submitted" and application.file_number
    case = Case.objects.get(pk=application.case_id)
    assert case.service.tenant_id == tenant.pk
    assert case.org_unit.key == "mk-fahrerlaubnis"


@pytest.mark.django_db
def test_check_validates_and_writes_nothing(tmp_path):
    folder = tmp_path / "neukreis"
    shutil.copytree(MUSTER, folder)
    text = (folder / "tenant.yaml").read_text(encoding="utf-8")
    (folder / "tenant.yaml").write_text(
        text.replace("slug: musterkreis", "slug: neukreis"), encoding="utf-8"
    )
    out = io.StringIO()
    call_command("load_tenant", str(folder), "--check", "--no-pages", stdout=out)
    assert "valid" in out.getvalue()
    assert not Tenant.objects.filter(slug="neukreis").exists()

    broken = folder / "forms" / "allgemeiner-antrag.yaml"
    broken.write_text("key: kaputt\npages: 12\n", encoding="utf-8")
    with pytest.raises(CommandError) as exc:
        call_command("load_tenant", str(folder), "--check", "--no-pages", stdout=io.StringIO())
    assert "allgemeiner-antrag.yaml" in str(exc.value)
    assert not Tenant.objects.filter(slug="neukreis").exists()
