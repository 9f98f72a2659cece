"""The Harz-Kompass demo editor can log in to the editors' page (password, then TOTP)."""

from pathlib import Path

import pytest
from django.conf import settings

from openkreis.core.loader import LoadReport
from openkreis.core.models import StaffMembership, Tenant
from openkreis.core.testing import totp_code
from openkreis.directory import demo

pytestmark = pytest.mark.django_db


def test_demo_editor_reaches_the_editors_page(client):
    tenant = Tenant.objects.get(slug="harz")
    folder = Path(settings.BASE_DIR) / "tenants" / "harz"
    demo.load_demo(tenant, folder, LoadReport())
    demo.load_demo(tenant, folder, LoadReport())  # a second run changes nothing
    roles = StaffMembership.objects.filter(user__username=demo.DEMO_USERNAME)
    assert list(roles.values_list("role", flat=True)) == ["directory_editor"]
    login = client.post(
        "/konto/login/", {"login": demo.DEMO_USERNAME, "password": demo.DEMO_PASSWORD}
    )
    assert login.status_code == 302 and "/konto/2fa/" in login["Location"]
    done = client.post("/konto/2fa/authenticate/", {"code": totp_code(demo.DEMO_SECRET)})
    assert done.status_code == 302
    page = client.get("/kompass/redaktion/")
    assert page.status_code == 200
