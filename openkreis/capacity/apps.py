"""Kapazitätsfinder and Eltern-Portal (issue 18)."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CapacityConfig(AppConfig):
    name = "openkreis.capacity"
    label = "capacity"
    verbose_name = _("Kita places and free capacity")

    def ready(self):
        from openkreis.accounts.navigation import AccountLink, account_links
        from openkreis.cockpit.kita import kita_counts
        from openkreis.core.personal_data import personal_data
        from openkreis.core.staff import StaffArea, staff_areas
        from openkreis.core.tenant_data import register_step

        from . import cockpit, config, demo, retention

        # tenants/<slug>/capacity.yaml after the regions (core, 0)
        register_step("capacity", order=75, load=config.load)
        # supply and demand per municipality on /cockpit/kita/ (the cockpit's port)
        kita_counts.register("capacity", cockpit.counts)
        # children, applications, offers and alerts in the account's export and deletion
        personal_data.register("kita", retention.KitaData(), order=70)
        # doctor-slot bookings made while logged in, waiting lists under the account's e-mail
        personal_data.register("freie_termine", retention.ProviderData(), order=71)
        # "Kita-Anmeldungen" in the account menu (the Eltern-Portal)
        account_links.register(
            "kita", AccountLink(_("Kita applications"), "capacity:parents_home"), order=30
        )
        # the staff side: Kita units, a Kita's staff, Wernigerode's and the county's coordination
        register_step("capacity-staff-demo", order=85, demo=True, load=demo.load_demo)
        staff_areas.register(
            "kita",
            StaffArea(_("Kita places"), "capacity:staff_home", ("kita_staff", "kita_coordinator")),
            order=47,
        )
