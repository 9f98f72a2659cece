"""The Digitale Werkstatt's request form."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from openkreis.core import services as core
from openkreis.core.models import Region

from .models import AdviceOffer


class AdviceRequestForm(forms.Form):
    audience = forms.ChoiceField(label=_("I am asking for"), widget=forms.RadioSelect)
    organisation = forms.CharField(
        label=_("Name of the club or business"),
        max_length=200,
        required=False,
        help_text=_("Leave empty if you are asking for yourself."),
    )
    municipality = forms.ModelChoiceField(
        label=_("Municipality"), queryset=Region.objects.none(), required=False
    )
    message = forms.CharField(
        label=_("Your question"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Describe briefly what you need. Please do not send passwords."),
    )
    consent = forms.BooleanField(
        label=_("The Werkstatt team may contact me about this request (by message or e-mail)."),
        error_messages={"required": _("Please agree so that the team can answer you.")},
    )

    def __init__(self, *args, offer: AdviceOffer, **kwargs):
        super().__init__(*args, **kwargs)
        labels = dict(AdviceOffer.Audience.choices)
        self.fields["audience"].choices = [(a, labels[a]) for a in offer.audiences]
        if len(offer.audiences) == 1:
            self.fields["audience"].initial = offer.audiences[0]
        self.fields["municipality"].queryset = core.municipalities(core.current_tenant())
        self.fields["municipality"].empty_label = _("– please choose –")

    def clean_message(self):
        message = self.cleaned_data["message"].strip()
        if len(message) < 10:
            raise forms.ValidationError(_("Please describe your question in a few words more."))
        return message
