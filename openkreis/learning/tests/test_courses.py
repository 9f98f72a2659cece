"""Courses (courses.py, views_courses.py, markup.py): progress, what next, the pages, the quiz
form without JavaScript, large text, the lessons' Markdown subset."""

import pytest
from django.urls import reverse

from openkreis.learning import courses, markup, quiz
from openkreis.learning.models import Module, Question, QuizAttempt
from openkreis.learning.tests.factories import learner, module

pytestmark = pytest.mark.django_db


@pytest.fixture
def only_mine():
    """The county's modules are loaded in the test database; these tests use their own."""
    Module.objects.update(published=False)


def _pass(user, made):
    attempt = quiz.start(user, made)
    return quiz.submit(attempt, {e["question"]: "a" for e in attempt.drawn})


def test_progress_next_step_and_passed_required(only_mine):
    first, second = module(questions=2), module(questions=2)
    optional = module(questions=2, required=False)
    user = learner()
    assert courses.next_step(user).lesson == first.lessons.first()
    courses.mark_read(user, first.lessons.first())
    assert courses.next_step(user).lesson == first.lessons.last()
    courses.mark_read(user, first.lessons.last())
    assert courses.next_step(user).kind == "quiz"
    _pass(user, first)
    assert courses.next_step(user).module == second
    assert not courses.passed_required(user)
    _pass(user, second)
    assert courses.passed_required(user)
    assert courses.passed_modules(user) == [first, second]
    row = {r.module: r for r in courses.progress(user)}
    assert (row[first].lessons_read, row[first].passed, row[first].best_percent) == (2, True, 100)
    assert not row[optional].started
    assert courses.next_step(user).module == optional


def test_nothing_required_means_no_certificate(only_mine):
    assert not courses.passed_required(learner())


def test_start_page_and_module_page_for_visitors(client, only_mine):
    made = module(questions=2, title="Smartphone testen")
    page = client.get(reverse("learning:index"))
    assert page.status_code == 200
    assert "Smartphone testen" in page.content.decode()
    assert reverse("account_login") in page.content.decode()
    page = client.get(reverse("learning:module", args=[made.slug]))
    assert page.status_code == 200
    assert client.get(reverse("learning:module", args=["gibt-es-nicht"])).status_code == 404


def test_a_lesson_is_marked_read_and_leads_to_the_next(client, only_mine):
    made = module(questions=2)
    first, second = made.lessons.order_by("order")
    user = learner()
    url = reverse("learning:lesson", args=[made.slug, first.slug])
    response = client.post(url)  # visitors are sent to the login
    assert response.status_code == 302 and reverse("account_login") in response["Location"]
    client.force_login(user)
    page = client.get(url)
    assert page.status_code == 200 and "lesson-done" in page.content.decode()
    response = client.post(url)
    assert response["Location"] == reverse("learning:lesson", args=[made.slug, second.slug])
    response = client.post(reverse("learning:lesson", args=[made.slug, second.slug]))
    assert response["Location"] == reverse("learning:module", args=[made.slug])
    assert courses.read_lessons(user, made) == {first.pk, second.pk}
    assert client.get(reverse("learning:lesson", args=[made.slug, "nope"])).status_code == 404


def test_the_quiz_needs_a_login(client, only_mine):
    made = module(questions=2)
    response = client.get(reverse("learning:quiz", args=[made.slug]))
    assert response.status_code == 302 and "login" in response["Location"]


def _make_kinds(made):
    Question.objects.filter(module=made, key="frage-2").update(
        kind="multiple",
        options=[{"key": "a", "text": "A"}, {"key": "b", "text": "B"}, {"key": "c", "text": "C"}],
        answer=["a", "c"],
    )
    Question.objects.filter(module=made, key="frage-3").update(
        kind="ordering",
        options=[{"key": "x", "text": "X"}, {"key": "y", "text": "Y"}, {"key": "z", "text": "Z"}],
        answer=["z", "x", "y"],
    )
    Question.objects.filter(module=made, key="frage-4").update(
        kind="matching",
        options=[{"key": "x", "text": "X"}, {"key": "y", "text": "Y"}],
        pairs=[{"key": "p1", "text": "Partner eins"}, {"key": "p2", "text": "Partner zwei"}],
        answer={"x": "p2", "y": "p1"},
    )


RIGHT = {
    "q-frage-1": "a",
    "q-frage-2": ["a", "c"],
    "q-frage-3-z": "1",
    "q-frage-3-x": "2",
    "q-frage-3-y": "3",
    "q-frage-4-x": "p2",
    "q-frage-4-y": "p1",
}


def test_a_learner_passes_the_quiz_with_every_kind_by_plain_form(client, only_mine):
    made = module(questions=4, questions_per_quiz=4, pass_mark=100)
    _make_kinds(made)
    user = learner()
    client.force_login(user)
    page = client.get(reverse("learning:quiz", args=[made.slug]))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'type="radio"' in html and 'type="checkbox"' in html and "<select" in html
    # save half, resume, then submit
    client.post(reverse("learning:quiz", args=[made.slug]), {"q-frage-1": "a", "save": "1"})
    attempt = QuizAttempt.objects.get(user=user, module=made)
    assert attempt.answers == {"frage-1": "a"} and attempt.finished_at is None
    response = client.post(reverse("learning:quiz", args=[made.slug]), RIGHT)
    attempt.refresh_from_db()
    assert response["Location"] == reverse("learning:quiz_result", args=[made.slug, attempt.key])
    assert (attempt.correct, attempt.total, attempt.passed) == (4, 4, True)
    result = client.get(response["Location"])
    assert result.status_code == 200 and "Partner zwei" in result.content.decode()
    # someone else's result is not found
    client.force_login(learner())
    assert client.get(response["Location"]).status_code == 404


def test_wrong_and_missing_answers_fail_with_explanations(client, only_mine):
    made = module(questions=4, questions_per_quiz=4)
    _make_kinds(made)
    Question.objects.filter(module=made, key="frage-2").update(explanation="Weil A und C.")
    client.force_login(learner())
    client.get(reverse("learning:quiz", args=[made.slug]))
    answers = {**RIGHT, "q-frage-2": ["a"], "q-frage-4-x": "p1"}
    del answers["q-frage-1"]
    response = client.post(reverse("learning:quiz", args=[made.slug]), answers)
    result = client.get(response["Location"]).content.decode()
    assert "Weil A und C." in result
    attempt = QuizAttempt.objects.get(module=made)
    assert (attempt.correct, attempt.passed) == (1, False)


def test_an_ordering_with_a_number_twice_is_refused_with_a_message(client, only_mine):
    made = module(questions=4, questions_per_quiz=4)
    _make_kinds(made)
    client.force_login(learner())
    client.get(reverse("learning:quiz", args=[made.slug]))
    answers = {**RIGHT, "q-frage-3-x": "1"}
    response = client.post(reverse("learning:quiz", args=[made.slug]), answers)
    assert response.status_code == 400
    assert QuizAttempt.objects.get(module=made).finished_at is None


def test_my_progress_and_the_account_link(client, only_mine):
    made = module(questions=2)
    user = learner()
    _pass(user, made)
    client.force_login(user)
    page = client.get(reverse("learning:progress"))
    assert page.status_code == 200 and made.title in page.content.decode()
    assert client.get(reverse("accounts:mailbox")).status_code == 200


def test_large_text_is_a_cookie_for_visitors_too(client, only_mine):
    target = reverse("learning:index")
    response = client.post(reverse("learning:text_size"), {"size": "large", "next": target})
    assert response.status_code == 302 and response["Location"] == target
    assert response.cookies["learning_text"].value == "large"
    assert "learning-large" in client.get(target).content.decode()
    response = client.post(reverse("learning:text_size"), {"size": "normal", "next": target})
    assert "learning-large" not in client.get(target).content.decode()
    # no open redirect
    response = client.post(reverse("learning:text_size"), {"next": "https://evil.example/"})
    assert response["Location"] == target
    assert client.get(reverse("learning:text_size")).status_code == 405


def test_markup_is_escaped_and_allows_only_the_subset():
    html = markup.render(
        "Hallo <script>x</script> **fett**\n\n- [gut](https://a.de)\n- [böse](javascript:x)\n\n"
        "1. [intern](/termine/)\n2. ![Bild](learning/a.png) ![weg](https://x.de/a.png)"
    )
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<strong>fett</strong>" in html
    assert '<a href="https://a.de" rel="noopener">gut</a>' in html
    assert "javascript" not in html and "<li>böse</li>" in html
    assert '<ol><li><a href="/termine/">intern</a></li>' in html
    assert 'src="/static/learning/a.png"' in html and "x.de" not in html
