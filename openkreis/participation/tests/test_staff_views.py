"""The survey editor's pages: authorisation table and the whole authoring flow without JS."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from openkreis.participation.models import Option, Question, Survey
from openkreis.participation.tests import factories

pytestmark = pytest.mark.django_db


def url(name, *args):
    return reverse(f"participation:{name}", args=args)


def object_pages(s):
    q = s.questions.get(kind="single")
    return [
        url("staff_survey", s.pk),
        url("staff_survey_edit", s.pk),
        url("staff_preview", s.pk),
        url("staff_publish", s.pk),
        url("staff_close", s.pk),
        url("staff_delete", s.pk),
        url("staff_question", s.pk, q.pk),
        url("staff_question_delete", s.pk, q.pk),
    ]


def object_posts(s):
    q = s.questions.get(kind="single")
    o = q.options.first()
    return [
        (url("staff_duplicate", s.pk), {}),
        (url("staff_publish", s.pk), {}),
        (url("staff_delete", s.pk), {}),
        (url("staff_question_add", s.pk), {"kind": "text", "name": "Neu?"}),
        (url("staff_question_move", s.pk, q.pk), {"direction": "down"}),
        (url("staff_option_add", s.pk, q.pk), {"new-name": "Vielleicht"}),
        (url("staff_option", s.pk, o.pk), {f"o{o.pk}-name": "Jein"}),
        (url("staff_option_delete", s.pk, o.pk), {}),
    ]


@pytest.mark.parametrize("who", ["anonymous", "citizen", "other_unit", "editor"])
def test_authorisation_table(client, who):
    s = factories.survey(status="draft")
    before = Survey.objects.count(), Question.objects.count(), Option.objects.count()
    if who == "citizen":
        citizen = get_user_model().objects.create_user("buergerin", "b@example.org", "x" * 12)
        client.force_login(citizen)
    elif who == "other_unit":
        factories.editor(client, factories.municipal_unit(), username="p1-andere")
    elif who == "editor":
        factories.editor(client, username="p1-richtig")
    home = client.get(url("staff_home"))
    expected = {"anonymous": 302, "citizen": 403, "other_unit": 404, "editor": 200}[who]
    for page in object_pages(s):
        response = client.get(page)
        assert response.status_code == expected, (page, response.status_code)
        if who == "anonymous":
            assert response["Location"].startswith("/konto/login/")
    if who == "editor":
        assert home.status_code == 200 and s.name in home.content.decode()
        return
    for page, data in object_posts(s):
        response = client.post(page, data)
        assert response.status_code == expected, (page, response.status_code)
    assert (Survey.objects.count(), Question.objects.count(), Option.objects.count()) == before
    if who == "other_unit":
        assert home.status_code == 200 and s.name not in home.content.decode()


def test_authoring_flow_without_javascript(client):
    user = factories.editor(client, username="p1-flow")
    unit = factories.county_unit()
    county = Survey._meta.get_field("region").related_model.objects.get(
        kind="county", ars__startswith="15085"
    )
    page = client.get(url("staff_survey_new"))
    assert page.status_code == 200
    assert b'name="opens_at"' in page.content and b"error-summary" not in page.content
    # wrong dates: 400 with an error summary linked to the field
    data = {
        "name": "Radverkehr im Harz",
        "unit": unit.pk,
        "region": county.pk,
        "audience": "public",
        "opens_at": "01.05.2030 08:00",
        "closes_at": "01.04.2030",
        "results_public": "on",
        "min_group": "5",
    }
    response = client.post(url("staff_survey_new"), data)
    assert response.status_code == 400
    assert b'href="#id_closes_at"' in response.content
    assert b'aria-describedby="id_closes_at_helptext id_closes_at-error"' in response.content
    assert b'id="id_closes_at-error"' in response.content
    response = client.post(url("staff_survey_new"), {**data, "closes_at": "kein Datum"})
    assert response.status_code == 400 and b'href="#id_closes_at"' in response.content
    response = client.post(url("staff_survey_new"), {**data, "closes_at": "31.05.2030 18:00"})
    assert response.status_code == 302
    s = Survey.objects.get(name="Radverkehr im Harz")
    assert s.created_by == user and s.status == "draft" and s.closes_at.month == 5
    assert response["Location"] == url("staff_survey", s.pk)
    # questions: a kind must be chosen
    assert client.post(url("staff_question_add", s.pk), {"name": "?"}).status_code == 400
    response = client.post(
        url("staff_question_add", s.pk), {"kind": "single", "name": "Fahren Sie Rad?"}
    )
    q1 = s.questions.get()
    assert response["Location"] == url("staff_question", s.pk, q1.pk)
    for name in ("Ja", "Nein"):
        client.post(url("staff_option_add", s.pk, q1.pk), {"new-name": name})
    assert client.post(url("staff_option_add", s.pk, q1.pk), {"new-name": ""}).status_code == 400
    assert [o.name for o in q1.options.all()] == ["Ja", "Nein"]
    client.post(url("staff_question_add", s.pk), {"kind": "scale", "name": "Wie sicher?"})
    q2 = s.questions.get(kind="scale")
    ja = q1.options.get(name="Ja")
    form = client.get(url("staff_question", s.pk, q2.pk)).content.decode()
    assert 'name="show_if"' in form and 'name="scale_min"' in form and "max_choices" not in form
    response = client.post(
        url("staff_question", s.pk, q2.pk),
        {"name": "Wie sicher fühlen Sie sich?", "scale_min": "1", "scale_max": "20"},
    )
    assert response.status_code == 400 and b'href="#id_scale_max"' in response.content
    response = client.post(
        url("staff_question", s.pk, q2.pk),
        {
            "name": "Wie sicher fühlen Sie sich?",
            "name_en": "How safe do you feel?",
            "scale_min": "1",
            "scale_max": "5",
            "scale_min_label": "unsicher",
            "required": "on",
            "show_if": [str(ja.pk)],
        },
    )
    assert response.status_code == 302
    q2.refresh_from_db()
    assert q2.required and q2.scale_min_label == "unsicher" and list(q2.show_if.all()) == [ja]
    # the dependent question cannot move above its condition: 400 with the reason
    response = client.post(url("staff_question_move", s.pk, q2.pk), {"direction": "up"})
    assert response.status_code == 400
    # the preview renders the residents' questionnaire
    preview = client.get(url("staff_preview", s.pk)).content.decode()
    assert "Wie sicher fühlen Sie sich?" in preview and f'name="q{q1.pk}"' in preview
    # publish: GET confirms, POST publishes
    assert client.get(url("staff_publish", s.pk)).status_code == 200
    assert client.post(url("staff_publish", s.pk)).status_code == 302
    s.refresh_from_db()
    assert s.status == "published"
    # published: structure refused, texts allowed
    assert (
        client.post(url("staff_question_add", s.pk), {"kind": "text", "name": "x"}).status_code
        == 400
    )
    response = client.post(
        url("staff_question", s.pk, q2.pk),
        {"name": "Wie sicher fühlen Sie sich auf dem Rad?", "scale_min": "0", "scale_max": "9"},
    )
    assert response.status_code == 302
    q2.refresh_from_db()
    assert q2.name.endswith("auf dem Rad?") and (q2.scale_min, q2.scale_max) == (1, 5)
    assert list(q2.show_if.all()) == [ja]  # disabled fields keep their values
    # close with confirmation
    assert client.get(url("staff_close", s.pk)).status_code == 200
    assert client.post(url("staff_close", s.pk)).status_code == 302
    s.refresh_from_db()
    assert s.sealed_at is not None and not s.is_open()
    assert client.get(url("staff_survey_edit", s.pk)).status_code == 400
    # copy as a new draft
    response = client.post(url("staff_duplicate", s.pk))
    copy = Survey.objects.exclude(pk=s.pk).get(unit=unit, name__contains="Radverkehr")
    assert response["Location"] == url("staff_survey", copy.pk) and copy.status == "draft"
    home = client.get(url("staff_home")).content.decode()
    assert home.count("Radverkehr im Harz") == 2


def test_publish_refused_shows_problems(client):
    factories.editor(client, username="p1-leer")
    s = factories.survey(status="draft", questions=[{"kind": "single", "options": ["ja"]}])
    response = client.post(url("staff_publish", s.pk))
    assert response.status_code == 400 and b"error-summary" in response.content
    s.refresh_from_db()
    assert s.status == "draft"


def test_english_pages(client):
    factories.editor(client, username="p1-english")
    s = factories.survey(status="draft")
    response = client.get("/en" + url("staff_survey", s.pk))
    assert response.status_code == 200
    assert "Add a question" in response.content.decode()
