"""Forms of the doctor slots and holiday rooms pages (/freie-termine/)."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models_providers import Specialty
from .providers import BERLIN, MAX_NIGHTS

MAX_UPLOAD = 1_000_000


class _Municipality(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class SlotSearchForm(forms.Form):
    fach = forms.ChoiceField(
        label=_("Specialty"),
        required=False,
        choices=[("", _("All specialties")), *Specialty.choices],
    )
    gemeinde = _Municipality(
        label=_("Municipality"), required=False, queryset=None, empty_label=_("All municipalities")
    )
    tag = forms.DateField(
        label=_("Day"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, municipalities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["gemeinde"].queryset = municipalities


class BookForm(forms.Form):
    name = forms.CharField(label=_("Your name"), max_length=200)
    email = forms.EmailField(label=_("Your e-mail address"), max_length=254)


class WaitlistForm(BookForm):
    pass


class SlotForm(forms.Form):
    day = forms.DateField(label=_("Day"), widget=forms.DateInput(attrs={"type": "date"}))
    time = forms.TimeField(label=_("Time of day"), widget=forms.TimeInput(attrs={"type": "time"}))
    minutes = forms.IntegerField(
        label=_("Length in minutes"), min_value=5, max_value=240, initial=15
    )

    def clean(self):
        data = super().clean()
        if data.get("day") and data.get("time"):
            start = dt.datetime.combine(data["day"], data["time"], tzinfo=BERLIN)
            if start <= timezone.now():
                raise forms.ValidationError(_("The slot must lie in the future."))
            if start > timezone.now() + dt.timedelta(days=366):
                raise forms.ValidationError(_("Slots can be published up to a year ahead."))
            data["start"] = start
        return data


class CalendarUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Calendar file (.ics)"),
        help_text=_("Events marked free or titled “frei” become slots (8 weeks ahead)."),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD:
            raise forms.ValidationError(_("The calendar file is too large (at most 1 MB)."))
        return upload.read()


class CalendarFeedForm(forms.Form):
    """Subscribe to a calendar feed by its address (empty: end the subscription)."""

    url = forms.URLField(
        label=_("Address of your calendar (iCal link)"),
        help_text=_(
            "The https:// link your calendar or booking channel gives for exporting (iCal, "
            ".ics). We read it every hour. Leave empty to stop."
        ),
        required=False,
        max_length=500,
        assume_scheme="https",
    )


class RoomSearchForm(forms.Form):
    anreise = forms.DateField(label=_("Arrival"), widget=forms.DateInput(attrs={"type": "date"}))
    abreise = forms.DateField(label=_("Departure"), widget=forms.DateInput(attrs={"type": "date"}))
    personen = forms.IntegerField(label=_("Persons"), min_value=1, max_value=20, initial=2)
    gemeinde = _Municipality(
        label=_("Municipality"), required=False, queryset=None, empty_label=_("All municipalities")
    )

    def __init__(self, *args, municipalities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["gemeinde"].queryset = municipalities

    def clean(self):
        data = super().clean()
        return _check_stay(data, "anreise", "abreise")


def _check_stay(data, arrival, departure):
    first, last = data.get(arrival), data.get(departure)
    if first and last:
        if first < timezone.localdate():
            raise forms.ValidationError(_("The arrival cannot lie in the past."))
        if last <= first:
            raise forms.ValidationError(_("The departure must be after the arrival."))
        if (last - first).days > MAX_NIGHTS:
            raise forms.ValidationError(
                _("Please ask for at most %(n)s nights at once.") % {"n": MAX_NIGHTS}
            )
    return data


class RoomRequestForm(forms.Form):
    name = forms.CharField(label=_("Your name"), max_length=200)
    email = forms.EmailField(label=_("Your e-mail address"), max_length=254)
    arrival = forms.DateField(label=_("Arrival"), widget=forms.DateInput(attrs={"type": "date"}))
    departure = forms.DateField(
        label=_("Departure"), widget=forms.DateInput(attrs={"type": "date"})
    )
    persons = forms.IntegerField(label=_("Persons"), min_value=1, max_value=20)
    message = forms.CharField(
        label=_("Message to the host"), required=False, max_length=2000, widget=forms.Textarea
    )

    def __init__(self, *args, room, **kwargs):
        super().__init__(*args, **kwargs)
        self.room = room

    def clean(self):
        data = _check_stay(super().clean(), "arrival", "departure")
        if data.get("persons") and data["persons"] > self.room.persons:
            self.add_error(
                "persons",
                _("This room is for at most %(n)s persons.") % {"n": self.room.persons},
            )
        return data


class PeriodForm(forms.Form):
    first = forms.DateField(label=_("Free from"), widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(
        label=_("Free until (departure day)"), widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self):
        data = super().clean()
        if data.get("first") and data.get("until") and data["until"] <= data["first"]:
            raise forms.ValidationError(_("The end must be after the start."))
        return data


class RoomCalendarUploadForm(CalendarUploadForm):
    """The booking channel's calendar of a room: its events are the booked nights."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _(
            "Every event is a booked period (up to a year ahead). A new import replaces the last."
        )
