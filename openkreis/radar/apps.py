"""OZG-Radar, maturity self-assessment and the Musterkommune's rollout (issue 24, docs/radar.md)."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RadarConfig(AppConfig):
    name = "openkreis.radar"
    label = "radar"
    verbose_name = _("OZG-Radar")

    def ready(self):
        from openkreis.accounts.navigation import AccountLink, account_links
        from openkreis.core.staff import StaffArea, staff_areas
        from openkreis.core.tenant_data import register_step

        from . import config

        # tenants/<slug>/radar/*.yaml: EfA offers, the maturity model, the rollout
        register_step("radar", order=85, load=config.load)
        # assessments, decisions, a self-assessment and the programme office's login
        register_step("radar-demo", order=95, demo=True, load=config.load_demo)
        staff_areas.register(
            "radar", StaffArea(_("OZG-Radar"), "radar:radar", ("programme_office",)), order=70
        )
        account_links.register(
            "radar-maturity",
            AccountLink(_("Digital maturity check"), "radar:maturity"),
            order=60,
        )
