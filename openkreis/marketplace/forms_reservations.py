"""Forms of click & collect: the customer's reservation, the shop's answer, the pickup code."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .reservations import CODE_LENGTH, MAX_QUANTITY, normalise_code


class ReserveForm(forms.Form):
    quantity = forms.TypedChoiceField(
        label=_("How many pieces?"),
        coerce=int,
        choices=[],
        initial=1,
    )
    note = forms.CharField(
        label=_("Note for the shop"),
        help_text=_("Optional, e.g. a size or a colour. At most 300 characters."),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, available: int = MAX_QUANTITY, **kwargs):
        super().__init__(*args, **kwargs)
        top = max(1, min(MAX_QUANTITY, available))
        self.fields["quantity"].choices = [(n, str(n)) for n in range(1, top + 1)]


class DeclineForm(forms.Form):
    note = forms.CharField(
        label=_("Message to the customer"),
        help_text=_("Optional: why, or when the article will be back."),
        max_length=300,
        required=False,
    )


class PickupForm(forms.Form):
    code = forms.CharField(
        label=_("Pickup code"),
        help_text=_("The 6 letters and digits the customer shows."),
        max_length=20,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
    )

    def clean_code(self) -> str:
        code = normalise_code(self.cleaned_data["code"])
        if len(code) != CODE_LENGTH:
            raise forms.ValidationError(
                _("A pickup code has %(n)s characters (letters and digits)."),
                params={"n": CODE_LENGTH},
            )
        return code
