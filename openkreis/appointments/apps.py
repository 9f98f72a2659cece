"""Online booking, walk-in tickets, the counter page and the call display (Aufrufanlage)."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AppointmentsConfig(AppConfig):
    name = "openkreis.appointments"
    label = "appointments"
    verbose_name = _("Appointments")

    def load_config(self, tenant, folder, report):
        """Services, branches, counters and closures (tenants/<slug>/appointments.yaml)."""
        from .services import load_configuration

        report.merge(load_configuration(folder, tenant))

    def load_demo(self, tenant, folder, stdout):
        from .demo import load_demo

        load_demo(tenant, folder, stdout)
