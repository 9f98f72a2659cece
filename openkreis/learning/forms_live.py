"""Forms of the live quiz: the teacher's new session, the learner's code and answer."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from . import groups, live
from .models import Module, Question


class LiveNewForm(forms.Form):
    module = forms.ModelChoiceField(
        label=_("Module"),
        queryset=Module.objects.none(),
        empty_label=None,
        help_text=_("The quiz asks the module's single and multiple choice questions."),
    )
    count = forms.IntegerField(
        label=_("Number of questions (optional)"),
        required=False,
        min_value=1,
        max_value=50,
        help_text=_("Empty: all questions in order. A number: that many, drawn at random."),
    )
    group = forms.ModelChoiceField(
        label=_("Group (optional)"),
        queryset=None,
        required=False,
        empty_label=_("No group"),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["module"].queryset = (
            Module.objects.filter(
                published=True, questions__active=True, questions__kind__in=live.LIVE_KINDS
            )
            .distinct()
            .order_by("order", "title")
        )
        self.fields["group"].queryset = groups.groups_taught_by(user)


class JoinForm(forms.Form):
    code = forms.CharField(
        label=_("Code from the teacher's screen"),
        max_length=12,
        help_text=_("Six digits, for example 123456."),
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "off", "class": "live-code-input"}
        ),
    )

    def clean_code(self):
        code = self.cleaned_data["code"].strip().replace(" ", "")
        if not (code.isdigit() and len(code) == live.CODE_DIGITS):
            raise forms.ValidationError(_("The code has six digits."))
        return code


class AnswerForm(forms.Form):
    """One question: radio buttons (single choice) or check boxes (multiple choice)."""

    index = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, question: Question, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(o["key"], live.localized(o, "text")) for o in question.options]
        if question.kind == Question.Kind.MULTIPLE:
            self.fields["choice"] = forms.MultipleChoiceField(
                label=_("Your answer (one or more)"),
                choices=choices,
                widget=forms.CheckboxSelectMultiple,
                error_messages={"required": _("Please choose at least one answer.")},
            )
        else:
            self.fields["choice"] = forms.ChoiceField(
                label=_("Your answer"),
                choices=choices,
                widget=forms.RadioSelect,
                error_messages={"required": _("Please choose an answer.")},
            )

    def chosen(self) -> list[str]:
        value = self.cleaned_data["choice"]
        return [value] if isinstance(value, str) else list(value)
