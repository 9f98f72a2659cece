"""Forms of the hosts' pages and the ticket office (German labels via the translations)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .imports import MAX_BYTES

NAME_ROWS = 6


class StayForm(forms.Form):
    """A stay: arrival, departure, guests per levy category (fields made from the county's
    categories), optional names (one per line), paid or not."""

    reference = forms.CharField(
        label=_("Booking reference"),
        max_length=60,
        required=False,
        help_text=_("Your booking number, so that an import does not register the stay twice."),
    )
    arrival = forms.DateField(label=_("Arrival"), widget=forms.DateInput(attrs={"type": "date"}))
    departure = forms.DateField(
        label=_("Departure"), widget=forms.DateInput(attrs={"type": "date"})
    )
    names = forms.CharField(
        label=_("Guests' names"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "One guest per line, first name and last name. Optional: the ticket shows the "
            "initials only."
        ),
    )
    paid = forms.BooleanField(
        label=_("The guest levy is paid: issue the tickets now"), required=False
    )

    def __init__(self, *args, categories: dict[str, str], **kwargs):
        super().__init__(*args, **kwargs)
        self.categories = categories
        for index, (key, label) in enumerate(categories.items()):
            self.fields[f"guests_{key}"] = forms.IntegerField(
                label=label,
                min_value=0,
                max_value=99,
                initial=1 if index == 0 else 0,
                widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
            )
        order = ["reference", "arrival", "departure"]
        order += [f"guests_{key}" for key in categories] + ["names", "paid"]
        self.order_fields(order)

    def guest_fields(self):
        return [self[f"guests_{key}"] for key in self.categories]

    def clean(self):
        data = super().clean()
        arrival, departure = data.get("arrival"), data.get("departure")
        if arrival and departure and departure <= arrival:
            self.add_error("departure", _("The departure must be after the arrival."))
        counts = self.counts()
        if not self.errors and sum(counts.values()) < 1:
            first = next(iter(self.categories), None)
            if first:
                self.add_error(f"guests_{first}", _("A stay needs at least one guest."))
        return data

    def counts(self) -> dict[str, int]:
        return {
            key: self.cleaned_data.get(f"guests_{key}") or 0
            for key in self.categories
            if hasattr(self, "cleaned_data")
        }

    def name_pairs(self) -> list[tuple[str, str]]:
        pairs = []
        for line in (self.cleaned_data.get("names") or "").splitlines():
            line = " ".join(line.split())
            if line:
                first, _sep, last = line.rpartition(" ")
                pairs.append((first, last) if first else ("", last))
        return pairs


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file from your booking software"),
        help_text=_(
            "Columns Buchungsnummer; Anreise; Abreise; one column per guest category "
            "(Erwachsene; Kinder; Ermäßigt); optional Bezahlt (ja/nein) and Namen "
            "(separated by |). Semicolon or comma, UTF-8 or Windows-1252."
        ),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(_("The file is larger than 2 MB."))
        return upload


class ShareForm(forms.Form):
    email = forms.EmailField(
        label=_("Guest's e-mail address"),
        help_text=_("The guest gets the link to the tickets. The address is not stored."),
    )


class MonthForm(forms.Form):
    month = forms.CharField(
        label=_("Month"),
        max_length=7,
        widget=forms.TextInput(attrs={"type": "month", "placeholder": "2026-08"}),
    )

    def clean_month(self):
        value = self.cleaned_data["month"].strip()
        try:
            year, month = (int(part) for part in value.split("-"))
        except ValueError:
            raise forms.ValidationError(_("Please give the month as YYYY-MM.")) from None
        if not (2000 <= year <= 2100 and 1 <= month <= 12):
            raise forms.ValidationError(_("Please give the month as YYYY-MM."))
        return (year, month)


class RevokeForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        min_length=3,
        max_length=200,
        help_text=_("For the office's records; the guest does not see it."),
    )


class AccommodationForm(forms.Form):
    """The guest levy office registers a host's accommodation (a company account that exists:
    the host creates it in the portal and tells the office its name)."""

    company = forms.ModelChoiceField(label=_("Host (company account)"), queryset=None)
    name = forms.CharField(label=_("Name of the accommodation"), max_length=200)
    municipality = forms.ModelChoiceField(label=_("Municipality"), queryset=None)
    street = forms.CharField(label=_("Street and number"), max_length=200, required=False)
    postcode = forms.RegexField(
        label=_("Postcode"),
        regex=r"^[0-9]{5}$",
        required=False,
        error_messages={"invalid": _("A postcode has five digits.")},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    town = forms.CharField(label=_("Town"), max_length=100, required=False)

    def __init__(self, *args, companies, municipalities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["company"].queryset = companies
        self.fields["municipality"].queryset = municipalities
