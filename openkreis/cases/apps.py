from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "openkreis.cases"
    label = "cases"
    verbose_name = _("Electronic case files (eAkte)")

    def ready(self):
        from openkreis.core.personal_data import personal_data
        from openkreis.core.staff import StaffArea, staff_areas
        from openkreis.core.tenant_data import register_step

        from . import demo, services
        from .personal_data import CasesData

        register_step(
            "cases",
            order=20,
            load=lambda tenant, folder, report: report.merge(services.load_configuration(folder)),
        )
        register_step("cases-demo", order=20, demo=True, load=demo.load_demo)
        personal_data.register("cases", CasesData(), order=20)
        staff_areas.register(
            "desk", StaffArea(_("Inbox"), "cases:inbox", ("caseworker", "team_lead")), order=10
        )
        staff_areas.register(
            "audit", StaffArea(_("Audit trail"), "cases:audit", ("auditor",)), order=60
        )
