"""Results pages (owner: P3): /beteiligung/umfragen/<key>/ergebnisse/ with charts and tables,
the aggregated CSV, and the open-data metadata (DCAT-AP.de JSON-LD) per survey and for all.

Who sees what: the public sees the results of a published survey with public results once it
has closed (results.public_results); the survey unit's editors (with their second factor)
always see them, with the free texts and the map's small cells. Anybody else gets a 404."""

from __future__ import annotations

import json

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from openkreis.cockpit import svg
from openkreis.cockpit.presenters import EU_VOCABULARY, LICENCE, _distribution
from openkreis.core import staff
from openkreis.core.services import current_tenant

from . import results
from .models import Question, Survey


def _is_unit_editor(request, survey: Survey) -> bool:
    user = request.user
    if not getattr(user, "is_authenticated", False) or not staff.mfa_verified(request):
        return False
    return survey.unit_id in staff.unit_ids_for(user, [staff.Role.SURVEY_EDITOR])


def _survey_for(request, key: str) -> tuple[Survey, bool]:
    """The survey and whether the viewer is one of its unit's editors; 404 where the viewer
    may not see its results (a draft, hidden or still open results, another unit)."""
    survey = get_object_or_404(
        Survey.objects.select_related("unit__organisation", "region"), key=key
    )
    if _is_unit_editor(request, survey):
        return survey, True
    if not results.public_results(survey):
        raise Http404(_("There are no public results of this survey (yet)."))
    return survey, False


def _charts(res: results.SurveyResults) -> list[dict]:
    blocks = []
    for number, qr in enumerate(res.questions, start=1):
        q = qr.question
        title = f"{number}. {q.display_name}"
        chart = ""
        if qr.respondents is not None and qr.rows:
            if q.kind == Question.Kind.RANKING:
                chart = svg.hbar_chart(
                    title, [(r.label, r.points) for r in qr.rows], unit=_("points")
                )
            else:
                chart = svg.hbar_chart(
                    title, [(r.label, r.count) for r in qr.rows], unit=_("answers")
                )
        elif qr.cells:
            chart = results.grid_svg(qr, title)
        blocks.append({"number": number, "title": title, "r": qr, "chart": chart})
    return blocks


@require_GET
def survey_results(request, key: str):
    survey, is_staff = _survey_for(request, key)
    res = results.cached(survey, staff=is_staff)
    return render(
        request,
        "participation/results/results.html",
        {
            "survey": survey,
            "res": res,
            "blocks": _charts(res),
            "is_staff": is_staff,
            "is_public": results.public_results(survey),
        },
    )


@require_GET
def survey_results_csv(request, key: str):
    survey, is_staff = _survey_for(request, key)
    res = results.cached(survey, staff=False)  # the export is the public one, also for staff
    response = HttpResponse("\ufeff" + results.to_csv(res), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="ergebnisse-{survey.key}.csv"'
    return response


CONTEXT = {
    "dcat": "http://www.w3.org/ns/dcat#",
    "dct": "http://purl.org/dc/terms/",
    "dcatde": "http://dcat-ap.de/def/dcatde/",
    "foaf": "http://xmlns.com/foaf/0.1/",
}


def _dataset(request, survey: Survey) -> dict:
    """A dcat:Dataset for one survey's results (CSV distribution, licence dl-zero-de/2.0)."""
    base = request.build_absolute_uri("/").rstrip("/")
    page = base + f"/beteiligung/umfragen/{survey.key}/ergebnisse/"
    publisher = survey.unit.organisation.name if survey.unit_id else survey.region.name
    date = (survey.closes_at or survey.updated_at).date().isoformat()
    return {
        "@id": base + f"/beteiligung/umfragen/{survey.key}/ergebnisse.jsonld#dataset",
        "@type": "dcat:Dataset",
        "dct:identifier": survey.key,
        "dct:title": {"@value": f"Umfrage: {survey.name}", "@language": "de"},
        "dct:description": {
            "@value": (
                (survey.summary + "\n\n" if survey.summary else "")
                + "Zusammengefasste Ergebnisse der Umfrage je Frage und Antwort. Anzahlen "
                f"unter {max(survey.min_group, 2)} sind unterdrückt (<{max(survey.min_group, 2)}); "
                "Freitexte werden nicht veröffentlicht."
            ),
            "@language": "de",
        },
        "dct:publisher": {"@type": "foaf:Organization", "foaf:name": publisher},
        "dct:issued": {"@value": date, "@type": "http://www.w3.org/2001/XMLSchema#date"},
        "dct:spatial": {
            "@id": f"http://dcat-ap.de/def/politicalGeocoding/regionalKey/{survey.region.ars}"
        },
        "dcatde:politicalGeocodingURI": {
            "@id": f"http://dcat-ap.de/def/politicalGeocoding/regionalKey/{survey.region.ars}"
        },
        "dcat:theme": {"@id": EU_VOCABULARY + "data-theme/GOVE"},
        "dcat:keyword": ["Bürgerbeteiligung", "Umfrage"],
        "dct:license": LICENCE,
        "dcatde:licenseAttributionByText": publisher,
        "dcat:landingPage": {"@id": page},
        "dcat:distribution": [
            _distribution(
                base + f"/beteiligung/umfragen/{survey.key}/ergebnisse.csv",
                f"Ergebnisse {survey.name} (CSV)",
                "text/csv",
                "CSV",
            )
        ],
    }


def _jsonld(data: dict) -> HttpResponse:
    return HttpResponse(
        json.dumps(data, ensure_ascii=False, indent=1), content_type="application/ld+json"
    )


@require_GET
def survey_dcat(request, key: str):
    survey = get_object_or_404(results.visible_surveys(), key=key)
    return _jsonld({"@context": CONTEXT, **_dataset(request, survey)})


@require_GET
def catalogue(request):
    """All surveys with public results as one dcat:Catalog."""
    base = request.build_absolute_uri("/").rstrip("/")
    tenant = current_tenant()
    publisher = tenant.name if tenant else "openkreis"
    return _jsonld(
        {
            "@context": CONTEXT,
            "@id": base + "/beteiligung/opendata/katalog.jsonld",
            "@type": "dcat:Catalog",
            "dct:title": {"@value": f"Umfrageergebnisse {publisher}", "@language": "de"},
            "dct:description": {
                "@value": "Zusammengefasste Ergebnisse abgeschlossener Umfragen.",
                "@language": "de",
            },
            "dct:publisher": {"@type": "foaf:Organization", "foaf:name": publisher},
            "dct:license": LICENCE,
            "dcat:dataset": [_dataset(request, s) for s in results.visible_surveys()],
        }
    )
