"""Forms of the certificate part: the holder's name, the verify page, the office's revocation."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

MAX_UPLOAD = 200_000  # bytes: a credential is a few kilobytes


class HolderNameForm(forms.Form):
    holder_name = forms.CharField(
        label=_("Your name as it should appear on the certificate"),
        max_length=200,
        help_text=_("First and last name. It is printed on the certificate and cannot be changed."),
    )
    confirm = forms.BooleanField(
        label=_("The name is spelled correctly."),
        error_messages={"required": _("Please confirm that the name is spelled correctly.")},
    )

    def clean_holder_name(self):
        name = " ".join(self.cleaned_data["holder_name"].split())
        if len(name) < 2:
            raise forms.ValidationError(_("Please enter your name."))
        return name


class VerifyForm(forms.Form):
    credential = forms.CharField(
        label=_("Paste the credential (the content of the .json file)"),
        widget=forms.Textarea(attrs={"rows": 8, "spellcheck": "false"}),
        required=False,
        max_length=MAX_UPLOAD,
    )
    upload = forms.FileField(label=_("or choose the .json file"), required=False)

    def clean(self):
        data = super().clean()
        upload = data.get("upload")
        if upload:
            if upload.size > MAX_UPLOAD:
                raise forms.ValidationError(_("The file is too large for a credential."))
            try:
                data["credential"] = upload.read().decode("utf-8")
            except UnicodeDecodeError:
                raise forms.ValidationError(_("The file is not a credential (not text).")) from None
        if not (data.get("credential") or "").strip():
            raise forms.ValidationError(_("Please paste the credential or choose its file."))
        return data


class FindForm(forms.Form):
    q = forms.UUIDField(
        label=_("Certificate number (from the QR code or the PDF)"),
        error_messages={"invalid": _("Enter the certificate number as printed (with hyphens).")},
    )


class RevokeForm(forms.Form):
    key = forms.UUIDField(widget=forms.HiddenInput)
    reason = forms.CharField(
        label=_("Reason for the revocation"),
        max_length=300,
        error_messages={"required": _("Please give a reason for the revocation.")},
    )
