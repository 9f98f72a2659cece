"""The assistant's pages: the conversation (works without JavaScript: POST-redirect-GET;
with it, the same POST answered as an HTML fragment), handing over, the staff evaluation."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from openkreis.cases.services import CaseError
from openkreis.catalog.models import Service
from openkreis.core import services as core
from openkreis.core.staff import Role, staff_required

from . import dialogue, services
from .forms import HandoverForm, QuestionForm
from .models import UnansweredQuestion

SESSION_KEY = "assistant"
MAX_TURNS = 20  # the page shows the last 20 messages; older ones leave the session


def _tenant():
    tenant = core.current_tenant()
    if tenant is None:
        raise Http404
    return tenant


def _conversation(request) -> dict:
    data = request.session.get(SESSION_KEY)
    if (
        not isinstance(data, dict)
        or not isinstance(data.get("turns"), list)
        or not isinstance(data.get("state"), dict)
    ):
        data = {"state": dialogue.new_state(), "turns": []}
    return data


def _wants_fragment(request) -> bool:
    return request.headers.get("X-Requested-With") == "fetch"


@require_http_methods(["GET", "POST"])
def index(request):
    tenant = _tenant()
    conversation = _conversation(request)
    form = QuestionForm(request.POST or None)
    if request.method == "POST":
        if not form.is_valid():
            if _wants_fragment(request):
                return JsonResponse({"errors": form.errors.get_json_data()}, status=400)
            return _page(request, conversation, form, status=400)
        text = form.cleaned_data["frage"]
        reply, state = dialogue.respond(tenant, conversation["state"], text)
        services.record_turn(tenant, reply, text)
        turns = [{"who": "you", "text": text}, {"who": "bot", "reply": reply.as_dict()}]
        conversation["state"] = state
        conversation["turns"] = (conversation["turns"] + turns)[-MAX_TURNS:]
        request.session[SESSION_KEY] = conversation
        if _wants_fragment(request):
            html = render_to_string(
                "assistant/_turns.html", {"turns": turns, "latest": True}, request=request
            )
            return JsonResponse({"html": html, "answered": reply.answered})
        return redirect(reverse("assistant:index") + "#antwort")
    return _page(request, conversation, form)


def _page(request, conversation, form, status=200):
    return render(
        request,
        "assistant/index.html",
        {"form": form, "turns": conversation["turns"]},
        status=status,
    )


@require_POST
def reset(request):
    request.session.pop(SESSION_KEY, None)
    return redirect("assistant:index")


def _last_question(conversation: dict) -> str:
    """The question to pass on: the last one left unanswered, else the last one asked."""
    turns = conversation["turns"]
    asked = [
        (str(turn.get("text", "")), turns[i + 1].get("reply", {}).get("answered", True))
        for i, turn in enumerate(turns[:-1])
        if turn.get("who") == "you"
    ]
    unanswered = [text for text, answered in asked if not answered]
    if unanswered:
        return unanswered[-1]
    return asked[-1][0] if asked else ""


@require_http_methods(["GET", "POST"])
def handover(request):
    """Pass the question to a person — only with consent; logged in: answer in the mailbox."""
    tenant = _tenant()
    conversation = _conversation(request)
    user = request.user if request.user.is_authenticated else None
    initial = {"frage": _last_question(conversation)}
    slug = conversation["state"].get("service", "")
    if slug and Service.objects.filter(tenant=tenant, slug=slug).exists():
        initial["leistung"] = slug
    form = HandoverForm(request.POST or None, tenant=tenant, user=user, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                case = services.hand_over(
                    tenant=tenant,
                    service=form.cleaned_data["leistung"],
                    question=form.cleaned_data["frage"],
                    name=form.cleaned_data["name"],
                    email=form.cleaned_data.get("email", ""),
                    user=user,
                    consent=form.cleaned_data["einverstanden"],
                )
            except (services.HandoverError, CaseError) as exc:
                form.add_error(None, str(exc))
            else:
                request.session[SESSION_KEY + "-handed-over"] = case.file_number
                return redirect("assistant:handover_done")
        status = 400
    return render(request, "assistant/handover.html", {"form": form, "user": user}, status=status)


def handover_done(request):
    file_number = request.session.get(SESSION_KEY + "-handed-over")
    if not file_number:
        return redirect("assistant:index")
    return render(
        request,
        "assistant/handover_done.html",
        {"file_number": file_number, "mailbox": request.user.is_authenticated},
    )


@staff_required(Role.MANAGER)
def office(request):
    """For the content team: the most asked intents and the unanswered questions (scrubbed)."""
    tenant = _tenant()
    questions = UnansweredQuestion.objects.filter(tenant=tenant).order_by("-asked_at")
    page = Paginator(questions, 50).get_page(request.GET.get("seite"))
    return render(
        request,
        "assistant/office.html",
        {
            "intents": services.frequent_intents(tenant),
            "page": page,
            "retention_days": services.config.current().retention_days,
        },
    )
