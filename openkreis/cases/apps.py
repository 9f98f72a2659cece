from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "openkreis.cases"
    label = "cases"
    verbose_name = _("Electronic case files (eAkte)")

    def load_config(self, tenant, folder, report):
        """The county's file plan and procedures (tenants/<slug>/cases/): always loaded."""
        from .services import load_configuration

        report.merge(load_configuration(folder))

    def load_demo(self, tenant, folder, stdout):
        from .demo import load_demo

        load_demo(tenant, folder, stdout)
