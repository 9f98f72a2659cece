"""Mängelmelder: residents report defects in public space (potholes, street lights, waste,
…); reports are routed by category and area to the unit that must fix them; Open311
GeoReport v2 for other apps (issue 17)."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "openkreis.reports"
    label = "reports"
    verbose_name = _("Defect reports")

    def ready(self):
        from openkreis.accounts.navigation import AccountLink, account_links
        from openkreis.cockpit.reportfacts import report_labels
        from openkreis.core.staff import StaffArea, staff_areas
        from openkreis.core.tenant_data import register_step

        from . import cockpit, config, demo

        # the category names on the cockpit's Mängelmelder figures (the cockpit's port)
        report_labels.register("reports", cockpit.category_labels)

        # categories, municipality polygons, routing table, status texts (reports.yaml)
        register_step("reports", order=70, load=config.load)
        register_step("reports-demo", order=80, demo=True, load=demo.load_demo)
        # "Meine Meldungen" in the account menu
        account_links.register("my-reports", AccountLink(_("My reports"), "reports:mine"), order=20)
        staff_areas.register(
            "reports",
            StaffArea(_("Defect reports"), "reports:inbox", ("report_officer", "team_lead")),
            order=45,
        )
