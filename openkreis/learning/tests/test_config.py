"""County data of the Digitaler Führerschein (config.py): tenants/<slug>/learning/modules/*.yaml
→ modules, lessons, questions; mistakes name the file and the entry; loading twice changes
nothing."""

import copy

import pytest
import yaml
from django.conf import settings

from openkreis.core.loader import LoadReport, TenantDataError
from openkreis.learning import config
from openkreis.learning.models import Lesson, Module, Question

pytestmark = pytest.mark.django_db
HARZ = settings.OPENKREIS_TENANTS_DIR / "harz"

GOOD = {
    "title": "Testmodul",
    "order": 5,
    "pass_mark": 60,
    "questions_per_quiz": 2,
    "lessons": [{"slug": "eins", "title": "Eins", "body": "Text **fett**."}],
    "questions": [
        {
            "key": "s",
            "kind": "single",
            "text": "?",
            "options": [{"key": "a", "text": "A"}, {"key": "b", "text": "B"}],
            "answer": "a",
        },
        {
            "key": "m",
            "kind": "multiple",
            "text": "?",
            "options": [{"key": "a", "text": "A"}, {"key": "b", "text": "B"}],
            "answer": ["b", "a"],
        },
        {
            "key": "o",
            "kind": "ordering",
            "text": "?",
            "options": [{"key": "x", "text": "X"}, {"key": "y", "text": "Y"}],
            "answer": ["y", "x"],
        },
        {
            "key": "p",
            "kind": "matching",
            "text": "?",
            "options": [{"key": "x", "text": "X"}, {"key": "y", "text": "Y"}],
            "pairs": [{"key": "1", "text": "Eins"}, {"key": "2", "text": "Zwei"}],
            "answer": {"x": "2", "y": "1"},
        },
    ],
}


def _write(tmp_path, data, slug="testmodul"):
    folder = tmp_path / "learning" / "modules"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{slug}.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")


def _load(tmp_path, data, slug="testmodul") -> LoadReport:
    _write(tmp_path, data, slug)
    report = LoadReport()
    config.load(None, tmp_path, report)
    return report


def test_the_harz_modules_are_loaded(harz):
    slugs = list(Module.objects.filter(slug__in=[
        "smartphone-grundlagen", "sicher-im-internet", "online-dienste-landkreis",
        "online-einkaufen", "bueroarbeit-grundlagen",
    ]).values_list("slug", flat=True))  # fmt: skip
    assert len(slugs) == 5
    for module in Module.objects.filter(slug__in=slugs):
        assert 3 <= module.lessons.count() <= 5
        assert 10 <= module.questions.filter(active=True).count() <= 14
        kinds = set(module.questions.values_list("kind", flat=True))
        assert kinds == {"single", "multiple", "ordering", "matching"}


def test_a_second_load_of_harz_changes_nothing(harz):
    report = LoadReport()
    config.load(harz, HARZ, report)
    assert report.changes == 0


def test_a_good_file_is_loaded_and_loading_again_changes_nothing(tmp_path):
    first = _load(tmp_path, GOOD)
    module = Module.objects.get(slug="testmodul")
    assert first.created == 1 + 1 + 4
    assert module.pass_mark == 60 and module.questions_per_quiz == 2
    assert Question.objects.get(module=module, key="m").answer == ["a", "b"]
    assert Question.objects.get(module=module, key="p").answer == {"x": "2", "y": "1"}
    assert _load(tmp_path, GOOD).changes == 0


def test_removed_lessons_go_and_removed_questions_are_deactivated(tmp_path):
    _load(tmp_path, GOOD)
    data = copy.deepcopy(GOOD)
    data["lessons"] = [{"slug": "zwei", "title": "Zwei", "body": "Neu."}]
    data["questions"] = data["questions"][:3]
    _load(tmp_path, data)
    module = Module.objects.get(slug="testmodul")
    assert list(Lesson.objects.filter(module=module).values_list("slug", flat=True)) == ["zwei"]
    assert not Question.objects.get(module=module, key="p").active


def _broken(**change):
    data = copy.deepcopy(GOOD)
    for where, value in change.items():
        index, key = where.split("__")
        data["questions"][int(index)][key] = value
    return data


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (_broken(**{"0__kind": "essay"}), "questions[1] (s): unknown kind 'essay'"),
        (_broken(**{"0__answer": "z"}), "questions[1] (s): answer 'z' is not among the options"),
        (_broken(**{"1__answer": ["a", "z"]}), "questions[2] (m): answer keys ['z']"),
        (_broken(**{"2__answer": ["x", "x"]}), "questions[3] (o): answer must be a permutation"),
        (_broken(**{"2__answer": ["x"]}), "questions[3] (o): answer must be a permutation"),
        (_broken(**{"3__answer": {"x": "1", "y": "1"}}), "questions[4] (p): matching answer"),
        (_broken(**{"3__answer": {"x": "1"}}), "questions[4] (p): matching answer"),
        ({**GOOD, "questions_per_quiz": 5}, "fewer than questions_per_quiz (5)"),
        ({**GOOD, "colour": "red"}, "unknown keys ['colour']"),
        ({**GOOD, "lessons": [{"slug": "x", "title": "X"}]}, "lessons[1] (x): body is missing"),
        (
            {
                **GOOD,
                "lessons": [
                    {
                        "slug": "x",
                        "title": "X",
                        "body": "B",
                        "links": [{"title": "t", "url": "http://x.de"}],
                    }
                ],
            },
            "only https:// or /paths",
        ),  # fmt: skip
    ],
)
def test_mistakes_name_the_file_and_the_entry_and_write_nothing(tmp_path, data, message):
    with pytest.raises(TenantDataError) as caught:
        _load(tmp_path, data)
    assert "testmodul.yaml" in str(caught.value)
    assert message in str(caught.value)
    assert not Module.objects.filter(slug="testmodul").exists()


def test_a_file_name_that_is_no_slug_is_refused(tmp_path):
    with pytest.raises(TenantDataError, match="file name"):
        _load(tmp_path, GOOD, slug="Mein Modul")
