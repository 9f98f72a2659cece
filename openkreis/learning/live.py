"""Live quiz in class (issue 23, docs/learning.md "Live-Quiz"): a teacher starts a session
with a module's questions; learners join with a six-digit code on their own phone, without
an account. The teacher's screen shows one question at a time, then the group's answers.

States: lobby → question → reveal → question … → closed. Every transition is one
conditional UPDATE on (state, current), so two clicks on "next" (two tabs, a double click)
move on by exactly one question. A participant is a random token in a cookie; only its
SHA-256 is stored. One answer per participant and question (a DB constraint); answers are
taken only while the question is open (the session row is locked while an answer is
written, so an answer and the reveal never overlap). Sessions close by themselves four
hours after they started (checked whenever a session is looked up).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import random
import secrets

from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from openkreis.core import event_kinds
from openkreis.core.services import record_event

from . import quiz
from .models import LiveAnswer, LiveParticipant, LiveSession, Module, Question

State = LiveSession.State
MAX_AGE = dt.timedelta(hours=4)
CODE_DIGITS = 6
# question kinds a phone can answer with one tap (radio buttons or check boxes)
LIVE_KINDS = (Question.Kind.SINGLE, Question.Kind.MULTIPLE)
COOKIE = "openkreis_live"


class LiveError(Exception):
    """A refused action; `str(exc)` is a message for the person."""


class AlreadyAnswered(LiveError):
    pass


class QuestionClosed(LiveError):
    pass


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(32)


# -- sessions ----------------------------------------------------------------------------------
def live_questions(module: Module):
    """The module's questions a live quiz can ask (active, single or multiple choice)."""
    return Question.objects.filter(module=module, active=True, kind__in=LIVE_KINDS).order_by("key")


def _new_code() -> str:
    return f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"


def create_session(teacher, module: Module, *, count: int | None = None, group=None) -> LiveSession:
    """A new session in the lobby with the module's live questions (all in order, or `count`
    drawn at random). The code is unique among open sessions (a partial unique index); a clash
    draws again."""
    questions = list(live_questions(module))
    if not questions:
        raise LiveError(_("This module has no questions for a live quiz."))
    if count and count < len(questions):
        questions = random.sample(questions, count)
    keys = [[module.slug, q.key] for q in questions]
    expire_old()
    for _attempt in range(50):
        try:
            with transaction.atomic():
                return LiveSession.objects.create(
                    code=_new_code(),
                    teacher=teacher,
                    module=module,
                    group=group,
                    question_keys=keys,
                )
        except IntegrityError:
            continue
    raise LiveError(_("No free code was found. Please try again."))


def expire_old(now=None) -> int:
    """Close sessions open longer than four hours; returns how many."""
    now = now or timezone.now()
    stale = LiveSession.objects.exclude(state=State.CLOSED).filter(created_at__lt=now - MAX_AGE)
    closed = 0
    for session in stale:
        closed += close(session, now=now)
    return closed


def open_by_code(code: str) -> LiveSession | None:
    """The open session with this code, or None."""
    code = (code or "").strip().replace(" ", "")
    if not (code.isdigit() and len(code) == CODE_DIGITS):
        return None
    expire_old()
    return (
        LiveSession.objects.exclude(state=State.CLOSED)
        .select_related("module", "group")
        .filter(code=code)
        .first()
    )


def session_for_teacher(user, key) -> LiveSession | None:
    """The teacher's own session (None for anyone else's: the view answers 404)."""
    expire_old()
    return (
        LiveSession.objects.select_related("module", "group", "group__municipality")
        .filter(key=key, teacher=user)
        .first()
    )


def _move(
    session: LiveSession, *, state: str, current: int, to_state: str, to_current: int, **more
) -> bool:
    updated = LiveSession.objects.filter(pk=session.pk, state=state, current=current).update(
        state=to_state, current=to_current, **more
    )
    if updated:
        session.state, session.current = to_state, to_current
        for name, value in more.items():
            setattr(session, name, value)
    return bool(updated)


def next_question(session: LiveSession, seen_current: int) -> bool:
    """From the lobby or a shown answer to the next question. `seen_current` is the question
    the teacher's page showed: a second click for the same question changes nothing."""
    if seen_current + 1 >= len(session.question_keys):
        return False
    from_state = State.LOBBY if seen_current < 0 else State.REVEAL
    return _move(
        session,
        state=from_state,
        current=seen_current,
        to_state=State.QUESTION,
        to_current=seen_current + 1,
    )


def reveal(session: LiveSession, seen_current: int) -> bool:
    return _move(
        session,
        state=State.QUESTION,
        current=seen_current,
        to_state=State.REVEAL,
        to_current=seen_current,
    )


def close(session: LiveSession, *, now=None) -> bool:
    """End the session (from any open state) and record the aggregate event once."""
    now = now or timezone.now()
    updated = (
        LiveSession.objects.filter(pk=session.pk)
        .exclude(state=State.CLOSED)
        .update(state=State.CLOSED, closed_at=now)
    )
    if not updated:
        return False
    session.state, session.closed_at = State.CLOSED, now
    group = session.group
    record_event(
        event_kinds.LEARNING_LIVE_QUIZ,
        data={
            "questions": len(session.question_keys),
            "participants": LiveParticipant.objects.filter(session=session).count(),
            "answers": LiveAnswer.objects.filter(session=session).count(),
            "group_kind": group.kind if group else "",
            "municipality": (group.municipality.ars if group and group.municipality else ""),
        },
    )
    return True


# -- questions ---------------------------------------------------------------------------------
def question_at(session: LiveSession, index: int) -> Question | None:
    if not 0 <= index < len(session.question_keys):
        return None
    slug, key = session.question_keys[index]
    return Question.objects.filter(module__slug=slug, key=key).first()


def localized(obj: dict | Question, field: str) -> str:
    """A text in the page's language (the `_en` variant in English when there is one)."""
    english = (get_language() or "de").startswith("en")
    if isinstance(obj, dict):
        return (english and obj.get(f"{field}_en")) or obj.get(field, "")
    return (english and getattr(obj, f"{field}_en", "")) or getattr(obj, field)


def right_keys(question: Question) -> list[str]:
    answer = question.answer
    return [answer] if isinstance(answer, str) else list(answer)


# -- participants and answers ------------------------------------------------------------------
def join(session: LiveSession, token: str) -> LiveParticipant:
    """The participant for this token (the same one again when the learner joins twice)."""
    participant, _created = LiveParticipant.objects.get_or_create(
        session=session, token_hash=token_hash(token)
    )
    return participant


def participant_for(session: LiveSession, token: str | None) -> LiveParticipant | None:
    if not token:
        return None
    return LiveParticipant.objects.filter(session=session, token_hash=token_hash(token)).first()


def clean_answer(question: Question, chosen: list[str]):
    """The learner's choice as stored: one key (single) or a sorted key list (multiple);
    keys not among the options are refused."""
    keys = {o["key"] for o in question.options}
    chosen = [c for c in dict.fromkeys(chosen) if c]
    if not chosen or any(c not in keys for c in chosen):
        raise LiveError(_("Please choose an answer."))
    if question.kind == Question.Kind.SINGLE:
        if len(chosen) != 1:
            raise LiveError(_("Please choose one answer."))
        return chosen[0]
    return sorted(chosen)


def answer(
    session: LiveSession, participant: LiveParticipant, index: int, chosen: list[str]
) -> LiveAnswer:
    """Store the participant's answer to question `index` while it is open."""
    with transaction.atomic():
        # the reveal waits for this lock (and this for the reveal): no answer after it
        current = LiveSession.objects.select_for_update().get(pk=session.pk)
        if current.state != State.QUESTION or current.current != index:
            raise QuestionClosed(_("This question is closed. Please wait for the next one."))
        question = question_at(current, index)
        if question is None:
            raise QuestionClosed(_("This question is closed. Please wait for the next one."))
        value = clean_answer(question, chosen)
        try:
            with transaction.atomic():
                return LiveAnswer.objects.create(
                    session=current,
                    participant=participant,
                    index=index,
                    answer=value,
                    correct=quiz.score(question, value),
                )
        except IntegrityError:
            raise AlreadyAnswered(_("You have already answered this question.")) from None


def own_answer(session: LiveSession, participant: LiveParticipant | None, index: int):
    if participant is None or index < 0:
        return None
    return LiveAnswer.objects.filter(session=session, participant=participant, index=index).first()


# -- aggregates --------------------------------------------------------------------------------
@dataclasses.dataclass
class OptionCount:
    key: str
    label: str
    count: int
    right: bool


@dataclasses.dataclass
class QuestionTally:
    index: int
    question: Question | None
    answers: int
    correct: int
    options: list[OptionCount]

    @property
    def share_right(self) -> int | None:
        return round(100 * self.correct / self.answers) if self.answers else None


def tally(session: LiveSession, index: int, question: Question | None = None) -> QuestionTally:
    """How the group answered question `index`: answers, right ones, and the count per option
    (a multiple-choice answer counts for each option chosen)."""
    question = question or question_at(session, index)
    rows = LiveAnswer.objects.filter(session=session, index=index).values_list("answer", "correct")
    per_key: dict[str, int] = {}
    answers = correct = 0
    for value, is_right in rows:
        answers += 1
        correct += bool(is_right)
        for key in [value] if isinstance(value, str) else value:
            per_key[key] = per_key.get(key, 0) + 1
    options = []
    if question is not None:
        right = set(right_keys(question))
        options = [
            OptionCount(o["key"], localized(o, "text"), per_key.get(o["key"], 0), o["key"] in right)
            for o in question.options
        ]
    return QuestionTally(index, question, answers, correct, options)


def counts(session: LiveSession) -> dict:
    """Participants, and answers to the current question (for the screens' polling)."""
    participants = LiveParticipant.objects.filter(session=session).count()
    answered = (
        LiveAnswer.objects.filter(session=session, index=session.current).count()
        if session.current >= 0
        else 0
    )
    return {"participants": participants, "answered": answered}


def results(session: LiveSession) -> list[QuestionTally]:
    """Per question: answers, share right and the distribution (aggregates only)."""
    slugs = {slug for slug, _k in session.question_keys}
    bank = {
        (q.module.slug, q.key): q
        for q in Question.objects.filter(module__slug__in=slugs).select_related("module")
    }
    return [
        tally(session, i, bank.get((slug, key)))
        for i, (slug, key) in enumerate(session.question_keys)
    ]


def participants_per_session(sessions) -> dict[int, int]:
    rows = (
        LiveParticipant.objects.filter(session__in=sessions)
        .values("session")
        .annotate(n=Count("id"))
    )
    return {r["session"]: r["n"] for r in rows}
