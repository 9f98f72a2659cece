from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntakeConfig(AppConfig):
    name = "openkreis.intake"
    label = "intake"
    verbose_name = _("Intake channels")

    def load_demo(self, tenant, folder, stdout):
        from .demo import load_demo

        load_demo(tenant, folder, stdout)
