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
    outcome = forms.ChoiceField(label=_("Outcome"), choices=OUTCOME_CHOICES)
    text = forms.CharField(
        label=_("Reasoning"), widget=forms.Textarea(attrs={"rows": 5}), max_length=20000
    )


class HandOverForm(forms.Form):
    unit = forms.ModelChoiceField(
        label=_("Hand over to"), queryset=OrgUnit.objects.order_by("name")
    )
    reason = forms.CharField(label=_("Reason"), max_length=500)
