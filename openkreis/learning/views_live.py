"""Live quiz pages: the teacher's screen (new session, host, state, results) and the learner's
pages (join with the code, answer). Learners need no account: a random token in an HttpOnly
cookie identifies the participant (live.py). Without JavaScript every page works with forms
and a refresh button; live.js polls the state and swaps the page's live part in."""

from __future__ import annotations

import os

from django.conf import settings
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from openkreis.cockpit import svg
from openkreis.core import ratelimit
from openkreis.core.net import client_ip
from openkreis.core.qr import qr_svg

from . import live
from .forms_live import AnswerForm, JoinForm, LiveNewForm
from .groups import teacher_required
from .models import LiveSession

State = LiveSession.State


def _joins_per_minute() -> int:
    return int(
        getattr(
            settings,
            "LEARNING_LIVE_JOINS_PER_MINUTE",
            os.environ.get("OPENKREIS_LEARNING_LIVE_JOINS_PER_MINUTE", 60),
        )
    )


def _join_limited(request) -> bool:
    """A fixed one-minute window per client address in the shared cache (a class behind one
    school router shares an address: the default allows 60 joins a minute)."""
    key = f"learning-live-join:{client_ip(request) or 'unknown'}"
    return ratelimit.window_count(key, 60) > _joins_per_minute()


def _problem(request, message: str, status: int = 400, back: str = ""):
    return render(
        request,
        "learning/live_problem.html",
        {"message": message, "back": back or reverse("learning:join")},
        status=status,
    )


# -- teacher -----------------------------------------------------------------------------------
def _own(request, key) -> LiveSession:
    session = live.session_for_teacher(request.user, key)
    if session is None:
        raise Http404(_("There is no such live quiz of yours."))
    return session


@teacher_required
@require_http_methods(["GET", "POST"])
def live_new(request):
    form = LiveNewForm(request.POST or None, user=request.user)
    error = ""
    if request.method == "POST" and form.is_valid():
        try:
            session = live.create_session(
                request.user,
                form.cleaned_data["module"],
                count=form.cleaned_data["count"],
                group=form.cleaned_data["group"],
            )
        except live.LiveError as exc:
            error = str(exc)
        else:
            return redirect("learning:live_host", key=session.key)
    recent = list(
        LiveSession.objects.filter(teacher=request.user)
        .select_related("module", "group")
        .order_by("-created_at")[:10]
    )
    joined = live.participants_per_session(recent)
    for s in recent:
        s.participant_count = joined.get(s.pk, 0)
    return render(
        request,
        "learning/live_new.html",
        {"form": form, "error": error, "recent": recent},
        status=400 if request.method == "POST" else 200,
    )


def _host_context(request, session: LiveSession) -> dict:
    join_url = request.build_absolute_uri(reverse("learning:join")) + f"?code={session.code}"
    short_url = request.build_absolute_uri("/quiz/")
    context = {
        "session": session,
        "total": len(session.question_keys),
        "number": session.current + 1,
        "short_url": short_url,
        "qr": qr_svg(join_url, _("QR code to join the live quiz")),
        "join_url": join_url,
        **live.counts(session),
    }
    if session.state in (State.QUESTION, State.REVEAL):
        question = live.question_at(session, session.current)
        context["question"] = question
        context["question_text"] = live.localized(question, "text") if question else ""
        right = set(live.right_keys(question)) if question else set()
        context["option_rows"] = [
            {
                "label": live.localized(o, "text"),
                "right": session.state == State.REVEAL and o["key"] in right,
            }
            for o in (question.options if question else [])
        ]
        if session.state == State.REVEAL:
            result = live.tally(session, session.current, question)
            context["tally"] = result
            context["chart"] = svg.hbar_chart(
                _("Answers to question %(n)s") % {"n": session.current + 1},
                [(o.label, o.count) for o in result.options],
                unit=_("answers"),
            )
    context["is_last"] = session.current + 1 >= len(session.question_keys)
    return context


@teacher_required
@require_http_methods(["GET", "POST"])
def live_host(request, key):
    session = _own(request, key)
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            seen = int(request.POST.get("current", ""))
        except ValueError:
            return _problem(
                request,
                _("The form was incomplete. Please try again."),
                back=reverse("learning:live_host", kwargs={"key": session.key}),
            )
        if action == "next":
            live.next_question(session, seen)
        elif action == "reveal":
            live.reveal(session, seen)
        elif action == "end":
            live.close(session)
        else:
            return _problem(
                request,
                _("Unknown action."),
                back=reverse("learning:live_host", kwargs={"key": session.key}),
            )
        # a click that lost the race (another tab moved on) just shows the current state
        if session.state == State.CLOSED or action == "end":
            return redirect("learning:live_results", key=session.key)
        return redirect("learning:live_host", key=session.key)
    if session.state == State.CLOSED:
        return redirect("learning:live_results", key=session.key)
    return render(request, "learning/live_host.html", _host_context(request, session))


@teacher_required
@require_GET
def live_state(request, key):
    session = _own(request, key)
    return JsonResponse(
        {
            "state": session.state,
            "current": session.current,
            "total": len(session.question_keys),
            **live.counts(session),
        }
    )


@teacher_required
@require_GET
def live_results(request, key):
    session = _own(request, key)
    if session.state != State.CLOSED:
        return redirect("learning:live_host", key=session.key)
    blocks = []
    for t in live.results(session):
        text = live.localized(t.question, "text") if t.question else _("(question removed)")
        blocks.append(
            {
                "t": t,
                "text": text,
                "chart": svg.hbar_chart(
                    f"{t.index + 1}. {text}",
                    [(o.label, o.count) for o in t.options],
                    unit=_("answers"),
                )
                if t.answers
                else "",
            }
        )
    return render(
        request,
        "learning/live_results.html",
        {"session": session, "blocks": blocks, **live.counts(session)},
    )


# -- learner -----------------------------------------------------------------------------------
@never_cache
@require_http_methods(["GET", "POST"])
def join(request):
    if request.method == "POST":
        form = JoinForm(request.POST)
        if _join_limited(request):
            return _problem(
                request, _("Too many attempts from this network. Please wait a minute."), 429
            )
        if form.is_valid():
            session = live.open_by_code(form.cleaned_data["code"])
            if session is None:
                form.add_error("code", _("There is no open quiz with this code. Please check it."))
            else:
                token = request.COOKIES.get(live.COOKIE) or live.new_token()
                live.join(session, token)
                response = redirect("learning:live_play", code=session.code)
                response.set_cookie(
                    live.COOKIE,
                    token,
                    max_age=int(live.MAX_AGE.total_seconds()) + 3600,
                    path=reverse("learning:join"),
                    httponly=True,
                    samesite="Lax",
                    secure=request.is_secure(),
                )
                return response
        return render(request, "learning/live_join.html", {"form": form}, status=400)
    form = JoinForm(initial={"code": request.GET.get("code", "")[:12]})
    return render(request, "learning/live_join.html", {"form": form})


def _play_context(request, session, participant, form=None, message="") -> dict:
    context = {
        "session": session,
        "number": session.current + 1,
        "total": len(session.question_keys),
        "message": message,
    }
    if session.state in (State.QUESTION, State.REVEAL):
        question = live.question_at(session, session.current)
        mine = live.own_answer(session, participant, session.current)
        context.update(
            question=question,
            mine=mine,
            question_text=live.localized(question, "text") if question else "",
        )
        if session.state == State.QUESTION and mine is None and question is not None:
            context["form"] = form or AnswerForm(
                initial={"index": session.current}, question=question
            )
        if session.state == State.REVEAL and question is not None:
            right = set(live.right_keys(question))
            context["right"] = [
                live.localized(o, "text") for o in question.options if o["key"] in right
            ]
    return context


@never_cache
@require_http_methods(["GET", "POST"])
def live_play(request, code):
    session = live.open_by_code(code)
    if session is None:
        return _problem(request, _("This quiz has ended or the code is wrong."), 404)
    participant = live.participant_for(session, request.COOKIES.get(live.COOKIE))
    if participant is None:
        return redirect(reverse("learning:join") + f"?code={session.code}")
    if request.method == "POST":
        question = live.question_at(session, session.current)
        if question is None:
            return _problem(
                request,
                _("This question is closed. Please wait for the next one."),
                409,
                back=reverse("learning:live_play", kwargs={"code": code}),
            )
        form = AnswerForm(request.POST, question=question)
        if not form.is_valid():
            return render(
                request,
                "learning/live_play.html",
                _play_context(request, session, participant, form),
                status=400,
            )
        try:
            live.answer(session, participant, form.cleaned_data["index"], form.chosen())
        except live.AlreadyAnswered as exc:
            return render(
                request,
                "learning/live_play.html",
                _play_context(request, session, participant, message=str(exc)),
                status=409,
            )
        except live.LiveError as exc:
            session.refresh_from_db()
            return render(
                request,
                "learning/live_play.html",
                _play_context(request, session, participant, message=str(exc)),
                status=409,
            )
        return redirect("learning:live_play", code=session.code)
    return render(request, "learning/live_play.html", _play_context(request, session, participant))


@never_cache
@require_GET
def live_play_state(request, code):
    session = live.open_by_code(code)
    if session is None:
        return JsonResponse({"state": State.CLOSED, "current": -1})
    participant = live.participant_for(session, request.COOKIES.get(live.COOKIE))
    mine = live.own_answer(session, participant, session.current)
    return JsonResponse(
        {"state": session.state, "current": session.current, "answered": mine is not None}
    )
