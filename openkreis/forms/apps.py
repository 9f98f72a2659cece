from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FormsConfig(AppConfig):
    name = "openkreis.forms"
    label = "forms"
    verbose_name = _("Application forms")

    def ready(self):
        from openkreis.core.personal_data import personal_data
        from openkreis.core.staff import StaffArea, staff_areas
        from openkreis.core.tenant_data import register_step

        from .personal_data import ApplicationsData
        from .services import load_county_data

        register_step("forms", order=30, load=load_county_data)
        personal_data.register("applications", ApplicationsData(), order=10)
        staff_areas.register(
            "fim-import",
            StaffArea(_("FIM forms"), "forms:fim-import", ("team_lead", "manager")),
            order=75,
        )
