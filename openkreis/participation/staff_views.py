"""The survey editor (/beteiligung/verwaltung/, staff role survey_editor, password + TOTP).

Every page is behind staff_required(SURVEY_EDITOR); every survey is looked up among the
surveys of the user's units (surveys.survey_for: another unit's survey is a 404). Every
change goes through surveys.py; its SurveyError comes back as a 400 page with the message.
Each question has its own page and form (no JavaScript needed); moving is a button."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from openkreis.core.staff import Role, staff_required

from . import config, surveys, voting
from .models import Option, Question
from .staff_forms import (
    KIND_HELP,
    ConfirmForm,
    NewQuestionForm,
    OptionForm,
    QuestionForm,
    SurveyForm,
)

T = "participation/staff/"
editor_required = staff_required(Role.SURVEY_EDITOR)


def _detail(survey) -> str:
    return reverse("participation:staff_survey", args=[survey.pk])


def _question_url(question) -> str:
    return reverse("participation:staff_question", args=[question.survey_id, question.pk])


def _question(request, pk, qid) -> Question:
    survey = surveys.survey_for(request.user, pk)
    question = get_object_or_404(Question.objects.select_related("survey"), pk=qid, survey=survey)
    question.survey = survey
    return question


def _option(request, pk, oid) -> Option:
    survey = surveys.survey_for(request.user, pk)
    option = get_object_or_404(
        Option.objects.select_related("question"), pk=oid, question__survey=survey
    )
    option.question.survey = survey
    return option


def _refused(request, error: surveys.SurveyError, back: str, status: int = 400):
    return render(
        request, T + "refused.html", {"message": error.message, "back": back}, status=status
    )


def _step(request) -> int:
    return -1 if request.POST.get("direction") == "up" else 1


@never_cache
@editor_required
def home(request):
    rows = [(s, surveys.state(s)) for s in surveys.surveys_for(request.user)]
    return render(request, T + "home.html", {"rows": rows})


@never_cache
@editor_required
@require_http_methods(["GET", "POST"])
def survey_new(request):
    if request.method == "POST":
        form = SurveyForm(request.POST, user=request.user)
        if form.is_valid():
            survey = form.save(request.user)
            if survey is not None:
                messages.success(request, _("The survey was created. Now add its questions."))
                return redirect(_detail(survey))
        return render(request, T + "survey_form.html", {"form": form}, status=400)
    opens, closes = surveys.default_dates()
    form = SurveyForm(
        user=request.user,
        initial={
            "opens_at": opens,
            "closes_at": closes,
            "results_public": True,
            "min_group": config.settings_for_tenant().min_group,
        },
    )
    return render(request, T + "survey_form.html", {"form": form})


@never_cache
@editor_required
def survey_detail(request, pk):
    survey = surveys.survey_for(request.user, pk)
    questions = list(survey.questions.prefetch_related("options", "show_if__question"))
    numbers = {q.pk: n for n, q in enumerate(questions, start=1)}
    context = {
        "survey": survey,
        "state": surveys.state(survey),
        "questions": questions,
        "numbers": numbers,
        "frozen": surveys.structure_frozen(survey),
        "closed": surveys.texts_frozen(survey),
        "ballots": survey.ballots.count(),
        "new_question": NewQuestionForm(),
        "kind_help": KIND_HELP,
        "problems": surveys.publication_problems(survey) if survey.status == "draft" else [],
    }
    return render(request, T + "survey.html", context)


@never_cache
@editor_required
@require_http_methods(["GET", "POST"])
def survey_edit(request, pk):
    survey = surveys.survey_for(request.user, pk)
    if surveys.texts_frozen(survey):
        return _refused(
            request,
            surveys.SurveyError(_("This survey is closed. It cannot be changed any more.")),
            _detail(survey),
        )
    if request.method == "POST":
        form = SurveyForm(request.POST, user=request.user, survey=survey)
        if form.is_valid() and form.save(request.user) is not None:
            messages.success(request, _("The survey was saved."))
            return redirect(_detail(survey))
        return render(request, T + "survey_form.html", {"form": form, "survey": survey}, status=400)
    initial = {name: getattr(survey, name) for name in SurveyForm.base_fields}
    form = SurveyForm(user=request.user, survey=survey, initial=initial)
    return render(request, T + "survey_form.html", {"form": form, "survey": survey})


@never_cache
@editor_required
@require_POST
def question_add(request, pk):
    survey = surveys.survey_for(request.user, pk)
    form = NewQuestionForm(request.POST)
    if not form.is_valid():
        return render(
            request,
            T + "question_new.html",
            {"survey": survey, "form": form, "kind_help": KIND_HELP},
            status=400,
        )
    try:
        question = surveys.add_question(
            survey, form.cleaned_data["kind"], name=form.cleaned_data["name"]
        )
    except surveys.SurveyError as error:
        return _refused(request, error, _detail(survey))
    messages.success(request, _("The question was added."))
    return redirect(_question_url(question))


def _question_context(question, form=None, option_form=None, option_forms=None):
    options = list(question.options.all())
    return {
        "survey": question.survey,
        "question": question,
        "number": list(question.survey.questions.values_list("pk", flat=True)).index(question.pk)
        + 1,
        "form": form or QuestionForm(question=question),
        "has_options": question.kind in surveys.CHOICE_KINDS,
        "option_rows": [
            (
                o,
                (option_forms or {}).get(o.pk)
                or OptionForm(prefix=f"o{o.pk}", initial={"name": o.name, "name_en": o.name_en}),
            )
            for o in options
        ],
        "option_form": option_form or OptionForm(prefix="new"),
        "frozen": surveys.structure_frozen(question.survey),
        "closed": surveys.texts_frozen(question.survey),
        "problems": surveys.question_problems(question)
        if question.survey.status == "draft"
        else [],
    }


@never_cache
@editor_required
@require_http_methods(["GET", "POST"])
def question_edit(request, pk, qid):
    question = _question(request, pk, qid)
    if request.method == "POST":
        if surveys.texts_frozen(question.survey):
            return _refused(
                request,
                surveys.SurveyError(_("This survey is closed. It cannot be changed any more.")),
                _detail(question.survey),
            )
        form = QuestionForm(request.POST, question=question)
        if form.is_valid() and form.save() is not None:
            messages.success(request, _("The question was saved."))
            return redirect(_question_url(question))
        question.refresh_from_db()
        return render(request, T + "question.html", _question_context(question, form), status=400)
    return render(request, T + "question.html", _question_context(question))


@never_cache
@editor_required
@require_POST
def question_move(request, pk, qid):
    question = _question(request, pk, qid)
    try:
        surveys.move_question(question, _step(request))
    except surveys.SurveyError as error:
        return _refused(request, error, _detail(question.survey))
    return redirect(_detail(question.survey) + f"#question-{question.pk}")


@never_cache
@editor_required
@require_http_methods(["GET", "POST"])
def question_delete(request, pk, qid):
    question = _question(request, pk, qid)
    if request.method == "POST":
        try:
            surveys.delete_question(question)
        except surveys.SurveyError as error:
            return _refused(request, error, _detail(question.survey))
        messages.success(request, _("The question was deleted."))
        return redirect(_detail(question.survey))
    if surveys.structure_frozen(question.survey):
        return _refused(
            request,
            surveys.SurveyError(_("The questions of a published survey cannot be deleted.")),
            _detail(question.survey),
        )
    dependants = Question.objects.filter(show_if__question=question).distinct()
    return render(
        request,
        T + "confirm.html",
        {
            "survey": question.survey,
            "title": _("Delete the question “%(name)s”?") % {"name": question.name},
            "text": _(
                "Questions that are asked only after one of its answers will always be asked."
            )
            if dependants.exists()
            else "",
            "action": reverse("participation:staff_question_delete", args=[pk, qid]),
            "button": _("Delete the question"),
            "danger": True,
            "back": _question_url(question),
        },
    )


@never_cache
@editor_required
@require_POST
def option_add(request, pk, qid):
    question = _question(request, pk, qid)
    form = OptionForm(request.POST, prefix="new")
    if form.is_valid():
        try:
            surveys.add_option(question, form.cleaned_data["name"], form.cleaned_data["name_en"])
        except surveys.SurveyError as error:
            form.add_error("name" if error.field == "name" else None, error.message)
        else:
            messages.success(request, _("The option was added."))
            return redirect(_question_url(question) + "#options")
    return render(
        request, T + "question.html", _question_context(question, option_form=form), status=400
    )


@never_cache
@editor_required
@require_POST
def option_edit(request, pk, oid):
    option = _option(request, pk, oid)
    question = option.question
    form = OptionForm(request.POST, prefix=f"o{option.pk}")
    if form.is_valid():
        try:
            surveys.update_option(option, form.cleaned_data["name"], form.cleaned_data["name_en"])
        except surveys.SurveyError as error:
            form.add_error("name" if error.field == "name" else None, error.message)
        else:
            messages.success(request, _("The option was saved."))
            return redirect(_question_url(question) + "#options")
    return render(
        request,
        T + "question.html",
        _question_context(question, option_forms={option.pk: form}),
        status=400,
    )


@never_cache
@editor_required
@require_POST
def option_move(request, pk, oid):
    option = _option(request, pk, oid)
    try:
        surveys.move_option(option, _step(request))
    except surveys.SurveyError as error:
        return _refused(request, error, _question_url(option.question))
    return redirect(_question_url(option.question) + f"#option-{option.pk}")


@never_cache
@editor_required
@require_POST
def option_delete(request, pk, oid):
    option = _option(request, pk, oid)
    try:
        surveys.delete_option(option)
    except surveys.SurveyError as error:
        return _refused(request, error, _question_url(option.question))
    messages.success(request, _("The option was deleted."))
    return redirect(_question_url(option.question) + "#options")


@never_cache
@editor_required
def preview(request, pk):
    """The questionnaire exactly as residents see it (P2's template), without sending."""
    survey = surveys.survey_for(request.user, pk)
    form = voting.questionnaire_form(survey) if hasattr(voting, "questionnaire_form") else None
    try:
        get_template("participation/vote/_questions.html")
        shared = form is not None
    except TemplateDoesNotExist:  # pragma: no cover - before P2's template existed
        shared = False
    language = request.LANGUAGE_CODE
    return render(
        request,
        T + "preview.html",
        {
            "survey": survey,
            "form": form,
            "shared": shared,
            "name_lang": survey.lang_of("name"),
            "questions": survey.questions.prefetch_related("options"),
            "missing_english": language.startswith("en")
            and (not survey.name_en or survey.questions.filter(name_en="").exists()),
        },
    )


def _confirm(request, survey, *, title, text, action, button, problems=(), danger=False):
    return render(
        request,
        T + "confirm.html",
        {
            "survey": survey,
            "title": title,
            "text": text,
            "problems": problems,
            "action": action,
            "button": button,
            "danger": danger,
            "back": _detail(survey),
            "form": ConfirmForm(),
        },
        status=400 if problems and request.method == "POST" else 200,
    )


@never_cache
@editor_required
@require_http_methods(["GET", "POST"])
def publish(request, pk):
    survey = surveys.survey_for(request.user, pk)
    if request.method == "POST":
        try:
            surveys.publish(survey, request.user)
        except surveys.SurveyError:
            pass
        else:
            messages.success(request, _("The survey was published."))
            return redirect(_detail(survey))
    return _confirm(
        request,
        survey,
        title=_("Publish “%(name)s”?") % {"name": survey.name},
        text=_(
            "After publishing, the questions can no longer be changed; only texts can be "
            "corrected. The survey opens for answers on its opening date."
        ),
        problems=surveys.publication_problems(survey),
        action=reverse("participation:staff_publish", args=[survey.pk]),
        button=_("Publish the survey"),
    )


@never_cache
@editor_required
@require_http_methods(["GET", "POST"])
def close(request, pk):
    survey = surveys.survey_for(request.user, pk)
    if request.method == "POST":
        try:
            surveys.close(survey, request.user)
        except surveys.SurveyError as error:
            return _refused(request, error, _detail(survey))
        messages.success(request, _("The survey was closed. No more answers are taken."))
        return redirect(_detail(survey))
    problems = []
    if survey.status != "published" or survey.sealed_at is not None:
        problems = [_("Only a published survey can be closed.")]
    return _confirm(
        request,
        survey,
        title=_("Close “%(name)s” now?") % {"name": survey.name},
        text=_(
            "No more answers are taken after this. Unused codes become invalid. This "
            "cannot be undone."
        ),
        problems=problems,
        action=reverse("participation:staff_close", args=[survey.pk]),
        button=_("Close the survey now"),
        danger=True,
    )


@never_cache
@editor_required
@require_POST
def duplicate(request, pk):
    survey = surveys.survey_for(request.user, pk)
    try:
        copy = surveys.duplicate(survey, request.user)
    except surveys.SurveyError as error:
        return _refused(request, error, _detail(survey))
    messages.success(request, _("A copy was made as a new draft."))
    return redirect(_detail(copy))


@never_cache
@editor_required
@require_http_methods(["GET", "POST"])
def delete(request, pk):
    survey = surveys.survey_for(request.user, pk)
    if request.method == "POST":
        try:
            surveys.delete_draft(survey, request.user)
        except surveys.SurveyError as error:
            return _refused(request, error, _detail(survey))
        messages.success(request, _("The draft was deleted."))
        return redirect("participation:staff_home")
    return _confirm(
        request,
        survey,
        title=_("Delete the draft “%(name)s”?") % {"name": survey.name},
        text=_("The draft and all its questions are deleted."),
        problems=[] if survey.status == "draft" else [_("Only a draft can be deleted.")],
        action=reverse("participation:staff_delete", args=[survey.pk]),
        button=_("Delete the draft"),
        danger=True,
    )


@never_cache
@editor_required
@require_POST
def archive(request, pk):
    survey = surveys.survey_for(request.user, pk)
    try:
        surveys.archive(survey, request.user)
    except surveys.SurveyError as error:
        return _refused(request, error, _detail(survey))
    messages.success(request, _("The survey was archived. It is no longer shown publicly."))
    return redirect(_detail(survey))
