from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CockpitConfig(AppConfig):
    name = "openkreis.cockpit"
    label = "cockpit"
    verbose_name = _("Steering cockpit")

    def ready(self):
        from openkreis.core.staff import StaffArea, staff_areas
        from openkreis.core.tenant_data import register_step

        from . import alerts, demo, labels

        def load(tenant, folder, report):
            # the county's alert rules (tenants/<slug>/cockpit/alerts.yaml) and the names
            # of the procedures' states (tenants/<slug>/cases/procedures/*.yaml)
            alerts.load_rules(folder, report)
            labels.load_labels(folder, report)

        register_step("cockpit", order=50, load=load)
        register_step("cockpit-demo", order=60, demo=True, load=demo.load_demo)
        staff_areas.register(
            "cockpit", StaffArea(_("Cockpit"), "cockpit:dashboard", ("manager",)), order=50
        )
