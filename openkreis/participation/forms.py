"""The small forms around a survey: the code from the letter and the receipt check (the
questionnaire itself is voting.questionnaire_form)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from . import voting


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Your code from the letter"),
        max_length=40,
        help_text=_("12 letters and digits, for example ABCD-EFGH-JKLM. Dashes do not matter."),
        error_messages={"required": _("Please enter the code from your letter.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        attrs = self.fields["code"].widget.attrs
        attrs.update({"autocomplete": "off", "spellcheck": "false", "autocapitalize": "characters"})

    def clean_code(self):
        code = voting.normalise_code(self.cleaned_data["code"])
        if len(code) != voting.CODE_LENGTH:
            raise forms.ValidationError(
                _("A code has 12 letters and digits. Please check it against your letter.")
            )
        return code


class ReceiptForm(forms.Form):
    receipt = forms.CharField(
        label=_("Your receipt"),
        max_length=40,
        help_text=_("10 letters and digits, for example ABCDE-FGHJK."),
        error_messages={"required": _("Please enter your receipt.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        attrs = self.fields["receipt"].widget.attrs
        attrs.update({"autocomplete": "off", "spellcheck": "false", "autocapitalize": "characters"})

    def clean_receipt(self):
        receipt = voting.normalise_receipt(self.cleaned_data["receipt"])
        if not receipt:
            raise forms.ValidationError(
                _("A receipt has 10 letters and digits. Please check what you typed.")
            )
        return receipt
