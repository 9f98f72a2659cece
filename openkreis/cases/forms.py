from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from openkreis.core.models import OrgUnit

OUTCOME_CHOICES = [
    ("granted", _("Granted")),
    ("partly", _("Partly granted")),
    ("refused", _("Refused")),
    ("withdrawn", _("Withdrawn by the applicant")),
]


class RequestForm(forms.Form):
    items = forms.CharField(
        label=_("Missing documents (one per line)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
    )
    deadline = forms.DateField(label=_("Deadline"), widget=forms.DateInput(attrs={"type": "date"}))
    message = forms.CharField(
        label=_("Message to the applicant (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean_deadline(self):
        deadline = self.cleaned_data["deadline"]
        if deadline <= timezone.localdate():
            raise forms.ValidationError(_("The deadline must be in the future."))
        if deadline > timezone.localdate() + dt.timedelta(days=180):
            raise forms.ValidationError(_("The deadline must be within six months."))
        return deadline


class DecisionForm(forms.Form):
    # Radio buttons with nothing chosen: the caseworker decides the outcome, the form does not
    # suggest one.
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=OUTCOME_CHOICES,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose the outcome of the decision.")},
    )
    text = forms.CharField(
        label=_("Reasoning"), widget=forms.Textarea(attrs={"rows": 5}), max_length=20000
    )


class HandOverForm(forms.Form):
    unit = forms.ModelChoiceField(
        label=_("Hand over to"),
        # the label names the unit's organisation: one join, not a query per unit
        queryset=OrgUnit.objects.select_related("organisation").order_by("name"),
        empty_label=_("Choose a unit"),  # not Django's "---------"
    )
    reason = forms.CharField(label=_("Reason"), max_length=500)


class AuditFilterForm(forms.Form):
    """The auditor's filters; all optional. Dates are inclusive."""

    case_ref = forms.CharField(label=_("File number"), required=False, max_length=60)
    actor = forms.CharField(label=_("User name"), required=False, max_length=150)
    action = forms.ChoiceField(label=_("Action"), required=False, choices=[])
    since = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, actions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = [("", _("All actions"))] + [(a, a) for a in actions]

    def clean(self):
        data = super().clean()
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            self.add_error("until", _("The end of the period is before its start."))
        return data


class AssignForm(forms.Form):
    """A team lead gives the chosen cases to one person of their units."""

    assignee = forms.ModelChoiceField(
        label=_("Assign to"),
        queryset=None,
        empty_label=_("Choose a person"),  # not Django's "---------"
    )

    def __init__(self, *args, assignees=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = assignees
        self.fields["assignee"].label_from_instance = lambda u: u.get_full_name() or u.username
