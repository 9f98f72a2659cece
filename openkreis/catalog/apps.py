from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    name = "openkreis.catalog"
    label = "catalog"
    verbose_name = _("Service catalogue")

    def ready(self):
        from openkreis.core.tenant_data import register_step

        from .services import load_catalogue

        register_step(
            "catalog",
            order=10,
            load=lambda tenant, folder, report: report.merge(load_catalogue(tenant, folder)),
        )
