"""Counting a survey's answers (owner: P3; docs/participation.md "Results and small groups").

Read only from Ballot and Answer (never from codes or accounts). A handful of queries per
page, whatever the number of answers: one GROUP BY (question, option, number) for every
choice, scale and ranking question at once, one for the respondents per question, one for
the ballots by municipality, one grid GROUP BY for the map questions, and the texts for the
unit's staff only.

Small groups: a count below `survey.min_group` (but not 0) is shown as "fewer than N"
(None here), and where a shown total would give it away by subtraction another one is hidden
too (cockpit.engine.suppress). A mean or median needs `min_group` answers; free texts are
shown only to the survey unit's staff and only from `min_group` answers on (never one text
alone); map answers are counted in a grid of about 1 km, and the public sees only cells with
at least `min_group` answers.
"""

from __future__ import annotations

import csv
import io
import statistics
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db import connection
from django.db.models import Count, F, Q
from django.db.models.functions import Floor
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from openkreis.cockpit import engine

from .models import Answer, Ballot, Question, Survey

GRID = 100  # map cells of 1/100 degree (about 1.1 km north–south, 0.7 km east–west here)
CHOICE_KINDS = (Question.Kind.SINGLE, Question.Kind.MULTIPLE, Question.Kind.RANKING)


def public_results(survey: Survey, now=None) -> bool:
    """Results are public for a published (or archived) survey with `results_public` once it
    has closed — not while it is open, so that early results do not steer later votes."""
    now = now or timezone.now()
    if not survey.results_public:
        return False
    if survey.status == Survey.Status.ARCHIVED:
        return True
    if survey.status != Survey.Status.PUBLISHED:
        return False
    return survey.closes_at is not None and survey.closes_at <= now


def visible_surveys(now=None):
    """Published or archived surveys with public results that have closed."""
    now = now or timezone.now()
    return (
        Survey.objects.filter(results_public=True)
        .filter(
            Q(status=Survey.Status.ARCHIVED) | Q(status=Survey.Status.PUBLISHED, closes_at__lte=now)
        )
        .select_related("unit__organisation", "region")
        .order_by("-closes_at", "name")
    )


@dataclass
class Row:
    """One line of a question's table: an option or a scale value."""

    label: str
    count: int | None  # None: fewer than min_group (hidden)
    share: float | None = None  # percent of the question's respondents
    points: int | None = None  # ranking: Borda points
    mean_rank: float | None = None  # ranking: average rank among those who ranked it


@dataclass
class QuestionResult:
    question: Question
    respondents: int | None  # None: fewer than min_group answered
    rows: list[Row] = field(default_factory=list)
    mean: float | None = None
    median: float | None = None
    texts: list[str] = field(default_factory=list)  # staff only, from min_group answers on
    text_count: int = 0
    cells: list[dict] = field(default_factory=list)  # map: {lat, lon, count}
    hidden_points: int = 0  # map answers in cells below min_group (not drawn)


@dataclass
class SurveyResults:
    survey: Survey
    k: int
    ballots: int
    municipalities: list[Row]
    questions: list[QuestionResult]
    staff: bool


def _shown(n: int, k: int, hidden: bool = False) -> int | None:
    return None if hidden or not engine.enough(n, k) else n


def _share(n: int | None, total: int | None) -> float | None:
    return None if n is None or not total else round(100.0 * n / total, 1)


CACHE_SECONDS = 600


def cached(survey: Survey, *, staff: bool = False) -> SurveyResults:
    """`compute` through the cache once the survey has closed (no ballot can come in then;
    sealing rewrites the rows, not the counts — `sealed_at` is part of the key anyway). An
    open survey (only its editors see its results) is counted afresh on every request."""
    if survey.closes_at is None or survey.closes_at > timezone.now():
        return compute(survey, staff=staff)
    key = ":".join(
        str(p)
        for p in (
            "participation-results",
            connection.settings_dict.get("NAME"),
            survey.pk,
            survey.closes_at.timestamp(),
            survey.sealed_at.timestamp() if survey.sealed_at else "",
            survey.updated_at.timestamp(),
            get_language(),
            staff,
        )
    )
    value = cache.get(key)
    if value is None:
        value = compute(survey, staff=staff)
        cache.set(key, value, CACHE_SECONDS)
    return value


def compute(survey: Survey, *, staff: bool = False) -> SurveyResults:
    """All of a survey's results, small groups hidden (`staff`: with the free texts and the
    map's small cells for the survey unit's editors)."""
    k = max(int(survey.min_group or 1), 2)  # never one answer alone
    questions = list(survey.questions.prefetch_related("options").order_by("position", "id"))
    by_id = {q.id: q for q in questions}
    answers = Answer.objects.filter(question_id__in=list(by_id))

    counts: dict[int, dict[tuple, int]] = defaultdict(dict)
    for qid, oid, number, n in (
        answers.filter(
            question_id__in=[q.id for q in questions if q.kind in (*CHOICE_KINDS, "scale")]
        )
        .values_list("question_id", "option_id", "number")
        .annotate(n=Count("id"))
        .order_by()
    ):
        counts[qid][(oid, number)] = n
    # respondents per question without COUNT(DISTINCT) over all answers: one answer per
    # ballot for single choice and scale, the first places for a ranking (a ranking needs a
    # first place), the texts and points are counted below; only multiple choice needs the
    # distinct ballots, over its own rows
    respondents: dict[int, int] = defaultdict(int)
    for qid, cells in counts.items():
        kind = by_id[qid].kind
        for (_oid, number), n in cells.items():
            if kind in (Question.Kind.SINGLE, Question.Kind.SCALE) or (
                kind == Question.Kind.RANKING and number == 1
            ):
                respondents[qid] += n
    multiple = [q.id for q in questions if q.kind == Question.Kind.MULTIPLE]
    if multiple:
        respondents.update(
            answers.filter(question_id__in=multiple)
            .values_list("question_id")
            .annotate(n=Count("ballot_id", distinct=True))
            .order_by()
            .values_list("question_id", "n")
        )
    others = [q.id for q in questions if q.kind in (Question.Kind.TEXT, Question.Kind.POINT)]
    if others:
        respondents.update(
            answers.filter(question_id__in=others)
            .filter(~Q(text="") | Q(lat__isnull=False))
            .values_list("question_id")
            .annotate(n=Count("id"))
            .order_by()
            .values_list("question_id", "n")
        )
    ballots = Ballot.objects.filter(survey=survey)
    by_place = list(
        ballots.values_list("municipality__ars", "municipality__name")
        .annotate(n=Count("id"))
        .order_by()
    )
    total = sum(n for _ars, _name, n in by_place)

    results = []
    for q in questions:
        results.append(_question(q, counts.get(q.id, {}), respondents.get(q.id, 0), k))
    _texts_and_points(results, answers, k, staff, respondents)
    return SurveyResults(
        survey=survey,
        k=k,
        ballots=total,
        municipalities=_places(by_place, k),
        questions=results,
        staff=staff,
    )


def _places(by_place: list[tuple], k: int) -> list[Row]:
    """Ballots by municipality, small groups hidden against the shown total."""
    names = {ars or "": name or _("Without municipality") for ars, name, _n in by_place}
    table = {"ballots": {ars or "": n for ars, _name, n in by_place}}
    hidden = engine.suppress(table, k)
    rows = [
        Row(
            label=names[ars],
            count=_shown(n, k, ("ballots", ars) in hidden["cells"]),
        )
        for ars, n in table["ballots"].items()
    ]
    return sorted(rows, key=lambda r: r.label.casefold())


def _question(q: Question, counts: dict[tuple, int], answered: int, k: int) -> QuestionResult:
    result = QuestionResult(question=q, respondents=_shown(answered, k))
    if result.respondents is None:
        return result  # fewer than k answered: nothing about this question is shown
    options = list(q.options.all())
    if q.kind in (Question.Kind.SINGLE, Question.Kind.MULTIPLE):
        per_option = {o.id: counts.get((o.id, None), 0) for o in options}
        # single choice: the options add up to the shown total, so one hidden option could be
        # worked out; suppress() hides a second one then (multiple choice: no such sum)
        hidden: set = set()
        if q.kind == Question.Kind.SINGLE:
            hidden = {c for _r, c in engine.suppress({"q": per_option}, k)["cells"]}
        for o in options:
            n = _shown(per_option[o.id], k, o.id in hidden)
            result.rows.append(Row(label=o.display_name, count=n, share=_share(n, answered)))
    elif q.kind == Question.Kind.SCALE:
        values = {number: n for (_oid, number), n in counts.items() if number is not None}
        full = {v: values.get(v, 0) for v in range(q.scale_min, q.scale_max + 1)}
        hidden = {c for _r, c in engine.suppress({"q": full}, k)["cells"]}
        for value, n in full.items():
            label = str(value)
            if value == q.scale_min and q.scale_min_label:
                label = f"{value} ({_label(q, 'scale_min_label')})"
            elif value == q.scale_max and q.scale_max_label:
                label = f"{value} ({_label(q, 'scale_max_label')})"
            shown = _shown(n, k, value in hidden)
            result.rows.append(Row(label=label, count=shown, share=_share(shown, answered)))
        numbers = sorted(v for v, n in full.items() for _ in range(n))
        if len(numbers) >= k:
            result.mean = round(statistics.fmean(numbers), 2)
            result.median = statistics.median(numbers)
    elif q.kind == Question.Kind.RANKING:
        # Borda count: with m options, rank 1 earns m points, rank 2 m−1, …; options a
        # person did not rank earn nothing
        m = len(options)
        for o in options:
            ranks = {number: n for (oid, number), n in counts.items() if oid == o.id and number}
            ranked = sum(ranks.values())
            points = sum(max(m - rank + 1, 0) * n for rank, n in ranks.items())
            shown = _shown(ranked, k)
            result.rows.append(
                Row(
                    label=o.display_name,
                    count=shown,
                    share=_share(shown, answered),
                    points=points if shown is not None else None,
                    mean_rank=round(sum(r * n for r, n in ranks.items()) / ranked, 2)
                    if shown
                    else None,
                )
            )
        result.rows.sort(key=lambda r: (r.points is None, -(r.points or 0)))
    return result


def _label(q: Question, name: str) -> str:
    return q._translated(name)


def _texts_and_points(results: list[QuestionResult], answers, k, staff, respondents) -> None:
    texts = [r for r in results if r.question.kind == Question.Kind.TEXT]
    points = [r for r in results if r.question.kind == Question.Kind.POINT]
    for r in texts:
        r.text_count = respondents.get(r.question.id, 0)
        if staff and r.text_count >= k:
            # ordered by the answers' random keys: neither time nor ballot order
            r.texts = list(
                answers.filter(question=r.question)
                .exclude(text="")
                .order_by("id")
                .values_list("text", flat=True)[:500]
            )
    if not points:
        return
    grid = (
        answers.filter(question_id__in=[r.question.id for r in points], lat__isnull=False)
        .annotate(glat=Floor(F("lat") * GRID), glon=Floor(F("lon") * GRID))
        .values_list("question_id", "glat", "glon")
        .annotate(n=Count("id"))
        .order_by()
    )
    cells: dict[int, list] = defaultdict(list)
    for qid, glat, glon, n in grid:
        cells[qid].append((glat, glon, n))
    for r in points:
        for glat, glon, n in sorted(cells.get(r.question.id, []), key=lambda c: -c[2]):
            if n < k and not staff:
                r.hidden_points += n
                continue
            r.cells.append(
                {
                    "lat": round((glat + 0.5) / GRID, 3),
                    "lon": round((glon + 0.5) / GRID, 3),
                    "count": n,
                    "small": n < k,
                }
            )


def grid_svg(result: QuestionResult, title: str) -> str:
    """The map answers' grid cells as squares in their places (north up), the darker the more
    answers; no background map (the tiles would need a request to a map server)."""
    from html import escape

    from django.utils.safestring import mark_safe

    if not result.cells:
        return ""
    lats = [c["lat"] for c in result.cells]
    lons = [c["lon"] for c in result.cells]
    step = 1 / GRID
    lat0, lat1 = min(lats) - step, max(lats) + step
    lon0, lon1 = min(lons) - step, max(lons) + step
    w, h = 640, 400
    sx = w / max(lon1 - lon0, step)
    sy = h / max(lat1 - lat0, step)
    scale = min(sx, sy)
    top = max(c["count"] for c in result.cells)
    parts = [
        f'<svg class="chart grid-map" viewBox="0 0 {w} {h}" role="img" '
        f'aria-labelledby="grid-{result.question.id}-t" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="grid-{result.question.id}-t">{escape(title)}</title>'
        f'<rect class="grid-bg" x="0" y="0" width="{w}" height="{h}"/>'
    ]
    size = max(step * scale, 4)
    for c in result.cells:
        x = (c["lon"] - step / 2 - lon0) * scale
        y = (lat1 - c["lat"] - step / 2) * scale
        level = 1 + min(3, int(3 * c["count"] / top))
        parts.append(
            f'<rect class="cell l{level}" x="{x:.1f}" y="{y:.1f}" width="{size:.1f}" '
            f'height="{size:.1f}"><title>{c["lat"]}, {c["lon"]}: {c["count"]}</title></rect>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - numbers and escaped text only


def csv_rows(res: SurveyResults) -> list[list]:
    """The aggregated results as CSV rows (the same suppression as the page: "<N")."""
    less = f"<{res.k}"

    def cell(n):
        return less if n is None else n

    rows = [["frage_nr", "frage", "art", "antwort", "anzahl", "anteil_prozent", "punkte"]]
    rows.append(["", "Stimmzettel insgesamt", "", "", res.ballots, "", ""])
    for place in res.municipalities:
        rows.append(["", "Stimmzettel nach Gemeinde", "", place.label, cell(place.count), "", ""])
    for number, qr in enumerate(res.questions, start=1):
        q = qr.question
        base = [number, q.name, q.kind]
        rows.append([*base, "(beantwortet)", cell(qr.respondents), "", ""])
        for row in qr.rows:
            rows.append(
                [*base, row.label, cell(row.count), "" if row.share is None else row.share]
                + ["" if row.points is None else row.points]
            )
        if qr.mean is not None:
            rows.append([*base, "(Mittelwert)", qr.mean, "", ""])
            rows.append([*base, "(Median)", qr.median, "", ""])
        if q.kind == Question.Kind.TEXT:
            rows.append([*base, "(Freitexte, nicht veröffentlicht)", qr.text_count, "", ""])
        for c in qr.cells:
            if not c["small"]:
                rows.append([*base, f"{c['lat']};{c['lon']}", c["count"], "", ""])
    return rows


def to_csv(res: SurveyResults) -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    for row in csv_rows(res):
        writer.writerow([_safe(v) if isinstance(v, str) else v for v in row])
    return out.getvalue()


def _safe(value: str) -> str:
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value
