"""Forms of the shop back office's product page (owner: M3): upload a product list or stock
levels (CSV), and the list's filter."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from . import imports

EXTENSIONS = (".csv", ".txt", ".tsv")


class _CsvForm(forms.Form):
    file = forms.FileField(label=_("CSV file"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        name = (upload.name or "").lower()
        if not name.endswith(EXTENSIONS):
            raise forms.ValidationError(
                _("Please choose a CSV file (ending .csv). In Excel: Save as → CSV (semicolon).")
            )
        if upload.size > imports.MAX_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(size)d MB. Split it into several files.")
                % {"size": imports.MAX_BYTES // (1024 * 1024)}
            )
        if upload.size == 0:
            raise forms.ValidationError(_("The file is empty."))
        return upload


class ProductImportForm(_CsvForm):
    prefix = "products"
    hide_missing = forms.BooleanField(
        label=_("Hide articles that are not in the list"),
        required=False,
        help_text=_("Only for a complete list of your articles."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].label = _("Product list (CSV file)")
        self.fields["file"].help_text = _(
            "Columns: article number, name; optional GTIN/EAN, brand, category, description, "
            "price, stock. Up to 20 MB and 200,000 rows."
        )


class StockImportForm(_CsvForm):
    prefix = "stock"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].label = _("Stock levels (CSV file)")
        self.fields["file"].help_text = _(
            "Columns: article number (or GTIN/EAN) and stock. Articles not in the file keep "
            "their stock."
        )


class ProductFilterForm(forms.Form):
    STATES = [
        ("", _("All articles")),
        ("available", _("In stock")),
        ("empty", _("Out of stock")),
        ("hidden", _("Hidden")),
    ]
    q = forms.CharField(label=_("Name, article number or GTIN"), required=False, max_length=100)
    state = forms.ChoiceField(label=_("Show"), choices=STATES, required=False)
