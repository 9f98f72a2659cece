"""Forms of the survey editor. They parse and check single fields; the rules between fields
and states live in surveys.py (its SurveyError lands on the named field)."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from openkreis.core.models import OrgUnit, Region

from . import surveys
from .models import Option, Question, Survey

DATETIME_FORMATS = ["%d.%m.%Y %H:%M", "%d.%m.%Y", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d"]
LOGIN_LEVELS = [
    ("", pgettext_lazy("login level", "Any account")),
    ("eid", pgettext_lazy("login level", "Login with the online ID card (eID)")),
]


class DateTimeText(forms.DateTimeField):
    """A date (and time) typed as text — native pickers differ by device and locale."""

    widget = forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "size": 16})

    def __init__(self, **kwargs):
        kwargs.setdefault("input_formats", DATETIME_FORMATS)
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        self.error_messages["invalid"] = _("Enter a date like 31.03.2027 or 31.03.2027 18:00.")

    def prepare_value(self, value):
        if hasattr(value, "strftime"):
            value = timezone.localtime(value) if timezone.is_aware(value) else value
            return value.strftime("%d.%m.%Y %H:%M")
        return value


class DescribedErrors:
    """Text inputs with an error point to it (aria-describedby: hint, then error message —
    the ids _field.html gives them). Choice fields carry it on their fieldset."""

    def full_clean(self):
        super().full_clean()
        self._describe_errors()

    def add_error(self, field, error):
        super().add_error(field, error)
        self._describe_errors()

    def _describe_errors(self):
        for name, field in self.fields.items():
            if name not in self.errors or getattr(field.widget, "input_type", "") in (
                "radio",
                "checkbox",
            ):
                continue
            auto_id = self[name].auto_id
            ids = [f"{auto_id}_helptext"] if field.help_text else []
            field.widget.attrs["aria-describedby"] = " ".join([*ids, f"{auto_id}-error"])


def _apply_error(form: forms.Form, error: surveys.SurveyError) -> None:
    form.add_error(error.field if error.field in form.fields else None, error.message)


class SurveyForm(DescribedErrors, forms.Form):
    name = forms.CharField(label=_("Title (German)"), max_length=200)
    name_en = forms.CharField(label=_("Title (English)"), max_length=200, required=False)
    summary = forms.CharField(
        label=_("Introduction (German)"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What the survey is about, who asks and what happens with the answers."),
    )
    summary_en = forms.CharField(
        label=_("Introduction (English)"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    unit = forms.ModelChoiceField(
        label=_("Unit responsible"), queryset=OrgUnit.objects.none(), empty_label=None
    )
    region = forms.ModelChoiceField(
        label=_("Area the survey asks about"), queryset=Region.objects.none(), empty_label=None
    )
    audience = forms.ChoiceField(
        label=_("Who may take part"),
        choices=Survey.Audience.choices,
        widget=forms.RadioSelect,
        initial=Survey.Audience.PUBLIC,
    )
    min_login_level = forms.ChoiceField(
        label=_("Login needed (residents with an account)"),
        choices=LOGIN_LEVELS,
        required=False,
    )
    opens_at = DateTimeText(
        label=_("Opens on"),
        help_text=_("For example 01.03.2027 08:00. Empty: when you publish it."),
    )
    closes_at = DateTimeText(
        label=_("Closes on"),
        help_text=_("For example 31.03.2027 18:00. Needed for surveys with codes by letter."),
    )
    results_public = forms.BooleanField(
        label=_("Show the results to everyone after the survey closed"), required=False
    )
    min_group = forms.IntegerField(
        label=_("Smallest group shown in the results"),
        min_value=2,
        max_value=100,
        help_text=_("Counts below this number and free texts of smaller groups are not shown."),
    )

    def __init__(self, *args, user, survey: Survey | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.survey = survey
        units = surveys.editor_units(user).order_by("organisation__name", "name")
        self.fields["unit"].queryset = units
        region_ids = set()
        for unit in units:
            region_ids.update(surveys.regions_for(unit).values_list("pk", flat=True))
        self.fields["region"].queryset = Region.objects.filter(pk__in=region_ids).order_by(
            "kind", "name"
        )
        self.fields["region"].label_from_instance = lambda r: f"{r.name} ({r.get_kind_display()})"
        self.fields["unit"].label_from_instance = lambda u: f"{u.name} – {u.organisation.name}"
        if survey is not None and surveys.structure_frozen(survey):
            for name in self.fields:
                if name not in surveys.SURVEY_OPEN_FIELDS:
                    self.fields[name].disabled = True

    def save(self, user) -> Survey | None:
        """Create or update through surveys.py; None (and errors on the form) if refused."""
        data = dict(self.cleaned_data)
        if self.survey is not None and surveys.structure_frozen(self.survey):
            data = {k: v for k, v in data.items() if k in surveys.SURVEY_OPEN_FIELDS}
        try:
            if self.survey is None:
                unit, region = data.pop("unit"), data.pop("region")
                return surveys.create_survey(user, unit=unit, region=region, **data)
            return surveys.update_survey(self.survey, user, **data)
        except surveys.SurveyError as error:
            _apply_error(self, error)
            return None


class NewQuestionForm(DescribedErrors, forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind of question"), choices=Question.Kind.choices, widget=forms.RadioSelect
    )
    name = forms.CharField(label=_("Question (German)"), max_length=500)


KIND_HELP = {
    Question.Kind.SINGLE: _("One answer from a list."),
    Question.Kind.MULTIPLE: _("Several answers from a list."),
    Question.Kind.SCALE: _("A number on a scale, for example from 1 to 5."),
    Question.Kind.RANKING: _("Options put in order: first, second, …"),
    Question.Kind.TEXT: _("An answer in the person's own words."),
    Question.Kind.POINT: _("A place on a map (or its description without a map)."),
}


class QuestionForm(DescribedErrors, forms.Form):
    name = forms.CharField(label=_("Question (German)"), max_length=500)
    name_en = forms.CharField(label=_("Question (English)"), max_length=500, required=False)
    summary = forms.CharField(
        label=_("Help text (German)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    summary_en = forms.CharField(
        label=_("Help text (English)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    required = forms.BooleanField(label=_("An answer is required"), required=False)
    max_choices = forms.IntegerField(
        label=_("At most this many answers"),
        required=False,
        min_value=1,
        max_value=100,
        help_text=_("Empty: no limit."),
    )
    scale_min = forms.IntegerField(label=_("Scale from"), min_value=-10, max_value=10)
    scale_max = forms.IntegerField(label=_("Scale to"), min_value=-10, max_value=10)
    scale_min_label = forms.CharField(
        label=_("Word for the lowest value (German)"), max_length=80, required=False
    )
    scale_min_label_en = forms.CharField(
        label=_("Word for the lowest value (English)"), max_length=80, required=False
    )
    scale_max_label = forms.CharField(
        label=_("Word for the highest value (German)"), max_length=80, required=False
    )
    scale_max_label_en = forms.CharField(
        label=_("Word for the highest value (English)"), max_length=80, required=False
    )
    show_if = forms.ModelMultipleChoiceField(
        label=_("Ask this question only if one of these answers was chosen"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Nothing chosen: the question is always asked."),
    )

    def __init__(self, *args, question: Question, **kwargs):
        kwargs.setdefault(
            "initial",
            {
                **{name: getattr(question, name) for name in surveys.QUESTION_FIELDS},
                "show_if": list(question.show_if.all()),
            },
        )
        super().__init__(*args, **kwargs)
        self.question = question
        kind = question.kind
        if kind == Question.Kind.RANKING:
            self.fields["max_choices"].label = _("Rank at most this many options")
        if kind not in (Question.Kind.MULTIPLE, Question.Kind.RANKING):
            del self.fields["max_choices"]
        if kind != Question.Kind.SCALE:
            for name in list(self.fields):
                if name.startswith("scale_"):
                    del self.fields[name]
        choices = surveys.condition_choices(question)
        if choices:
            self.fields["show_if"].queryset = Option.objects.filter(
                pk__in=[o.pk for o in choices]
            ).select_related("question")
            numbers = {
                pk: n
                for n, pk in enumerate(
                    question.survey.questions.values_list("pk", flat=True), start=1
                )
            }
            self.fields["show_if"].label_from_instance = lambda o: (
                f"{numbers.get(o.question_id, '?')}. {o.question.name} → {o.name}"
            )
        else:
            del self.fields["show_if"]
        if surveys.structure_frozen(question.survey):
            for name, field in self.fields.items():
                if name not in surveys.QUESTION_TEXT_FIELDS:
                    field.disabled = True

    def save(self) -> Question | None:
        data = dict(self.cleaned_data)
        show_if = data.pop("show_if", None)
        frozen = surveys.structure_frozen(self.question.survey)
        if frozen:
            data = {k: v for k, v in data.items() if k in surveys.QUESTION_TEXT_FIELDS}
        try:
            question = surveys.update_question(self.question, **data)
            if show_if is not None and not frozen:
                surveys.set_condition(question, show_if)
            return question
        except surveys.SurveyError as error:
            _apply_error(self, error)
            return None


class OptionForm(DescribedErrors, forms.Form):
    name = forms.CharField(label=_("Option (German)"), max_length=300)
    name_en = forms.CharField(label=_("Option (English)"), max_length=300, required=False)


class ConfirmForm(forms.Form):
    """An empty form: the POST with its CSRF token is the confirmation."""
