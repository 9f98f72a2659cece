from __future__ import annotations

import datetime as dt

from django import forms
from django.forms.utils import flatatt
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from openkreis.core.models import Region

from .models import AgeGroup, Child
from .services import add_months, first_of_month


def month_choices(count: int = 18) -> list[tuple[str, str]]:
    start = first_of_month(timezone.localdate())
    months = [add_months(start, i) for i in range(count)]
    return [(m.strftime("%Y-%m"), m.strftime("%m/%Y")) for m in months]


class SearchSelect(forms.Select):
    """Django's select, written in Python: its templates render each option through an
    include — about 45 options on the search page took 3 ms a request. The same markup
    (name, the field's attributes, options, `selected`); for flat choices without option
    attributes (no optgroups)."""

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        options = format_html_join(
            "\n",
            '<option value="{}"{}>{}</option>',
            (
                (option["value"], " selected" if option["selected"] else "", option["label"])
                for _group, choices, _index in widget["optgroups"]
                for option in choices
            ),
        )
        return format_html(
            '<select name="{}"{}>\n{}\n</select>', name, flatatt(widget["attrs"]), options
        )


class FreePlaceSearchForm(forms.Form):
    """The public search: no personal data, every field optional except the age group."""

    gruppe = forms.ChoiceField(label=_("Age group"), choices=AgeGroup.choices, widget=SearchSelect)
    ab = forms.ChoiceField(label=_("Start from"), choices=(), widget=SearchSelect)
    stunden = forms.IntegerField(
        label=_("Hours of care per day (optional)"), required=False, min_value=1, max_value=12
    )
    gemeinde = forms.ChoiceField(
        label=_("Municipality"),
        required=False,
        choices=(),
        widget=SearchSelect,
        # Django's own message (translated there), without echoing the value sent
        error_messages={
            "invalid_choice": _(
                "Select a valid choice. That choice is not one of the available choices."
            )
        },
    )

    def __init__(self, *args, municipalities=(), **kwargs):
        """`municipalities`: (ARS, name) pairs (services.search_municipalities)."""
        super().__init__(*args, **kwargs)
        self.fields["ab"].choices = month_choices()
        self.fields["stunden"].widget.attrs["inputmode"] = "numeric"
        self.fields["gemeinde"].choices = [("", _("All municipalities")), *municipalities]

    def clean_gemeinde(self) -> str | None:
        """The municipality's ARS, or None for the whole county."""
        return self.cleaned_data["gemeinde"] or None

    def clean_ab(self) -> dt.date:
        year, month = self.cleaned_data["ab"].split("-")
        return dt.date(int(year), int(month), 1)


# -- the Eltern-Portal ---------------------------------------------------------------------

FLAG_LABELS = {
    "hardship": _("Social hardship (for example a serious illness in the family)"),
    "single_parent": _("I raise the child alone (single parent)"),
    "working_parents": _("The parents work, train or study"),
}


class ChildForm(forms.ModelForm):
    """Only what the allocation needs: first name, birth date, place of residence, siblings."""

    class Meta:
        model = Child
        fields = ["first_name", "birth_date", "municipality", "siblings_at"]
        widgets = {
            "birth_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "siblings_at": forms.CheckboxSelectMultiple,
        }
        labels = {"siblings_at": _("Kitas a brother or sister attends")}
        help_texts = {
            "first_name": _("The first name is enough."),
            "birth_date": _("For the age group (Krippe, Kindergarten, Hort)."),
            "siblings_at": _(
                "Tick the Kitas a brother or sister of the child attends. Many municipalities "
                "give points for this."
            ),
        }

    def __init__(self, *args, kitas=None, municipalities=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["first_name"].widget.attrs["autocomplete"] = "off"
        self.fields["municipality"].empty_label = _("Please choose")
        if municipalities is not None:
            self.fields["municipality"].queryset = municipalities
        if kitas is not None:
            self.fields["siblings_at"].queryset = kitas
        self.fields["siblings_at"].label_from_instance = lambda k: f"{k.name} ({k.town})"

    def clean_birth_date(self):
        born = self.cleaned_data["birth_date"]
        today = timezone.localdate()
        if born > today + dt.timedelta(days=280):
            raise forms.ValidationError(_("Please check the date of birth."))
        if born < today.replace(year=today.year - 15):
            raise forms.ValidationError(_("Kita places are for children up to 14 years."))
        return born


class ApplicationForm(forms.Form):
    """Start month, hours and up to N ranked wishes as N select fields (no JavaScript)."""

    start = forms.ChoiceField(label=_("Desired start"), choices=())
    hours = forms.IntegerField(
        label=_("Hours of care per day"), min_value=1, max_value=12, initial=8
    )
    flags = forms.MultipleChoiceField(
        label=_("Criteria that apply to you"),
        choices=list(FLAG_LABELS.items()),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Tick only what is true. These criteria can give priority points. The Kita or the "
            "municipality may ask for proof (for example a certificate from the employer) "
            "before the care contract; false claims can cost the place."
        ),
    )

    def __init__(self, *args, kitas, max_wishes: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.max_wishes = max_wishes
        self.fields["start"].choices = month_choices()
        self.fields["hours"].widget.attrs["inputmode"] = "numeric"
        for rank in range(1, max_wishes + 1):
            field = forms.ModelChoiceField(
                label=_("%(rank)s. wish") % {"rank": rank},
                queryset=kitas,
                required=rank == 1,
                empty_label=_("Please choose") if rank == 1 else _("– no further wish –"),
            )
            field.label_from_instance = lambda k: f"{k.name} ({k.town})"
            self.fields[f"wish_{rank}"] = field

    def wish_fields(self):
        return [self[f"wish_{rank}"] for rank in range(1, self.max_wishes + 1)]

    def clean_start(self) -> dt.date:
        year, month = self.cleaned_data["start"].split("-")
        return dt.date(int(year), int(month), 1)

    def clean(self):
        data = super().clean()
        wishes = [data.get(f"wish_{rank}") for rank in range(1, self.max_wishes + 1)]
        chosen = [k for k in wishes if k is not None]
        if len({k.pk for k in chosen}) != len(chosen):
            raise forms.ValidationError(_("Each Kita can be named only once."))
        data["kitas"] = chosen
        return data


class AlertForm(forms.Form):
    age_group = forms.ChoiceField(label=_("Age group"), choices=AgeGroup.choices)
    municipality = forms.ModelChoiceField(
        label=_("Municipality"),
        queryset=Region.objects.none(),
        required=False,
        empty_label=_("All municipalities"),
    )

    def __init__(self, *args, municipalities=None, **kwargs):
        super().__init__(*args, **kwargs)
        if municipalities is not None:
            self.fields["municipality"].queryset = municipalities
