"""Forms of the back office's later slices (split) and of the four-week questionnaire. Every
bad input is a message at its field (400), never an error page."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .models import FollowUp


class SplitForm(forms.Form):
    """Make a new report from this one: category, description, place, photos that move."""

    new_category = forms.ModelChoiceField(
        label=_("Category of the new report"),
        queryset=None,
        empty_label=pgettext_lazy("defect report", "Please choose"),
        error_messages={
            "required": _("Please choose the category of the new report."),
            "invalid_choice": _("Please choose one of the listed categories."),
        },
    )
    new_description = forms.CharField(
        label=_("Description of the new report"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Please describe the new report.")},
    )
    new_place = forms.CharField(
        label=_("Where exactly? (public, optional)"),
        required=False,
        max_length=500,
        help_text=_("Empty: the place text of this report."),
    )
    move_photos = forms.MultipleChoiceField(
        label=_("Photos that belong to the new report"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("Please choose photos of this report only.")},
    )

    def __init__(self, *args, categories, photos=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_category"].queryset = categories
        self.fields["new_category"].label_from_instance = lambda c: c.label
        self.fields["move_photos"].choices = [
            (str(p.pk), _("Photo %(n)d") % {"n": n}) for n, p in enumerate(photos, start=1)
        ]
        if not photos:
            del self.fields["move_photos"]


class FollowUpForm(forms.Form):
    answer = forms.ChoiceField(
        label=_("Is the defect fixed?"),
        choices=FollowUp.Answer.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Please choose an answer."),
            "invalid_choice": _("Please choose an answer."),
        },
    )
    comment = forms.CharField(
        label=_("Comment (optional)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Please do not name any persons. The comment is read by the office only."),
    )
