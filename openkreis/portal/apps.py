from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "openkreis.portal"
    label = "portal"
    verbose_name = _("Portal")

    def ready(self):
        from openkreis.core.personal_data import personal_data
        from openkreis.core.staff import StaffArea, staff_areas
        from openkreis.core.tenant_data import register_step

        from . import services

        # The editorial pages come last: they link to what the other steps loaded.
        register_step(
            "pages",
            order=90,
            optional=True,
            load=lambda tenant, folder, report: report.merge(services.ensure_pages(tenant, folder)),
        )
        # Barriers reported by a logged-in citizen go with the account (GDPR export, erasure).
        personal_data.register("barrier_reports", services.BarrierReportData(), order=30)
        register_step("portal-demo", order=0, demo=True, load=services.load_demo_users)
        # Editors and administrators (is_staff) edit the portal's pages in Wagtail.
        staff_areas.register(
            "editorial",
            StaffArea(_("Editorial"), "wagtailadmin_home", (), superuser=True),
            order=70,
        )
