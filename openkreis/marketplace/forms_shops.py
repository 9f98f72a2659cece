"""Forms of the shop pages, the shop's profile, the registration and the county office
(views_shops.py, views_office.py). Every mistake is a message at its field, never a 500."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from openkreis.core import services as core
from openkreis.core.images import PhotoRejected, clean_photo
from openkreis.directory import hours
from openkreis.directory.forms_staff import BOX

from . import shops
from .models import Shop

MAX_PHOTO_BYTES = 8 * 1024 * 1024
PHOTO_TYPES = {"image/jpeg", "image/png"}
MAX_MISSED_DAYS = 366


def _category_choices() -> list[tuple[str, str]]:
    return [("", pgettext_lazy("shop category", "No category"))] + shops.categories()


class ShopFilterForm(forms.Form):
    """The shop list's filters (GET; German parameter names as in the Harz-Kompass)."""

    kategorie = forms.ChoiceField(label=gettext_lazy("Category"), required=False)
    ort = forms.ChoiceField(label=gettext_lazy("Town"), required=False)
    offen = forms.BooleanField(label=gettext_lazy("Open now"), required=False)
    abholung = forms.BooleanField(label=gettext_lazy("Click & collect"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kategorie"].choices = [
            ("", pgettext_lazy("shop category", "All categories"))
        ] + shops.categories()
        towns = core.municipalities(core.current_tenant()).values_list("ars", "name")
        self.fields["ort"].choices = [("", gettext_lazy("All towns"))] + list(towns)


class ProductSearchForm(forms.Form):
    q = forms.CharField(
        label=gettext_lazy("Search in this shop"),
        required=False,
        max_length=100,
        widget=forms.SearchInput,
    )


class ProfileForm(forms.Form):
    """The shop's profile: the shop's own fields and those of its Harz-Kompass place."""

    name = forms.CharField(label=gettext_lazy("Name of the shop"), max_length=200)
    description = forms.CharField(
        label=gettext_lazy("Description"),
        required=False,
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    kind = forms.ChoiceField(label=gettext_lazy("Kind of business"), choices=Shop.Kind.choices)
    category = forms.ChoiceField(label=gettext_lazy("Category"), required=False)
    street = forms.CharField(label=gettext_lazy("Street and number"), max_length=200)
    postcode = forms.RegexField(
        label=gettext_lazy("Postcode"),
        regex=r"^\d{5}$",
        error_messages={"invalid": gettext_lazy("Please enter the five digits of the postcode.")},
    )
    town = forms.CharField(label=gettext_lazy("Town"), max_length=100)
    phone = forms.CharField(label=gettext_lazy("Phone"), required=False, max_length=50)
    email = forms.EmailField(label=gettext_lazy("E-mail"), required=False)
    website = forms.URLField(
        label=gettext_lazy("Website"), required=False, max_length=200, assume_scheme="https"
    )
    opening_hours = forms.CharField(
        label=gettext_lazy("Opening hours"),
        required=False,
        max_length=500,
        help_text=gettext_lazy(
            "In the OpenStreetMap notation, e.g. Mo-Fr 09:00-18:00; Sa 09:00-13:00; PH off"
        ),
    )
    delivery = forms.BooleanField(label=gettext_lazy("We deliver"), required=False)
    click_collect = forms.BooleanField(
        label=gettext_lazy("Click & collect: customers can reserve for pickup"), required=False
    )
    repair = forms.BooleanField(label=gettext_lazy("We repair"), required=False)
    loyalty = forms.BooleanField(
        label=gettext_lazy("We take part in the loyalty scheme"), required=False
    )
    hold_hours = forms.IntegerField(
        label=gettext_lazy("Hours a reservation is held for pickup"),
        min_value=2,
        max_value=336,
        help_text=gettext_lazy("From 2 hours to 14 days."),
    )

    PLACE_FIELDS = ("name", "street", "postcode", "town", "phone", "email", "website")
    SHOP_FIELDS = (
        "description",
        "kind",
        "category",
        "delivery",
        "click_collect",
        "repair",
        "loyalty",
        "hold_hours",
    )

    def __init__(self, *args, shop: Shop, **kwargs):
        self.shop = shop
        initial = {name: getattr(shop, name) for name in self.SHOP_FIELDS}
        initial.update({name: getattr(shop.place, name) for name in self.PLACE_FIELDS})
        initial["opening_hours"] = shop.place.opening_hours
        super().__init__(*args, initial=initial, **kwargs)
        self.fields["category"].choices = _category_choices()

    def clean_name(self):
        name = " ".join(self.cleaned_data["name"].split())
        if not name:
            raise forms.ValidationError(_("Please enter the name of the shop."))
        return name

    def clean_opening_hours(self):
        expr = " ".join(self.cleaned_data.get("opening_hours", "").split())
        problem = hours.validate(expr)
        if problem:
            raise forms.ValidationError(str(problem))
        return expr

    def save(self) -> Shop:
        shop, place = self.shop, self.shop.place
        for name in self.SHOP_FIELDS:
            setattr(shop, name, self.cleaned_data[name])
        for name in (*self.PLACE_FIELDS, "opening_hours"):
            setattr(place, name, self.cleaned_data[name])
        place.save()
        shop.save()
        shops.save_place(place)
        return shop


class PhotoForm(forms.Form):
    image = forms.FileField(
        label=gettext_lazy("Photo"),
        help_text=gettext_lazy("JPEG or PNG, at most 8 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png"}),
    )
    alt = forms.CharField(
        label=gettext_lazy("What the photo shows"),
        max_length=200,
        help_text=gettext_lazy("For people who cannot see the photo, e.g. “Shop window”."),
        error_messages={"required": gettext_lazy("Please describe what the photo shows.")},
    )

    def clean_alt(self):
        alt = " ".join((self.cleaned_data.get("alt") or "").split())
        if not alt:
            raise forms.ValidationError(_("Please describe what the photo shows."))
        return alt

    def clean_image(self):
        upload = self.cleaned_data["image"]
        if upload.size > MAX_PHOTO_BYTES:
            raise forms.ValidationError(_("The photo is larger than 8 MB."))
        if getattr(upload, "content_type", "") not in PHOTO_TYPES:
            raise forms.ValidationError(_("Please choose a JPEG or PNG photo."))
        try:
            return clean_photo(upload.read())
        except PhotoRejected as exc:
            raise forms.ValidationError(str(exc)) from None


class RegisterForm(forms.Form):
    """A new shop: for a company the user administers, or a new company."""

    company = forms.ModelChoiceField(
        label=gettext_lazy("Company account"),
        queryset=None,
        required=False,
        empty_label=gettext_lazy("A new company account"),
    )
    company_name = forms.CharField(
        label=gettext_lazy("Name of the new company"),
        required=False,
        max_length=200,
        help_text=gettext_lazy("As in the commercial register or on your invoices."),
    )
    name = forms.CharField(label=gettext_lazy("Name of the shop"), max_length=200)
    kind = forms.ChoiceField(label=gettext_lazy("Kind of business"), choices=Shop.Kind.choices)
    category = forms.ChoiceField(label=gettext_lazy("Category"), required=False)
    street = forms.CharField(label=gettext_lazy("Street and number"), max_length=200)
    postcode = forms.RegexField(
        label=gettext_lazy("Postcode"),
        regex=r"^\d{5}$",
        error_messages={"invalid": gettext_lazy("Please enter the five digits of the postcode.")},
    )
    town = forms.CharField(label=gettext_lazy("Town"), max_length=100)
    phone = forms.CharField(label=gettext_lazy("Phone"), required=False, max_length=50)
    opening_hours = ProfileForm.base_fields["opening_hours"]
    delivery = ProfileForm.base_fields["delivery"]
    click_collect = ProfileForm.base_fields["click_collect"]
    repair = ProfileForm.base_fields["repair"]
    lat = forms.FloatField(
        label=gettext_lazy("Latitude"),
        required=False,
        help_text=gettext_lazy(
            "Only needed when we cannot find the town: on openstreetmap.org, right-click the "
            "shop and choose “Show address”; e.g. 51.8358."
        ),
    )
    lon = forms.FloatField(
        label=gettext_lazy("Longitude"),
        required=False,
        help_text=gettext_lazy("e.g. 10.7853"),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["company"].queryset = shops.companies_for_registration(user)
        self.fields["category"].choices = _category_choices()
        if not self.fields["company"].queryset.exists():
            del self.fields["company"]

    clean_opening_hours = ProfileForm.clean_opening_hours
    clean_name = ProfileForm.clean_name

    def clean(self):
        data = super().clean()
        if not data.get("company") and not (data.get("company_name") or "").strip():
            self.add_error(
                "company_name", _("Please enter the name of the company the shop belongs to.")
            )
        lat, lon = data.get("lat"), data.get("lon")
        if (lat is None) != (lon is None):
            self.add_error("lat" if lat is None else "lon", _("Please enter both coordinates."))
            return data
        municipality, found_lat, found_lon = shops.position_for(
            data.get("postcode", ""), data.get("town", "")
        )
        data["municipality"] = municipality
        if lat is not None:
            if not (BOX[0] <= lat <= BOX[1] and BOX[2] <= lon <= BOX[3]):
                self.add_error("lat", _("This position is not in the county."))
        elif found_lat is not None and found_lon is not None:
            data["lat"], data["lon"] = found_lat, found_lon
        elif "postcode" in data and "town" in data:
            self.add_error(
                "lat",
                _(
                    "We could not find the town. Please enter the shop's position "
                    "(latitude and longitude)."
                ),
            )
        return data


class StatusForm(forms.Form):
    """The county office: approve or suspend a shop."""

    ACTIONS = {"approve": Shop.Status.ACTIVE, "suspend": Shop.Status.SUSPENDED}

    action = forms.ChoiceField(choices=[("approve", "approve"), ("suspend", "suspend")])
    reason = forms.CharField(
        label=gettext_lazy("Reason (sent to the shop)"), required=False, max_length=500
    )

    def clean(self):
        data = super().clean()
        if data.get("action") == "suspend" and not (data.get("reason") or "").strip():
            self.add_error("reason", _("Please give the reason for the suspension."))
        return data


class PeriodForm(forms.Form):
    """The period of the missed searches (default: the last 30 days)."""

    von = forms.DateField(
        label=gettext_lazy("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    bis = forms.DateField(
        label=gettext_lazy("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self):
        data = super().clean()
        today = timezone.localdate()
        end = data.get("bis") or today
        start = data.get("von") or end - dt.timedelta(days=29)
        if start > end:
            self.add_error("von", _("The start must be before the end."))
        elif (end - start).days >= MAX_MISSED_DAYS:
            self.add_error("von", _("Please choose at most one year."))
        data["start"], data["end"] = start, end
        return data
