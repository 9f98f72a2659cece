"""The Harz demo surveys: content, skip logic kept by the ballots, idempotent, fast."""

from pathlib import Path

import pytest
from django.conf import settings

from openkreis.core import event_kinds
from openkreis.core.loader import LoadReport
from openkreis.core.models import Event, StaffMembership, Tenant
from openkreis.participation import demo, surveys
from openkreis.participation.models import Answer, Ballot, Option, Question, Survey

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    """The messages are asserted in English (the msgids; German is the default language)."""
    from django.utils import translation

    with translation.override("en"):
        yield


def counts():
    return tuple(
        m.objects.count()
        for m in (Survey, Question, Option, Ballot, Answer, Event, StaffMembership)
    )


def test_demo_surveys_idempotent():
    tenant = Tenant.objects.get(slug="harz")
    folder = Path(settings.BASE_DIR) / "tenants" / "harz"
    demo.load_demo(tenant, folder, LoadReport())
    first = counts()
    demo.load_demo(tenant, folder, LoadReport())
    assert counts() == first

    public = Survey.objects.get(key=demo.PUBLIC_KEY)
    assert surveys.state(public) == "open" and public.audience == "public"
    assert sorted(public.questions.values_list("kind", flat=True)) == sorted(Question.Kind.values)
    assert public.ballots.count() == demo.DEMO_BALLOTS
    # skip logic: "what keeps you" was answered only by people who go rarely or never
    why = public.questions.get(kind="multiple")
    allowed = set(why.show_if.values_list("pk", flat=True))
    assert {o.key for o in why.show_if.all()} == {"selten", "nie"}
    answered_why = set(Answer.objects.filter(question=why).values_list("ballot_id", flat=True))
    frequency = dict(
        Answer.objects.filter(question__survey=public, question__kind="single").values_list(
            "ballot_id", "option_id"
        )
    )
    assert answered_why and all(frequency[b] in allowed for b in answered_why)
    assert len(frequency) == demo.DEMO_BALLOTS  # the required question, once per ballot
    # ranks 1..n without gaps per ballot
    ranks = {}
    for ballot, number in Answer.objects.filter(
        question__survey=public, question__kind="ranking"
    ).values_list("ballot_id", "number"):
        ranks.setdefault(ballot, []).append(number)
    assert all(sorted(r) == list(range(1, len(r) + 1)) for r in ranks.values())
    assert surveys.publication_problems(public) == ["Only a draft can be published."]

    codes = Survey.objects.get(key=demo.CODES_KEY)
    assert codes.audience == "codes" and codes.region.name == "Wernigerode"
    assert surveys.state(codes) == "open" and codes.closes_at is not None
    assert Survey.objects.get(key=demo.DRAFT_KEY).status == "draft"
    completed = Event.objects.filter(
        kind=event_kinds.PARTICIPATION_COMPLETED, subject=f"survey:{public.key}"
    )
    assert completed.count() == demo.DEMO_BALLOTS
    assert Event.objects.filter(kind=event_kinds.PARTICIPATION_SURVEY_PUBLISHED).count() == 2
    roles = set(
        StaffMembership.objects.filter(user__username=demo.DEMO_USERNAME).values_list(
            "org_unit__key", "role"
        )
    )
    assert roles == {(demo.COUNTY_UNIT, "survey_editor"), (demo.MUNICIPAL_UNIT, "survey_editor")}


def test_demo_editor_logs_in_with_the_printed_secret(client):
    from openkreis.core.testing import totp_code

    tenant = Tenant.objects.get(slug="harz")
    demo.load_demo(tenant, Path(settings.BASE_DIR) / "tenants" / "harz", LoadReport())
    response = client.post(
        "/konto/login/", {"login": demo.DEMO_USERNAME, "password": demo.DEMO_PASSWORD}
    )
    assert response.status_code == 302
    response = client.post("/konto/2fa/authenticate/", {"code": totp_code(demo.DEMO_SECRET)})
    assert response.status_code == 302
    home = client.get("/beteiligung/verwaltung/")
    assert home.status_code == 200
    page = home.content.decode()
    assert "ÖPNV im Landkreis Harz" in page and "Neugestaltung Marktplatz" in page
    assert "Radwege im Oberharz" in page
