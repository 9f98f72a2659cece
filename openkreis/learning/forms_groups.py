"""Forms of groups, teachers and the learning office (groups.py does the work)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from . import groups
from .models import LearnerGroup


class JoinForm(forms.Form):
    code = forms.CharField(
        label=_("Group code"),
        max_length=20,
        help_text=_("8 letters and digits, e.g. HARZ2026. Your teacher gives you the code."),
        widget=forms.TextInput({"autocomplete": "off", "autocapitalize": "characters"}),
    )

    def clean_code(self):
        code = groups.normalise_code(self.cleaned_data["code"])
        if not code:
            raise forms.ValidationError(_("Please enter the code of your group."))
        return code


class GroupForm(forms.ModelForm):
    municipality = forms.ModelChoiceField(
        label=_("Municipality"),
        queryset=groups.municipalities(),
        required=False,
        empty_label=_("— not in a particular municipality —"),
        help_text=_("Where the group meets. The county's figures count the group there."),
    )

    class Meta:
        model = LearnerGroup
        fields = ["name", "kind", "municipality"]
        labels = {"kind": _("Kind of group")}
        help_texts = {"name": _("For example: Smartphone course Monday morning.")}


class AddTeacherForm(forms.Form):
    username = forms.CharField(
        label=_("User name of the other teacher"),
        max_length=150,
        help_text=_("The other person must already be an approved teacher."),
    )


class ApplyForm(forms.Form):
    organisation = forms.CharField(
        label=_("Your organisation"),
        max_length=200,
        help_text=_("For example: Kreisvolkshochschule Harz, a school, a club or your employer."),
    )
