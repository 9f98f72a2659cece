from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CockpitConfig(AppConfig):
    name = "openkreis.cockpit"
    label = "cockpit"
    verbose_name = _("Steering cockpit")

    def load_config(self, tenant, folder, report):
        """The county's alert rules (tenants/<slug>/cockpit/alerts.yaml): always loaded."""
        from .alerts import load_rules

        load_rules(folder, report)

    def load_demo(self, tenant, folder, stdout):
        from .demo import load_demo

        load_demo(tenant, folder, stdout)
