"""Authoring surveys (owner: P1): the only way the editor changes surveys, questions, options.

Who: a survey editor (core Role.SURVEY_EDITOR) edits the surveys of the units they are a
member of (and their sub-units). A survey asks about the county or one municipality of the
county; a municipality's unit asks about its own municipality (a Verbandsgemeinde's unit
about its member municipalities), the county's units about any.

What may change when:

* draft — everything.
* published — the structure is frozen: kinds, options and their keys, order, skip logic,
  `required`, ranges, max_choices, the audience, region, unit and opening date. Texts
  (German and English: titles, introductions, help texts, option labels, scale words) may
  still be corrected, and the closing date moved (not into the past: closing is `close()`).
  So nothing a voter already answered changes meaning by structure; a changed wording is
  the editor's responsibility (the page says so). A changed questionnaire is a new survey:
  `duplicate()`.
* closed (published, `closes_at` passed or closed by `close()`) and archived — nothing.

Closing (`close`): `closes_at` becomes now (the survey stays `published`, so its results
page and receipt list stay public), then `voting.seal(survey)` rewrites the ballots and
records PARTICIPATION_SURVEY_CLOSED. `archive` takes a closed survey off the public pages.

Errors are `SurveyError` with a user-facing message (already translated) and, where it
belongs to one form field, the field's name.
"""

from __future__ import annotations

import datetime as dt
import secrets

from django.db import transaction
from django.db.models import Count, Max, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from openkreis.core import event_kinds
from openkreis.core.models import OrgUnit, Region
from openkreis.core.services import current_tenant, record_event
from openkreis.core.staff import Role, unit_ids_for

from . import config, voting
from .models import Option, Question, Survey

Kind = Question.Kind
CHOICE_KINDS = (Kind.SINGLE, Kind.MULTIPLE, Kind.RANKING)
CONDITION_KINDS = (Kind.SINGLE, Kind.MULTIPLE)  # skip logic looks at these answers
SCALE_LOW, SCALE_HIGH, SCALE_MOST_STEPS = -10, 10, 11

SURVEY_TEXT_FIELDS = ("name", "name_en", "summary", "summary_en")
SURVEY_OPEN_FIELDS = (*SURVEY_TEXT_FIELDS, "closes_at", "results_public")
QUESTION_TEXT_FIELDS = (
    "name",
    "name_en",
    "summary",
    "summary_en",
    "scale_min_label",
    "scale_min_label_en",
    "scale_max_label",
    "scale_max_label_en",
)
QUESTION_FIELDS = (*QUESTION_TEXT_FIELDS, "required", "max_choices", "scale_min", "scale_max")


class SurveyError(Exception):
    def __init__(self, message: str, field: str = ""):
        super().__init__(message)
        self.message = message
        self.field = field


# -- who sees what ------------------------------------------------------------------------------


def editor_unit_ids(user) -> set[int]:
    return unit_ids_for(user, [Role.SURVEY_EDITOR])


def editor_units(user) -> QuerySet[OrgUnit]:
    return OrgUnit.objects.filter(pk__in=editor_unit_ids(user)).select_related(
        "organisation__region"
    )


def surveys_for(user) -> QuerySet[Survey]:
    """The surveys `user` edits, with the number of ballots, newest first."""
    return (
        Survey.objects.filter(unit_id__in=editor_unit_ids(user))
        .select_related("unit", "region")
        .annotate(ballot_count=Count("ballots", distinct=True))
        .order_by("-created_at", "pk")
    )


def survey_for(user, pk) -> Survey:
    """One of `user`'s surveys, else 404 (another unit's survey does not exist for them)."""
    survey = (
        Survey.objects.filter(pk=pk, unit_id__in=editor_unit_ids(user))
        .select_related("unit", "region")
        .first()
    )
    if survey is None:
        raise Http404(_("There is no survey with this number among your units' surveys."))
    return survey


def regions_for(unit: OrgUnit) -> QuerySet[Region]:
    """What a survey of `unit` may ask about: the county and its municipalities for the
    county's units, the own municipality (or a Verbandsgemeinde's members) otherwise."""
    tenant = current_tenant()
    county = tenant.region if tenant is not None else None
    own = unit.organisation.region
    if own.kind == Region.Kind.COUNTY or county is None:
        base = own if own.kind == Region.Kind.COUNTY else county
        if base is None:
            return Region.objects.filter(pk=own.pk)
        return Region.objects.filter(
            Q(pk=base.pk) | Q(kind=Region.Kind.MUNICIPALITY, ars__startswith=base.ars[:5])
        ).order_by("kind", "name")
    if own.kind == Region.Kind.MUNICIPALITY:
        return Region.objects.filter(pk=own.pk)
    return Region.objects.filter(parent=own, kind=Region.Kind.MUNICIPALITY).order_by("name")


# -- states ---------------------------------------------------------------------------------------


def is_closed(survey: Survey, now=None) -> bool:
    now = now or timezone.now()
    return survey.status == Survey.Status.ARCHIVED or (
        survey.status == Survey.Status.PUBLISHED
        and survey.closes_at is not None
        and survey.closes_at <= now
    )


def state(survey: Survey, now=None) -> str:
    """draft, scheduled (published, not open yet), open, closed, archived."""
    now = now or timezone.now()
    if survey.status == Survey.Status.DRAFT:
        return "draft"
    if survey.status == Survey.Status.ARCHIVED:
        return "archived"
    if is_closed(survey, now):
        return "closed"
    if survey.opens_at and survey.opens_at > now:
        return "scheduled"
    return "open"


def structure_frozen(survey: Survey) -> bool:
    """Questions, options, order and skip logic can change only in a draft."""
    return survey.status != Survey.Status.DRAFT


def texts_frozen(survey: Survey) -> bool:
    return survey.status == Survey.Status.ARCHIVED or is_closed(survey)


def _fresh(survey: Survey) -> Survey:
    """The survey's state as stored now (a question's cached survey may be older)."""
    return Survey.objects.only("status", "opens_at", "closes_at").get(pk=survey.pk)


def _need_structure(survey: Survey) -> None:
    if structure_frozen(_fresh(survey)):
        raise SurveyError(
            _(
                "The questions of a published survey cannot be changed: people may already "
                "have answered them. Only texts can be corrected. Duplicate the survey to "
                "make a changed version."
            )
        )


def _need_texts(survey: Survey) -> None:
    if texts_frozen(_fresh(survey)):
        raise SurveyError(_("This survey is closed. It cannot be changed any more."))


# -- surveys --------------------------------------------------------------------------------------


def _check_unit_region(user, unit: OrgUnit, region: Region) -> None:
    if unit.pk not in editor_unit_ids(user):
        raise SurveyError(_("Choose one of your units."), "unit")
    if not regions_for(unit).filter(pk=region.pk).exists():
        raise SurveyError(
            _("Your unit cannot ask about this area. Choose the county or your municipality."),
            "region",
        )


def _check_dates(opens_at, closes_at, *, now=None) -> None:
    if opens_at and closes_at and closes_at <= opens_at:
        raise SurveyError(_("The closing date must be after the opening date."), "closes_at")


def _new_key(name: str) -> str:
    base = slugify(name)[:60].strip("-") or "umfrage"
    key = base
    while Survey.objects.filter(key=key).exists():
        key = f"{base}-{secrets.token_hex(3)}"
    return key


def create_survey(user, *, unit: OrgUnit, region: Region, name: str, **fields) -> Survey:
    """A new draft of `unit` about `region`. `fields`: name_en, summary, summary_en,
    audience, min_login_level, opens_at, closes_at, results_public, min_group."""
    _check_unit_region(user, unit, region)
    name = (name or "").strip()
    if not name:
        raise SurveyError(_("Enter a title in German."), "name")
    _check_dates(fields.get("opens_at"), fields.get("closes_at"))
    fields.setdefault("min_group", config.settings_for_tenant().min_group)
    survey = Survey.objects.create(
        key=_new_key(name),
        unit=unit,
        region=region,
        name=name,
        status=Survey.Status.DRAFT,
        created_by=user if getattr(user, "is_authenticated", False) else None,
        **fields,
    )
    return survey


def update_survey(survey: Survey, user, **fields) -> Survey:
    """Change a survey's settings: everything in a draft; texts, the closing date and
    `results_public` once published; nothing once closed."""
    _need_texts(survey)
    if structure_frozen(_fresh(survey)):
        locked = set(fields) - set(SURVEY_OPEN_FIELDS)
        changed = [k for k in locked if getattr(survey, _attname(k)) != _pk(fields[k])]
        if changed:
            raise SurveyError(
                _(
                    "Only the texts, the closing date and whether results are public can be "
                    "changed once the survey is published."
                ),
                sorted(changed)[0],
            )
        if "closes_at" in fields:
            closes_at = fields["closes_at"]
            if closes_at is None or closes_at <= timezone.now():
                raise SurveyError(
                    _("Choose a closing date in the future, or close the survey now."),
                    "closes_at",
                )
    unit = fields.get("unit", survey.unit)
    region = fields.get("region", survey.region)
    if unit != survey.unit or region != survey.region:
        _check_unit_region(user, unit, region)
    if "name" in fields and not (fields["name"] or "").strip():
        raise SurveyError(_("Enter a title in German."), "name")
    _check_dates(fields.get("opens_at", survey.opens_at), fields.get("closes_at", survey.closes_at))
    for key, value in fields.items():
        setattr(survey, key, value)
    survey.save()
    return survey


def _attname(key: str) -> str:
    return f"{key}_id" if key in ("unit", "region", "created_by") else key


def _pk(value):
    return getattr(value, "pk", value)


def publication_problems(survey: Survey, now=None) -> list[str]:
    """What stops `survey` from being published (empty: it can be)."""
    now = now or timezone.now()
    limits = config.settings_for_tenant()
    problems = []
    if survey.status != Survey.Status.DRAFT:
        problems.append(_("Only a draft can be published."))
    questions = list(survey.questions.prefetch_related("options", "show_if__question"))
    if not questions:
        problems.append(_("Add at least one question."))
    if survey.closes_at is not None and survey.closes_at <= now:
        problems.append(_("The closing date has passed. Choose a later one."))
    if survey.opens_at and survey.closes_at and survey.closes_at <= survey.opens_at:
        problems.append(_("The closing date must be after the opening date."))
    if survey.audience == Survey.Audience.CODES and survey.closes_at is None:
        problems.append(
            _("A survey with codes by letter needs a closing date (it is printed on the letters).")
        )
    if survey.audience != Survey.Audience.ACCOUNT and survey.min_login_level:
        problems.append(_("A login level applies only to surveys for residents with an account."))
    for number, question in enumerate(questions, start=1):
        problems.extend(
            _("Question %(number)s: %(problem)s") % {"number": number, "problem": problem}
            for problem in question_problems(question, limits)
        )
    return problems


def question_problems(question: Question, limits=None) -> list[str]:
    limits = limits or config.settings_for_tenant()
    problems = []
    options = list(question.options.all())
    if not question.name.strip():
        problems.append(_("the question in German is missing."))
    if question.kind in CHOICE_KINDS and len(options) < 2:
        problems.append(_("a choice needs at least two options."))
    most = question.max_choices
    if question.kind in CHOICE_KINDS and most is not None and most > len(options) >= 2:
        problems.append(_("the most that can be chosen is more than there are options."))
    if (
        question.kind == Kind.RANKING
        and question.max_choices is None
        and len(options) > limits.max_ranked
    ):
        problems.append(
            _("a ranking may rank at most %(most)s options; set “at most”.")
            % {"most": limits.max_ranked}
        )
    if question.kind == Kind.SCALE and question.scale_min >= question.scale_max:
        problems.append(_("the scale's end must be above its start."))
    for option in question.show_if.all():
        if (
            option.question.position >= question.position
            or option.question.survey_id != question.survey_id
        ):
            problems.append(_("its condition must refer to an earlier question."))
            break
    return problems


@transaction.atomic
def publish(survey: Survey, user, now=None) -> Survey:
    now = now or timezone.now()
    survey = Survey.objects.select_for_update().get(pk=survey.pk)
    problems = publication_problems(survey, now)
    if problems:
        raise SurveyError(" ".join(problems))
    survey.status = Survey.Status.PUBLISHED
    if survey.opens_at is None:
        survey.opens_at = now
    survey.save()
    record_event(
        event_kinds.PARTICIPATION_SURVEY_PUBLISHED,
        subject=f"survey:{survey.key}",
        data={
            "survey": survey.key,
            "audience": survey.audience,
            "questions": survey.questions.count(),
        },
    )
    return survey


def close(survey: Survey, user, now=None) -> Survey:
    """Close a published survey now: no vote is taken afterwards; the ballots are sealed."""
    now = now or timezone.now()
    with transaction.atomic():
        survey = Survey.objects.select_for_update().get(pk=survey.pk)
        if survey.status != Survey.Status.PUBLISHED:
            raise SurveyError(_("Only a published survey can be closed."))
        if survey.sealed_at is not None:
            raise SurveyError(_("This survey is already closed."))
        if survey.closes_at is None or survey.closes_at > now:
            survey.closes_at = now
        if survey.opens_at is not None and survey.opens_at > survey.closes_at:
            survey.opens_at = survey.closes_at  # closed before it opened
        survey.save()
    if hasattr(voting, "seal"):
        voting.seal(survey)  # records PARTICIPATION_SURVEY_CLOSED
    else:  # pragma: no cover - until P2's seal exists
        record_event(
            event_kinds.PARTICIPATION_SURVEY_CLOSED,
            subject=f"survey:{survey.key}",
            data={"survey": survey.key, "ballots": survey.ballots.count()},
        )
    survey.refresh_from_db()
    return survey


def seal_expired(now=None) -> int:
    """Seal every published survey whose closing date passed on its own (for a periodic
    task: votes already stop at `closes_at`; sealing removes the ballots' order and the
    unused codes). Returns how many surveys were sealed."""
    now = now or timezone.now()
    due = Survey.objects.filter(
        status=Survey.Status.PUBLISHED, closes_at__lte=now, sealed_at__isnull=True
    )
    count = 0
    for survey in due:
        voting.seal(survey)
        count += 1
    return count


def archive(survey: Survey, user) -> Survey:
    """Take a closed survey off the public pages (its results too)."""
    if not (survey.status == Survey.Status.PUBLISHED and is_closed(survey)):
        raise SurveyError(_("Only a closed survey can be archived."))
    survey.status = Survey.Status.ARCHIVED
    survey.save(update_fields=["status", "updated_at"])
    return survey


def delete_draft(survey: Survey, user) -> None:
    if survey.status != Survey.Status.DRAFT:
        raise SurveyError(_("Only a draft can be deleted."))
    survey.delete()


@transaction.atomic
def duplicate(survey: Survey, user) -> Survey:
    """A new draft with the same settings (no dates), questions, options and skip logic."""
    if survey.unit_id not in editor_unit_ids(user):
        raise SurveyError(_("Choose one of your units."), "unit")
    name = _("Copy of %(name)s") % {"name": survey.name}
    copy = Survey.objects.create(
        key=_new_key(survey.name),
        unit=survey.unit,
        region=survey.region,
        name=name[:200],
        name_en=survey.name_en,
        summary=survey.summary,
        summary_en=survey.summary_en,
        audience=survey.audience,
        min_login_level=survey.min_login_level,
        results_public=survey.results_public,
        min_group=survey.min_group,
        created_by=user if getattr(user, "is_authenticated", False) else None,
    )
    option_map: dict[int, Option] = {}
    for question in survey.questions.prefetch_related("options", "show_if"):
        conditions = list(question.show_if.all())
        options = list(question.options.all())
        question.pk = question.id = None
        question.survey = copy
        question.save()
        for option in options:
            old_option = option.pk
            option.pk = option.id = None
            option.question = question
            option.save()
            option_map[old_option] = option
        question.show_if.set([option_map[o.pk] for o in conditions if o.pk in option_map])
    return copy


# -- questions ------------------------------------------------------------------------------------


def _check_question_values(kind: str, values: dict, options_count: int | None = None) -> None:
    limits = config.settings_for_tenant()
    if "name" in values and not (values["name"] or "").strip():
        raise SurveyError(_("Enter the question in German."), "name")
    if kind == Kind.SCALE:
        low, high = values.get("scale_min", 1), values.get("scale_max", 5)
        if low is None or high is None:
            raise SurveyError(_("Enter the scale's start and end."), "scale_min")
        if not SCALE_LOW <= low <= SCALE_HIGH or not SCALE_LOW <= high <= SCALE_HIGH:
            raise SurveyError(
                _("The scale runs from %(low)s to %(high)s at most.")
                % {"low": SCALE_LOW, "high": SCALE_HIGH},
                "scale_min",
            )
        if high <= low:
            raise SurveyError(_("The scale's end must be above its start."), "scale_max")
        if high - low + 1 > SCALE_MOST_STEPS:
            raise SurveyError(
                _("A scale has at most %(most)s steps.") % {"most": SCALE_MOST_STEPS}, "scale_max"
            )
    most = values.get("max_choices")
    if most is not None:
        if kind not in (Kind.MULTIPLE, Kind.RANKING):
            values["max_choices"] = None
        elif most < 1:
            raise SurveyError(_("Enter 1 or more, or leave the field empty."), "max_choices")
        elif kind == Kind.RANKING and most > limits.max_ranked:
            raise SurveyError(
                _("A ranking may rank at most %(most)s options.") % {"most": limits.max_ranked},
                "max_choices",
            )


def add_question(survey: Survey, kind: str, **values) -> Question:
    """Append a question of `kind` (its options come with add_option)."""
    _need_structure(survey)
    if kind not in Kind.values:
        raise SurveyError(_("Choose a kind of question."), "kind")
    limits = config.settings_for_tenant()
    if survey.questions.count() >= limits.max_questions:
        raise SurveyError(
            _("A survey has at most %(most)s questions.") % {"most": limits.max_questions}
        )
    values.setdefault("name", "")
    _check_question_values(kind, values)
    position = (survey.questions.aggregate(m=Max("position"))["m"] or 0) + 1
    if not survey.questions.exists():
        position = 1
    return Question.objects.create(survey=survey, kind=kind, position=position, **values)


def update_question(question: Question, **values) -> Question:
    """Change a question: anything in a draft, its texts once published."""
    survey = question.survey
    _need_texts(survey)
    structural = {k for k in values if k not in QUESTION_TEXT_FIELDS}
    if structure_frozen(_fresh(survey)):
        changed = [k for k in structural if getattr(question, k) != values[k]]
        if changed:
            _need_structure(survey)
    _check_question_values(question.kind, values)
    for key, value in values.items():
        setattr(question, key, value)
    question.save()
    return question


def delete_question(question: Question) -> None:
    """Delete a question; questions shown only after one of its options become unconditional."""
    _need_structure(question.survey)
    survey = question.survey
    question.delete()
    _renumber(survey.questions.all())


def _renumber(items) -> None:
    for position, item in enumerate(items, start=1):
        if item.position != position:
            item.position = position
            item.save(update_fields=["position"])


def reorder_questions(survey: Survey, ids: list[int]) -> None:
    """Put the questions in the order `ids` (all of the survey's, each once). Refused when a
    question would come before a question its condition refers to."""
    _need_structure(survey)
    questions = {q.pk: q for q in survey.questions.prefetch_related("show_if__question")}
    if sorted(ids) != sorted(questions):
        raise SurveyError(_("The order must name every question of the survey once."))
    position = {pk: index for index, pk in enumerate(ids, start=1)}
    for pk in ids:
        for option in questions[pk].show_if.all():
            if position[option.question_id] >= position[pk]:
                raise SurveyError(
                    _(
                        "“%(question)s” is asked only after an answer to “%(earlier)s”, so it "
                        "must stay after it. Remove the condition first."
                    )
                    % {"question": questions[pk].name, "earlier": option.question.name}
                )
    with transaction.atomic():
        for pk in ids:
            Question.objects.filter(pk=pk).update(position=position[pk])


def move_question(question: Question, step: int) -> None:
    """Move one place up (step -1) or down (+1)."""
    ids = list(question.survey.questions.values_list("pk", flat=True))
    index = ids.index(question.pk)
    other = index + step
    if not 0 <= other < len(ids):
        return
    ids[index], ids[other] = ids[other], ids[index]
    reorder_questions(question.survey, ids)


def condition_choices(question: Question) -> list[Option]:
    """The options `question` may depend on: of earlier single/multiple choice questions."""
    return list(
        Option.objects.filter(
            question__survey_id=question.survey_id,
            question__kind__in=CONDITION_KINDS,
            question__position__lt=question.position,
        )
        .select_related("question")
        .order_by("question__position", "position", "pk")
    )


def set_condition(question: Question, options) -> None:
    """Skip logic: ask `question` only if one of `options` was chosen (empty: always)."""
    _need_structure(question.survey)
    options = list(options)
    allowed = {o.pk for o in condition_choices(question)}
    for option in options:
        if option.question_id == question.pk:
            raise SurveyError(_("A question cannot depend on its own answer."), "show_if")
        if option.question.survey_id != question.survey_id:
            raise SurveyError(_("Choose options of this survey's questions."), "show_if")
        if option.question.kind not in CONDITION_KINDS:
            raise SurveyError(
                _("A condition can only refer to a single or multiple choice question."),
                "show_if",
            )
        if option.pk not in allowed:
            raise SurveyError(
                _(
                    "A condition can only refer to an earlier question (“%(earlier)s” comes "
                    "later). Move the question first."
                )
                % {"earlier": option.question.name},
                "show_if",
            )
    question.show_if.set(options)


# -- options --------------------------------------------------------------------------------------


def _option_key(question: Question, name: str, exclude: int | None = None) -> str:
    base = slugify(name)[:50].strip("-") or "option"
    existing = set(question.options.exclude(pk=exclude).values_list("key", flat=True))
    key, n = base, 2
    while key in existing:
        key = f"{base}-{n}"
        n += 1
    return key


def add_option(question: Question, name: str, name_en: str = "") -> Option:
    _need_structure(question.survey)
    if question.kind not in CHOICE_KINDS:
        raise SurveyError(_("Only choice and ranking questions have options."))
    name = (name or "").strip()
    if not name:
        raise SurveyError(_("Enter the option in German."), "name")
    limits = config.settings_for_tenant()
    if question.options.count() >= limits.max_options:
        raise SurveyError(
            _("A question has at most %(most)s options.") % {"most": limits.max_options}
        )
    if question.options.filter(name__iexact=name).exists():
        raise SurveyError(_("This option exists already."), "name")
    position = (question.options.aggregate(m=Max("position"))["m"] or 0) + 1
    return Option.objects.create(
        question=question,
        position=position,
        key=_option_key(question, name),
        name=name,
        name_en=(name_en or "").strip(),
    )


def update_option(option: Option, name: str, name_en: str = "") -> Option:
    """Correct an option's texts (its key, which answers point to, stays)."""
    _need_texts(option.question.survey)
    name = (name or "").strip()
    if not name:
        raise SurveyError(_("Enter the option in German."), "name")
    if option.question.options.exclude(pk=option.pk).filter(name__iexact=name).exists():
        raise SurveyError(_("This option exists already."), "name")
    option.name = name
    option.name_en = (name_en or "").strip()
    option.save(update_fields=["name", "name_en"])
    return option


def delete_option(option: Option) -> None:
    _need_structure(option.question.survey)
    question = option.question
    option.delete()
    _renumber(question.options.all())


def move_option(option: Option, step: int) -> None:
    _need_structure(option.question.survey)
    options = list(option.question.options.all())
    index = [o.pk for o in options].index(option.pk)
    other = index + step
    if not 0 <= other < len(options):
        return
    options[index], options[other] = options[other], options[index]
    _renumber(options)


def default_dates(now=None) -> tuple[dt.datetime, dt.datetime]:
    """Suggested opening and closing for a new survey: tomorrow 8:00 for four weeks."""
    now = timezone.localtime(now or timezone.now())
    opens = (now + dt.timedelta(days=1)).replace(hour=8, minute=0, second=0, microsecond=0)
    return opens, opens + dt.timedelta(days=28)
