from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CockpitConfig(AppConfig):
    name = "openkreis.cockpit"
    label = "cockpit"
    verbose_name = _("Steering cockpit")

    def ready(self):
        from openkreis.core.staff import StaffArea, staff_areas
        from openkreis.core.tenant_data import register_step

        from . import alerts, demo

        # The county's alert rules (tenants/<slug>/cockpit/alerts.yaml).
        register_step(
            "cockpit",
            order=50,
            load=lambda tenant, folder, report: alerts.load_rules(folder, report),
        )
        register_step("cockpit-demo", order=60, demo=True, load=demo.load_demo)
        staff_areas.register(
            "cockpit", StaffArea(_("Cockpit"), "cockpit:dashboard", ("manager",)), order=50
        )
