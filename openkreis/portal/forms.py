from django import forms
from django.utils.translation import gettext_lazy as _

from openkreis.core import services as core


class PlaceForm(forms.Form):
    """Where does the person live? A municipality from the list, or a postcode."""

    gemeinde = forms.ChoiceField(label=_("Your municipality"), required=False)
    plz = forms.CharField(
        label=_("or your postcode"),
        required=False,
        max_length=5,
        min_length=5,
        help_text=_("5 digits, for example 38820"),
        error_messages={
            "min_length": _("A postcode has exactly 5 digits."),
            "max_length": _("A postcode has exactly 5 digits."),
        },
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "postal-code", "pattern": "[0-9]{5}"}
        ),
    )

    def __init__(self, *args, tenant=None, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", _("Please choose"))]
        choices += [(m.ags, m.name) for m in core.municipalities(tenant)]
        self.fields["gemeinde"].choices = choices

    def clean_plz(self):
        value = self.cleaned_data.get("plz", "").strip()
        if value and not value.isdigit():
            raise forms.ValidationError(_("A postcode has exactly 5 digits."))
        return value

    def regions(self):
        """The municipalities the input points to (several for a shared postcode)."""
        ags = self.cleaned_data.get("gemeinde")
        if ags:
            return [core.region_by_key(ags)]
        plz = self.cleaned_data.get("plz")
        if plz:
            return core.regions_for_postcode(plz)
        return []


class BarrierReportForm(forms.Form):
    """Feedback on accessibility (BITV 2.0 § 7): where, what, and who wants an answer."""

    seite = forms.CharField(
        label=_("Page with the barrier"),
        max_length=500,
        help_text=_("The address of the page, for example /leistungen/ or the full link."),
        error_messages={"required": _("Please tell us on which page the barrier is.")},
    )
    beschreibung = forms.CharField(
        label=_("Describe the barrier"),
        min_length=10,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_(
            "What did you want to do, and what did not work? Which aid do you use, for "
            "example a screen reader?"
        ),
        error_messages={
            "required": _("Please describe the barrier."),
            "min_length": _("Please describe the barrier in a few more words."),
            "max_length": _("Please shorten your description to 5000 characters."),
        },
    )
    name = forms.CharField(
        label=_("Your name (optional)"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    email = forms.EmailField(
        label=_("Your e-mail address (optional)"),
        required=False,
        max_length=254,
        help_text=_("Only if you want an answer. We use it only for this answer."),
        error_messages={
            "invalid": _("Please enter a valid e-mail address, like name@example.org.")
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )

    def clean_seite(self):
        value = self.cleaned_data["seite"].strip()
        if not (value.startswith("/") or value.startswith(("http://", "https://"))):
            raise forms.ValidationError(
                _("Please enter the address of the page, beginning with / or https://.")
            )
        if any(ch.isspace() for ch in value):
            raise forms.ValidationError(_("A page address contains no spaces."))
        return value
