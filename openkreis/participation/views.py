"""Taking part in a survey (P2): the public start page, a survey's page with the code entry or
the login prompt, the questionnaire (one page, works without JavaScript), the thank-you page
with the receipt and the published receipt list with a check.

Nothing here stores what someone answered next to who they are: the receipt reaches the
thank-you page in a signed cookie in the voter's browser (not in the session, not in the URL),
the session only remembers that a questionnaire was started (for the cockpit's figure)."""

from __future__ import annotations

from django.conf import settings
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from . import voting
from .forms import CodeForm, ReceiptForm
from .models import Survey

RECEIPT_COOKIE = "beteiligung-beleg-{pk}"
VOTED_COOKIE = "beteiligung-teilgenommen-{pk}"
STARTED_KEY = "participation_started"
RECEIPTS_PER_PAGE = 500
SURVEY_PAGE = "participation/vote/survey.html"


def _url_or_blank(name: str, *args) -> str:
    """A URL of another part of the app (results: P3, proposals: P4) — "" until it exists."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


def _public_survey(key: str) -> Survey:
    survey = (
        Survey.objects.select_related("region", "unit")
        .exclude(status=Survey.Status.DRAFT)
        .filter(key=key)
        .first()
    )
    if survey is None:
        raise Http404(_("There is no such survey."))
    survey.name_lang = survey.lang_of("name")
    return survey


def _state(survey: Survey) -> str:
    if survey.is_open():
        return "open"
    now = timezone.now()
    if survey.status == Survey.Status.PUBLISHED and survey.opens_at and now < survey.opens_at:
        return "upcoming"
    return "closed"


def _results_url(survey: Survey) -> str:
    if not survey.results_public:
        return ""
    return _url_or_blank("participation:results", survey.key)


def index(request):
    # archived surveys leave the start page (P1's archive); their pages and receipts stay
    surveys = list(
        Survey.objects.filter(status=Survey.Status.PUBLISHED)
        .select_related("region")
        .order_by("-opens_at", "name")
    )
    groups = {"open": [], "upcoming": [], "closed": []}
    for survey in surveys:
        survey.state = _state(survey)
        survey.name_lang = survey.lang_of("name")
        survey.results_url = _results_url(survey)
        groups[survey.state].append(survey)
    return render(
        request,
        "participation/index.html",
        {
            "open_surveys": groups["open"],
            "upcoming_surveys": groups["upcoming"],
            "closed_surveys": groups["closed"][:20],
            "proposals_url": _url_or_blank("participation:proposals"),
        },
    )


def _page_context(request, survey: Survey, **extra) -> dict:
    state = _state(survey)
    refusal = ""
    if state == "open" and survey.audience == Survey.Audience.ACCOUNT:
        refusal = voting.account_refusal(survey, request.user)
    return {
        "survey": survey,
        "state": state,
        "refusal": refusal,
        "login_url": reverse("account_login")
        + "?"
        + urlencode({"next": reverse("participation:questionnaire", args=[survey.key])}),
        "results_url": _results_url(survey),
        "eid_needed": survey.min_login_level == "eid",
        "voted_here": bool(_voted_cookie(request, survey)),
        **extra,
    }


def _voted_cookie(request, survey: Survey) -> str:
    return request.get_signed_cookie(
        VOTED_COOKIE.format(pk=survey.pk), default="", salt="participation-voted"
    )


def survey_page(request, key: str):
    """The survey's start: what it is about, who may take part, the code entry (CODES; the
    letter's QR code opens this page with `?code=…` filled in) or the login (ACCOUNT)."""
    survey = _public_survey(key)
    code_form = CodeForm(initial={"code": request.GET.get("code", "")[:40]})
    return render(
        request,
        SURVEY_PAGE,
        _page_context(request, survey, code_form=code_form),
    )


def _mark_started(request, survey: Survey) -> None:
    started = request.session.get(STARTED_KEY, [])
    if survey.pk not in started:
        voting.record_started(survey)
        request.session[STARTED_KEY] = [*started, survey.pk][-50:]


def _questionnaire_page(request, survey, form, code="", status=200, problem=""):
    errors = form.error_list() if form.is_bound else []
    return render(
        request,
        "participation/vote/questionnaire.html",
        {
            "survey": survey,
            "form": form,
            "code": code,
            "errors": errors,
            "problem": problem,
            "voted_here": survey.audience == Survey.Audience.PUBLIC
            and bool(_voted_cookie(request, survey)),
            "map_tiles": getattr(settings, "OPENKREIS_MAP_TILE_URL", ""),
            "map_attribution": getattr(settings, "OPENKREIS_MAP_ATTRIBUTION", ""),
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
def questionnaire(request, key: str):
    survey = _public_survey(key)
    if not survey.is_open():
        status = 200 if request.method == "GET" else 400
        return render(request, SURVEY_PAGE, _page_context(request, survey), status=status)
    if survey.audience == Survey.Audience.ACCOUNT:
        if not request.user.is_authenticated:
            return redirect(_page_context(request, survey)["login_url"])
        if voting.account_refusal(survey, request.user):
            return render(
                request,
                SURVEY_PAGE,
                _page_context(request, survey),
                status=403,
            )
        if survey.participations.filter(user=request.user).exists():
            return render(
                request,
                SURVEY_PAGE,
                _page_context(request, survey, already=True),
                status=200 if request.method == "GET" else 409,
            )
    if request.method == "GET":
        if survey.audience == Survey.Audience.CODES:
            return redirect("participation:survey", key=survey.key)
        _mark_started(request, survey)
        return _questionnaire_page(request, survey, voting.questionnaire_form(survey))

    if request.POST.get("step") == "code":  # from the survey page: the code first
        code_form = CodeForm(request.POST)
        problem = ""
        if code_form.is_valid():
            status = voting.code_status(survey, code_form.cleaned_data["code"])
            if status == "ok":
                _mark_started(request, survey)
                return _questionnaire_page(
                    request, survey, voting.questionnaire_form(survey), code=request.POST["code"]
                )
            problem = (
                _("This code was already used. Each code counts once.")
                if status == "used"
                else _("We do not know this code. Please check it against your letter.")
            )
            code_form.add_error("code", problem)
        return render(
            request,
            SURVEY_PAGE,
            _page_context(request, survey, code_form=code_form),
            status=400,
        )

    form = voting.questionnaire_form(survey, request.POST)
    code = request.POST.get("code", "")[:40]
    if not form.is_valid():
        return _questionnaire_page(request, survey, form, code=code, status=400)
    try:
        receipt = voting.cast(survey, form.answers, code=code, user=request.user)
    except voting.VoteError as exc:
        return _questionnaire_page(request, survey, form, code=code, status=409, problem=str(exc))
    response = redirect("participation:thanks", key=survey.key)
    response.status_code = 303
    secure = request.is_secure()
    response.set_signed_cookie(
        RECEIPT_COOKIE.format(pk=survey.pk),
        receipt,
        salt="participation-receipt",
        max_age=3600,
        httponly=True,
        samesite="Lax",
        secure=secure,
    )
    if survey.audience == Survey.Audience.PUBLIC:
        response.set_signed_cookie(
            VOTED_COOKIE.format(pk=survey.pk),
            "1",
            salt="participation-voted",
            max_age=365 * 86400,
            httponly=True,
            samesite="Lax",
            secure=secure,
        )
    return response


def thanks(request, key: str):
    survey = _public_survey(key)
    receipt = request.get_signed_cookie(
        RECEIPT_COOKIE.format(pk=survey.pk), default="", salt="participation-receipt", max_age=3600
    )
    return render(
        request,
        "participation/vote/thanks.html",
        {"survey": survey, "receipt": receipt, "results_url": _results_url(survey)},
    )


@require_http_methods(["GET", "POST"])
def receipt_list(request, key: str):
    """The published receipts (sorted, so the list's order says nothing) and a check. The
    check is a POST: a receipt in a URL would stand in access logs next to an address."""
    survey = _public_survey(key)
    form = ReceiptForm(request.POST or None)
    checked = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            checked = {
                "receipt": form.cleaned_data["receipt"],
                "counted": voting.receipt_counted(survey, form.cleaned_data["receipt"]),
            }
        else:
            status = 400
    paginator = Paginator(voting.receipts(survey), RECEIPTS_PER_PAGE)
    page = paginator.get_page(request.GET.get("seite"))
    return render(
        request,
        "participation/vote/receipts.html",
        {"survey": survey, "form": form, "checked": checked, "page": page, "state": _state(survey)},
        status=status,
    )


def receipt_text(request, key: str):
    survey = _public_survey(key)
    body = "".join(f"{receipt}\n" for receipt in voting.receipts(survey).iterator())
    response = HttpResponse(body, content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="belege-{survey.key}.txt"'
    return response
