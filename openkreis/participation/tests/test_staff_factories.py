"""The test helpers others use (tests/factories.py) build what they promise."""

import pytest

from openkreis.participation.models import Survey
from openkreis.participation.tests import factories

pytestmark = pytest.mark.django_db


def test_survey_has_one_question_of_each_kind_with_options():
    s = factories.survey()
    kinds = list(s.questions.values_list("kind", flat=True))
    assert kinds == list(factories.ALL_KINDS)
    assert s.is_open()
    assert s.region.kind == "county"
    assert s.questions.get(kind="single").options.count() == 3
    assert s.questions.get(kind="text").options.count() == 0


def test_survey_with_skip_logic_and_municipal_unit():
    s = factories.survey(
        factories.municipal_unit(),
        audience=Survey.Audience.CODES,
        status=Survey.Status.DRAFT,
        questions=[
            {"kind": "single", "options": ["ja", "nein"]},
            {"kind": "text", "show_if": [(0, "ja")]},
        ],
    )
    assert s.region.name == "Wernigerode"
    text = s.questions.get(kind="text")
    assert [o.key for o in text.show_if.all()] == ["ja"]
    assert not s.is_open()


def test_editor_logs_in(client):
    user = factories.editor(client)
    assert client.session["_auth_user_id"] == str(user.pk)
