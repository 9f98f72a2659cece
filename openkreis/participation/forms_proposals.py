"""Forms of the proposals: submit, comment, report abuse (residents); publish/hide, hide a
comment, official answer (moderators). Every message is for the person, in their language."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from openkreis.core.images import PhotoRejected, clean_photo
from openkreis.core.models import OrgUnit, Region

from . import proposals
from .models_proposals import Proposal

Status = Proposal.Answer


class MunicipalityField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class ProposalForm(forms.Form):
    title = forms.CharField(
        label=_("Title"),
        max_length=proposals.TITLE_MAX,
        help_text=_("In a few words: what do you propose?"),
        error_messages={"required": _("Please give your proposal a title.")},
    )
    text = forms.CharField(
        label=_("Your proposal"),
        max_length=proposals.TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_(
            "What should change, and why? It is shown publicly. Please do not name any persons."
        ),
        error_messages={"required": _("Please describe your proposal.")},
    )
    municipality = MunicipalityField(
        label=_("Municipality"),
        queryset=Region.objects.none(),  # set per form: no query at import time
        empty_label=pgettext_lazy("proposal", "Please choose"),
        help_text=_("Where is it about? Describe the exact place in your text if it matters."),
        error_messages={
            "required": _("Please choose the municipality."),
            "invalid_choice": _("Please choose one of the listed municipalities."),
        },
    )
    lat = forms.FloatField(required=False, widget=forms.HiddenInput, min_value=-90, max_value=90)
    lon = forms.FloatField(required=False, widget=forms.HiddenInput, min_value=-180, max_value=180)
    photo = forms.FileField(
        label=_("Photo (optional)"),
        required=False,
        help_text=_(
            "JPEG, PNG or WebP. We remove all data stored in the photo, such as the place."
        ),
    )
    show_name = forms.BooleanField(
        label=_("Show my name with the proposal"),
        required=False,
        help_text=_("Otherwise it says: a resident."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # the county's municipalities (current_tenant reads the database: never at import)
        self.fields["municipality"].queryset = proposals.municipalities()
        self.fields["photo"].widget.attrs["accept"] = "image/jpeg,image/png,image/webp"
        self.fields["text"].widget.attrs["maxlength"] = proposals.TEXT_MAX

    def clean_photo(self):
        upload = self.cleaned_data.get("photo")
        if not upload:
            return None
        try:
            return clean_photo(upload.read())
        except PhotoRejected as exc:
            raise forms.ValidationError(str(exc)) from exc

    def clean(self):
        data = super().clean()
        if "lat" in self.errors or "lon" in self.errors:
            # a hidden field only the map sets: drop the place, keep the rest
            self.errors.pop("lat", None)
            self.errors.pop("lon", None)
            data["lat"] = data["lon"] = None
        if (data.get("lat") is None) != (data.get("lon") is None):
            data["lat"] = data["lon"] = None
        return data

    def submission(self) -> proposals.Submission:
        data = self.cleaned_data
        return proposals.Submission(
            title=data["title"],
            text=data["text"],
            municipality=data["municipality"],
            lat=data.get("lat"),
            lon=data.get("lon"),
            photo=data.get("photo"),
            show_name=data.get("show_name", False),
        )


class CommentForm(forms.Form):
    text = forms.CharField(
        label=_("Your comment"),
        max_length=proposals.COMMENT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("At most 2000 characters. It is shown publicly."),
        error_messages={"required": _("Please write your comment.")},
    )
    show_name = forms.BooleanField(label=_("Show my name with the comment"), required=False)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "comment")
        super().__init__(*args, **kwargs)
        self.fields["text"].widget.attrs["maxlength"] = proposals.COMMENT_MAX


class AbuseForm(forms.Form):
    reason = forms.CharField(
        label=_("What is wrong with it?"),
        max_length=proposals.ABUSE_REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("For example: it insults someone, it is advertising, it names a person."),
        error_messages={"required": _("Please say what is wrong with it.")},
    )
    comment = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "abuse")
        super().__init__(*args, **kwargs)


class ReasonForm(forms.Form):
    """Hide a proposal or a comment: the reason is required (the author sees it)."""

    reason = forms.CharField(
        label=_("Reason (the author sees it)"),
        max_length=proposals.REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={
            "required": _("Please give the reason for hiding. The author will see it.")
        },
    )


class AnswerForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[
            (Status.UNDER_REVIEW, Status.UNDER_REVIEW.label),
            (Status.ACCEPTED, Status.ACCEPTED.label),
            (Status.REJECTED, Status.REJECTED.label),
            (Status.IMPLEMENTED, Status.IMPLEMENTED.label),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": _("Please choose the status of the answer.")},
    )
    text = forms.CharField(
        label=_("Answer"),
        required=False,
        max_length=proposals.TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Required when the proposal is rejected: give the reason."),
    )
    unit = forms.ModelChoiceField(
        label=_("Responsible unit"),
        queryset=OrgUnit.objects.none(),
        required=False,
        empty_label=pgettext_lazy("proposal", "None"),
    )
    circle = forms.CharField(
        label=_("Taken into the Gestaltungskreis (name, optional)"), required=False, max_length=200
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "answer")
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = OrgUnit.objects.select_related("organisation").order_by(
            "organisation__name", "name"
        )

    def clean(self):
        data = super().clean()
        if data.get("status") == Status.REJECTED and not (data.get("text") or "").strip():
            self.add_error("text", _("Please give the reason for the rejection in the answer."))
        return data
