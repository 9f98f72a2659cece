"""Bildung & Arbeit for young people (J1): the start page, the offers and the interest test.

The test stores nothing: its answers are posted once, scored, and the result page carries
the six scores in its query string (/bildung-arbeit/interessen/ergebnis/?R=…&I=…). Only a
logged-in person who ticks the consent box keeps a result (InterestResult), and can delete it.
"""

from __future__ import annotations

import json

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from openkreis.core import event_kinds
from openkreis.core.services import record_event

from . import interest, learn
from .forms_learn import OfferSearchForm, SaveResultForm
from .models import Field, InterestResult, Offer

OFFERS_PER_PAGE = 20
DEFAULT_RADIUS_KM = 20


def _url_or_blank(name: str, *args) -> str:
    """A page of the job board (J2) — "" while it does not exist."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


def index(request):
    return render(
        request,
        "jobs/index.html",
        {
            "fields": Field.objects.all(),
            "jobs_url": _url_or_blank("jobs:jobs"),
            "offer_kinds": Offer.Kind.choices,
        },
    )


def offers(request):
    data = None
    if request.GET:
        data = request.GET.copy()
        data.setdefault("radius", str(DEFAULT_RADIUS_KM))  # what the select shows first
    form = OfferSearchForm(data, initial={"radius": DEFAULT_RADIUS_KM})
    status = 200
    found: list[Offer] = []
    if form.is_bound and not form.is_valid():
        status = 400
    else:
        cleaned = form.cleaned_data if form.is_bound else {}
        query = learn.OfferQuery(
            words=cleaned.get("q", ""),
            kind=cleaned.get("kind", ""),
            field=cleaned.get("field"),
            near=cleaned.get("municipality"),
            radius_km=cleaned.get("radius") or DEFAULT_RADIUS_KM,
        )
        found = learn.search_offers(query)
    page = Paginator(found, OFFERS_PER_PAGE).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "jobs/offer_list.html",
        {
            "form": form,
            "page": page,
            "total": len(found),
            "query_string": params.urlencode(),
        },
        status=status,
    )


def _offer_jsonld(request, offer: Offer) -> str:
    """schema.org markup: an EducationalOccupationalProgram (Ausbildung, Studium) or a Course."""
    programme = offer.kind in (Offer.Kind.APPRENTICESHIP, Offer.Kind.STUDY, Offer.Kind.DUAL_STUDY)
    provider = {"@type": "EducationalOrganization", "name": offer.provider.name}
    if offer.provider.website:
        provider["url"] = offer.provider.website
    data = {
        "@context": "https://schema.org",
        "@type": "EducationalOccupationalProgram" if programme else "Course",
        "name": offer.title,
        "description": offer.description,
        "url": request.build_absolute_uri(),
        "provider": provider,
    }
    place = {
        "@type": "Place",
        "address": {
            "@type": "PostalAddress",
            "streetAddress": offer.street,
            "postalCode": offer.postcode,
            "addressLocality": offer.town,
            "addressCountry": "DE",
        },
    }
    if offer.lat is not None:
        place["geo"] = {"@type": "GeoCoordinates", "latitude": offer.lat, "longitude": offer.lon}
    if programme:
        data["educationalCredentialAwarded"] = offer.degree or None
        data["startDate"] = offer.starts_on.isoformat() if offer.starts_on else None
        # no timeToComplete: the county's duration is free text ("3 Jahre"), not ISO 8601
        data["location"] = place
    else:
        instance = {"@type": "CourseInstance", "courseMode": "onsite", "location": place}
        if offer.starts_on:
            instance["startDate"] = offer.starts_on.isoformat()
        if offer.ends_on:
            instance["endDate"] = offer.ends_on.isoformat()
        data["hasCourseInstance"] = instance
    data = {k: v for k, v in data.items() if v not in (None, "")}
    # "</" cannot end the script element early
    return json.dumps(data, ensure_ascii=False).replace("</", "<\\/")


def offer(request, slug: str):
    item = get_object_or_404(
        Offer.objects.select_related("provider", "municipality").prefetch_related("fields"),
        slug=slug,
        published=True,
    )
    return render(
        request,
        "jobs/offer_detail.html",
        {"offer": item, "jsonld": _offer_jsonld(request, item)},
    )


# --- the interest test ------------------------------------------------------------------


def _test_page(request, answers=None, missing=(), invalid=(), status=200):
    answers = answers or {}
    rows = [
        {"item": item, "key": interest.item_key(item), "value": answers.get(item.number, "")}
        for item in interest.ITEMS
    ]
    problems = sorted(set(missing) | set(invalid))
    return render(
        request,
        "jobs/interest_test.html",
        {
            "rows": rows,
            "problems": problems,
            "missing": list(missing),
            "invalid": list(invalid),
            "total": len(interest.ITEMS),
            "answered": len(interest.ITEMS) - len(problems),
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
def interest_test(request):
    if request.method == "GET":
        return _test_page(request)
    try:
        answers = interest.read_answers(request.POST)
    except interest.AnswerError as exc:
        kept = {
            item.number: request.POST.get(interest.item_key(item))
            for item in interest.ITEMS
            if request.POST.get(interest.item_key(item)) in interest.ANSWERS
        }
        return _test_page(request, kept, exc.missing, exc.invalid, status=400)
    scores = interest.score(answers)
    code = interest.code_of(scores)
    record_event(event_kinds.JOBS_INTEREST_TEST_DONE, data={"code": code, "saved": False})
    return redirect(reverse("jobs:interest_result") + "?" + urlencode(scores), permanent=False)


def _result_context(scores: dict[str, int]) -> dict:
    code = interest.code_of(scores)
    fields = interest.matching_fields(code, list(Field.objects.all()))
    bars = [
        {
            "type": t,
            "name": interest.TYPE_NAMES[t],
            "text": interest.TYPE_TEXTS[t],
            "score": scores[t],
            "percent": round(100 * scores[t] / interest.MAX_SCORE),
            "in_code": t in code,
        }
        for t in interest.TYPES
    ]
    return {
        "scores": scores,
        "code": code,
        "code_types": [(t, interest.TYPE_NAMES[t], interest.TYPE_TEXTS[t]) for t in code],
        "tie": interest.has_tie(scores),
        "bars": bars,
        "max_score": interest.MAX_SCORE,
        "fields": fields,
        "offers": learn.offers_of_fields(fields),
        "jobs": learn.open_jobs_of_fields(fields),
        "jobs_url": _url_or_blank("jobs:jobs"),
        "query_string": urlencode(scores),
        # log in and come back to this result (to save it)
        "login_url": reverse("account_login")
        + "?"
        + urlencode({"next": reverse("jobs:interest_result") + "?" + urlencode(scores)}),
    }


def _job_link(job) -> str:
    return _url_or_blank("jobs:job", job.key)


def interest_result(request):
    try:
        scores = interest.parse_scores(request.GET)
    except ValueError:
        return render(request, "jobs/interest_bad_result.html", status=400)
    context = _result_context(scores)
    for job in context["jobs"]:
        job.link = _job_link(job)
    context["form"] = SaveResultForm(initial=scores)
    return render(request, "jobs/interest_result.html", context)


@require_POST
def interest_save(request):
    form = SaveResultForm(request.POST)
    if not request.user.is_authenticated:
        # only a logged-in person can keep a result: log in, then back to the result page
        try:
            back = (
                reverse("jobs:interest_result")
                + "?"
                + urlencode(interest.parse_scores(request.POST))
            )
        except ValueError:
            back = reverse("jobs:interest")
        return redirect(f"{reverse('account_login')}?{urlencode({'next': back})}")
    if not form.is_valid():
        try:
            scores = interest.parse_scores(request.POST)
        except ValueError:
            return render(request, "jobs/interest_bad_result.html", status=400)
        context = _result_context(scores)
        for job in context["jobs"]:
            job.link = _job_link(job)
        context["form"] = form
        return render(request, "jobs/interest_result.html", context, status=400)
    scores = form.scores()
    code = interest.code_of(scores)
    with transaction.atomic():
        InterestResult.objects.create(
            user=request.user, scores=scores, code=code, consented_at=timezone.now()
        )
        record_event(event_kinds.JOBS_INTEREST_TEST_DONE, data={"code": code, "saved": True})
    return redirect("jobs:interest_saved")


@login_required
def interest_saved(request):
    results = list(InterestResult.objects.filter(user=request.user))
    for result in results:
        result.query_string = urlencode({t: result.scores.get(t, 0) for t in interest.TYPES})
    return render(request, "jobs/interest_saved.html", {"results": results})


@login_required
@require_POST
def interest_delete(request, pk: int):
    result = InterestResult.objects.filter(pk=pk, user=request.user).first()
    if result is None:
        raise Http404(_("There is no such saved result."))
    result.delete()
    return redirect("jobs:interest_saved")
