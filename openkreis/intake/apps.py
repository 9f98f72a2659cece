from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntakeConfig(AppConfig):
    name = "openkreis.intake"
    label = "intake"
    verbose_name = _("Intake channels")

    def ready(self):
        from openkreis.core.staff import StaffArea, staff_areas
        from openkreis.core.tenant_data import register_step

        from . import demo

        register_step("intake-demo", order=30, demo=True, load=demo.load_demo)
        staff_areas.register(
            "mail-room", StaffArea(_("Mail room"), "intake:mail_room", ("mail_room",)), order=20
        )
        staff_areas.register(
            "counter-intake",
            StaffArea(_("Open a case at the counter"), "intake:counter", ("front_desk",)),
            order=30,
        )
