"""Forms of the account pages (profile, reply, company, deletion)."""

from __future__ import annotations

import datetime as dt
import re

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import CompanyMembership


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
    email = forms.EmailField(label=_("E-mail address of the person's account"))
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
