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
        from openkreis.catalog import fulltext

        from . import search as market_search

        fulltext.collections.register("products", market_search.products_collection())
        # --- end M1
        # --- M2 (shops, county office) ---
        from openkreis.accounts.navigation import AccountLink as M2AccountLink
        from openkreis.accounts.navigation import account_links as m2_account_links
        from openkreis.core.staff import StaffArea, staff_areas

        from . import access as m2_access

        # "Mein Geschäft" for members of a shop's company
        m2_account_links.register(
            "marketplace-shop",
            M2AccountLink(
                _("My shop"), "marketplace:backoffice_start", applies=m2_access.is_shop_member
            ),
            order=44,
        )
        # the county office: shops to approve or suspend, searches without result
        staff_areas.register(
            "marketplace-office",
            StaffArea(_("Local shopping portal"), "marketplace:office", ("retail_office",)),
            order=64,
        )
        # --- end M2
        # --- M3 (county data, demo, imports, stock API) ---
        from openkreis.core.tenant_data import register_step

        from . import config as m3_config
        from . import demo as m3_demo

        # tenants/<slug>/marketplace.yaml: the scheme (categories, synonyms, loyalty rules)
        register_step("marketplace", order=82, load=m3_config.load)
        # demo shops with products and stock; the shop owner's and county office's logins
        register_step("marketplace-demo", order=92, demo=True, load=m3_demo.load_demo)
        # --- end M3
        # --- M4 (click & collect) ---
        from openkreis.accounts.navigation import AccountLink, account_links
        from openkreis.core.personal_data import personal_data

        from . import reservations as m4_reservations
        from . import retention as m4_retention

        # reservations (and M5's loyalty card) in the account's export and deletion
        personal_data.register("marketplace", m4_retention.MarketplaceData(), order=88)
        # "Meine Reservierungen" for customers who reserved something
        account_links.register(
            "marketplace-reservations",
            AccountLink(
                _("My reservations"),
                "marketplace:my_reservations",
                applies=m4_reservations.has_reservations,
            ),
            order=45,
        )
        # --- end M4
        # --- M5 (loyalty) ---
        from openkreis.accounts.navigation import AccountLink as M5AccountLink
        from openkreis.accounts.navigation import account_links as m5_account_links
        from openkreis.core.staff import StaffArea as M5StaffArea
        from openkreis.core.staff import staff_areas as m5_staff_areas

        # "Bonuskarte" for every logged-in account (the card is made on the first visit);
        # the county office's settlements next to M2's office area (the card's export and
        # erasure are in M4's personal-data plugin, retention.py)
        m5_account_links.register(
            "marketplace-card", M5AccountLink(_("Loyalty card"), "marketplace:card"), order=46
        )
        m5_staff_areas.register(
            "marketplace-settlements",
            M5StaffArea(
                _("Loyalty points: settlements"),
                "marketplace:office_settlements",
                ("retail_office",),
            ),
            order=65,
        )
        # --- end M5
        # --- M6 (cockpit) ---
        from openkreis.cockpit.marketplace import missed_searches

        from . import cockpit as m6_cockpit

        # the words of searches without result for the cockpit page /cockpit/einkaufen/
        missed_searches.register("marketplace", m6_cockpit.missed_searches)
        # --- end M6
        pass
