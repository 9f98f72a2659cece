"""Einkaufen im Harz: local shops, "Wo bekomme ich …?", click & collect, loyalty (issue 22,
docs/marketplace.md)."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MarketplaceConfig(AppConfig):
    name = "openkreis.marketplace"
    label = "marketplace"
    verbose_name = _("Local shopping")

    def ready(self):
        # Each part registers its plugins in its own block (steps, account links, staff
        # areas, personal data, search collections).
        # --- M1 (search) ---
        # --- end M1
        # --- M2 (shops, county office) ---
        # --- end M2
        # --- M3 (county data, demo, imports, stock API) ---
        # --- end M3
        # --- M4 (click & collect) ---
        # --- end M4
        # --- M5 (loyalty) ---
        # --- end M5
        pass
