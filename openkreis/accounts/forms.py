"""Forms of the account pages (profile, reply, company, deletion), and django-allauth's
login, registration, password and second-factor forms with the portal's wording
(ACCOUNT_FORMS and MFA_FORMS in settings)."""

from __future__ import annotations

import datetime as dt
import re

from allauth.account import forms as allauth_forms
from allauth.mfa.base import forms as mfa_forms
from allauth.mfa.totp import forms as totp_forms
from django import forms
from django.core.validators import MaxLengthValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import CompanyMembership
from .passwords import password_rule


class ProfileForm(forms.Form):
    first_name = forms.CharField(label=_("First name(s)"), max_length=100, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=100, required=False)
    birth_date = forms.CharField(
        label=_("Date of birth"),
        required=False,
        help_text=_("For example 31.01.1990"),
        max_length=10,
    )
    street = forms.CharField(label=_("Street and house number"), max_length=200, required=False)
    postcode = forms.CharField(label=_("Postcode"), max_length=5, required=False)
    city = forms.CharField(label=_("Town"), max_length=100, required=False)
    phone = forms.CharField(
        label=_("Phone"), max_length=40, required=False, help_text=_("For questions about a case")
    )

    def clean_birth_date(self):
        raw = (self.cleaned_data.get("birth_date") or "").strip()
        if not raw:
            return None
        for pattern in ("%d.%m.%Y", "%Y-%m-%d"):
            try:
                value = dt.datetime.strptime(raw, pattern).date()
                break
            except ValueError:
                continue
        else:
            raise forms.ValidationError(
                _("Enter the date of birth as day.month.year, for example 31.01.1990.")
            )
        if value >= timezone.localdate():
            raise forms.ValidationError(_("The date of birth must be in the past."))
        if value.year < 1900:
            raise forms.ValidationError(_("Enter a date of birth after 1900."))
        return value

    def clean_postcode(self):
        value = (self.cleaned_data.get("postcode") or "").strip()
        if value and not re.fullmatch(r"\d{5}", value):
            raise forms.ValidationError(_("A postcode has exactly 5 digits."))
        return value

    def clean_phone(self):
        value = (self.cleaned_data.get("phone") or "").strip()
        if value and not re.fullmatch(r"\+?[0-9 ()/-]{5,40}", value):
            raise forms.ValidationError(
                _("Enter a phone number with digits only, for example 03941 5970.")
            )
        return value


class ReplyForm(forms.Form):
    body = forms.CharField(
        label=_("Your message"),
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
        max_length=10_000,
    )


class CompanyForm(forms.Form):
    name = forms.CharField(label=_("Company name"), max_length=200)
    register_number = forms.CharField(
        label=_("Commercial register number"),
        max_length=60,
        required=False,
        help_text=_("For example HRB 12345, if the company is registered"),
    )
    street = forms.CharField(label=_("Street and house number"), max_length=200, required=False)
    postcode = forms.CharField(label=_("Postcode"), max_length=5, required=False)
    city = forms.CharField(label=_("Town"), max_length=100, required=False)

    def clean_postcode(self):
        value = (self.cleaned_data.get("postcode") or "").strip()
        if value and not re.fullmatch(r"\d{5}", value):
            raise forms.ValidationError(_("A postcode has exactly 5 digits."))
        return value


class MemberForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address of the person you invite"))
    role = forms.ChoiceField(
        label=_("Role"),
        choices=CompanyMembership.Role.choices,
        widget=forms.RadioSelect,
        initial=CompanyMembership.Role.MEMBER,
    )


class DeleteAccountForm(forms.Form):
    confirm = forms.CharField(label=_("To confirm, type your e-mail address"), max_length=254)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_confirm(self):
        value = (self.cleaned_data.get("confirm") or "").strip()
        if value.lower() != (self.user.email or "").lower():
            raise forms.ValidationError(_("This is not the e-mail address of your account."))
        return value


# --- django-allauth's forms in plain German -------------------------------------------------


class PortalWording:
    """Labels and hints in the portal's words on top of an allauth form: `labels` and `hints`
    by field name, the one password rule under every new password (`new_passwords`), and no
    placeholders (a placeholder is no label and disappears while typing)."""

    labels: dict = {}
    hints: dict = {}
    new_passwords: tuple[str, ...] = ()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            field.widget.attrs.pop("placeholder", None)
            if name in self.labels:
                field.label = self.labels[name]
            if name in self.hints:
                field.help_text = self.hints[name]
            if name in self.new_passwords:
                field.help_text = password_rule()


EMAIL_LABEL = _("E-mail address")
NEW_PASSWORD_AGAIN = _("Repeat the new password")


LOGIN_MAX_LENGTH = 254


class LoginForm(PortalWording, allauth_forms.LoginForm):
    labels = {"login": _("Username or e-mail address"), "password": _("Password")}
    hints = {"password": ""}  # "Forgot your password?" is a link below the field

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["login"].widget.attrs["autocomplete"] = "username"
        # an e-mail address has at most 254 characters; a 60,000-character login made
        # SQLite's LIKE fail with a 500 (issue 16 F6)
        self.fields["login"].max_length = LOGIN_MAX_LENGTH
        self.fields["login"].widget.attrs["maxlength"] = str(LOGIN_MAX_LENGTH)
        self.fields["login"].validators.append(MaxLengthValidator(LOGIN_MAX_LENGTH))


class SignupForm(PortalWording, allauth_forms.SignupForm):
    labels = {
        "email": EMAIL_LABEL,
        "username": _("Username"),
        "password1": _("Password"),
        "password2": _("Repeat the password"),
    }
    hints = {
        "email": _("We send you a link to this address to confirm it."),
        "username": _(
            "You log in with it or with your e-mail address. Letters, digits and @ . + - _ only."
        ),
    }
    new_passwords = ("password1",)


class ChangePasswordForm(PortalWording, allauth_forms.ChangePasswordForm):
    labels = {
        "oldpassword": _("Your current password"),
        "password1": _("New password"),
        "password2": NEW_PASSWORD_AGAIN,
    }
    new_passwords = ("password1",)


class SetPasswordForm(PortalWording, allauth_forms.SetPasswordForm):
    labels = {"password1": _("Password"), "password2": _("Repeat the password")}
    new_passwords = ("password1",)


class ResetPasswordForm(PortalWording, allauth_forms.ResetPasswordForm):
    labels = {"email": EMAIL_LABEL}
    hints = {"email": _("The address you registered with.")}


class ResetPasswordKeyForm(PortalWording, allauth_forms.ResetPasswordKeyForm):
    labels = {"password1": _("New password"), "password2": NEW_PASSWORD_AGAIN}
    new_passwords = ("password1",)


class AddEmailForm(PortalWording, allauth_forms.AddEmailForm):
    labels = {"email": EMAIL_LABEL}


class ReauthenticateForm(PortalWording, allauth_forms.ReauthenticateForm):
    labels = {"password": _("Password")}


class AuthenticateForm(PortalWording, mfa_forms.AuthenticateForm):
    labels = {"code": _("Code from your authenticator app")}
    hints = {
        "code": _(
            "The 6 digits your app shows right now. Without your phone: one of your recovery codes."
        )
    }


class MfaReauthenticateForm(PortalWording, mfa_forms.ReauthenticateForm):
    labels = AuthenticateForm.labels
    hints = AuthenticateForm.hints


class ActivateTOTPForm(PortalWording, totp_forms.ActivateTOTPForm):
    labels = {"code": _("Code from the app")}
    hints = {"code": _("The 6 digits the app shows after you have scanned the QR code.")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["code"].widget.attrs["inputmode"] = "numeric"
