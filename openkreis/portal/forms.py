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
