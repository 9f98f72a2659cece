from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "openkreis.core"
    label = "core"
    verbose_name = _("Regions and organisations")

    def ready(self):
        from .loader import load_structure
        from .tenant_data import register_step

        def load(tenant, folder, report):
            """tenant.yaml, regions.csv, organisations.yaml: creates the tenant."""
            tenant, own = load_structure(folder)
            report.merge(own)
            return tenant

        register_step("core", order=0, load=load)
