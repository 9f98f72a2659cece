"""The county-data step "programme": seeds the portfolio, refuses mistakes with the file and
entry, leaves a county without the folder alone, and keeps the office's edits."""

from __future__ import annotations

import pytest

from openkreis.core.loader import LoadReport, TenantDataError
from openkreis.core.models import Tenant
from openkreis.core.tenant_data import county_steps, demo_steps
from openkreis.programme import config
from openkreis.programme.models import Project

pytestmark = pytest.mark.django_db

GOOD = """
projects:
  - key: test-a
    kind: administration
    number: 1
    title: Projekt A
    goal: Ziel A
    owner: Büro
    budget_planned: 100
    status: amber
    status_reason: Verzug
    start: 2027-01-01
    end: 2027-12-31
    milestones: [{title: M1, due: 2027-03-01}]
    risks: [{title: R1, probability: 3, impact: 2, mitigation: "ja, sicher"}]
  - key: test-b
    kind: lighthouse
    title: Projekt B
    goal: Ziel B
    owner: Büro
    depends_on: [test-a]
"""


def _folder(tmp_path, text):
    (tmp_path / "programme").mkdir()
    (tmp_path / "programme" / "projects.yaml").write_text(text, encoding="utf-8")
    return tmp_path


def test_steps_are_registered_with_their_ids():
    assert county_steps.get("programme").order == 86
    step = demo_steps.get("programme-demo")
    assert step.demo and step.order == 96


def test_a_county_without_the_folder_loads(tmp_path):
    report = LoadReport()
    config.load(Tenant.objects.first(), tmp_path, report)
    assert report.changes == 0


def test_seeds_once_and_keeps_the_offices_edits(tmp_path):
    folder = _folder(tmp_path, GOOD)
    report = LoadReport()
    config.load(Tenant.objects.first(), folder, report)
    assert report.created == 2
    a = Project.objects.get(key="test-a")
    assert (a.milestones.count(), a.risks.get().score, a.history.count()) == (1, 6, 1)
    assert list(Project.objects.get(key="test-b").depends_on.values_list("key", flat=True)) == [
        "test-a"
    ]
    a.title = "Vom Büro geändert"
    a.save()
    again = LoadReport()
    config.load(Tenant.objects.first(), folder, again)
    assert again.changes == 0
    assert Project.objects.get(key="test-a").title == "Vom Büro geändert"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("projects: [{key: Bad Key}]", "must be lower-case"),
        (GOOD.replace("status_reason: Verzug", ""), "needs a 'status_reason'"),
        (GOOD.replace("end: 2027-12-31", "end: 2026-12-31"), "'end' is before 'start'"),
        (GOOD.replace("probability: 3", "probability: 5"), "'probability' must be 1, 2 or 3"),
        (GOOD.replace("[test-a]", "[gibt-es-nicht]"), "depends on unknown project"),
        (GOOD.replace("budget_planned: 100", "budget_planned: -1"), "must not be negative"),
        (GOOD.replace("kind: lighthouse", "kind: tower"), "'kind' must be one of"),
        ("projekte: []", "a mapping with 'projects'"),
    ],
)
def test_mistakes_name_the_file_and_entry(tmp_path, text, message):
    folder = _folder(tmp_path, text)
    with pytest.raises(TenantDataError) as error:
        config.load(Tenant.objects.first(), folder, LoadReport())
    assert message in str(error.value) and "projects.yaml" in str(error.value)
    assert not Project.objects.filter(key__startswith="test-").exists()


def test_demo_step_is_idempotent_and_tolerates_an_existing_office_login():
    from django.conf import settings

    from openkreis.core import event_kinds
    from openkreis.core.models import Event, OrgUnit, StaffMembership
    from openkreis.core.staff import add_staff
    from openkreis.programme import demo
    from openkreis.programme.models import Circle

    # the radar's demo may have made the same login first
    add_staff(
        demo.OFFICE_USER,
        f"{demo.OFFICE_USER}@example.org",
        demo.OFFICE_PASSWORD,
        OrgUnit.objects.get(key="fachbereich-landrat"),
        ["programme_office"],
    )
    tenant = Tenant.objects.first()
    for _ in range(2):
        demo.load_demo(tenant, settings.OPENKREIS_TENANTS_DIR / "harz", LoadReport())
    circle = Circle.objects.get(slug=demo.CIRCLE)
    assert circle.measures.count() == 3 and circle.meetings.count() == 1
    assert circle.members.filter(side="company", company__isnull=False).count() == 1
    assert circle.measures.exclude(effective_on=None).count() == 1
    events = Event.objects.filter(kind=event_kinds.CIRCLE_MEASURE_EFFECTIVE)
    assert events.count() == 1 and events.get().data == {"service": demo.SERVICE}
    assert (
        StaffMembership.objects.filter(
            user__username=demo.OFFICE_USER, role="programme_office"
        ).count()
        == 1
    )
