"""Online booking, walk-in tickets, the counter page and the call display (Aufrufanlage)."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AppointmentsConfig(AppConfig):
    name = "openkreis.appointments"
    label = "appointments"
    verbose_name = _("Appointments")

    def ready(self):
        from openkreis.core.staff import StaffArea, staff_areas
        from openkreis.core.tenant_data import register_step

        from . import demo, services

        # Services, branches, counters and closures (tenants/<slug>/appointments.yaml).
        register_step(
            "appointments",
            order=40,
            load=lambda tenant, folder, report: report.merge(
                services.load_configuration(folder, tenant)
            ),
        )
        register_step("appointments-demo", order=50, demo=True, load=demo.load_demo)
        staff_areas.register(
            "counters",
            StaffArea(_("Call visitors"), "appointments:counters", ("front_desk", "team_lead")),
            order=40,
        )
