"""Programme office and Gestaltungskreise (issue 24, docs/programme.md)."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProgrammeConfig(AppConfig):
    name = "openkreis.programme"
    label = "programme"
    verbose_name = _("Programme office")

    def ready(self):
        from openkreis.accounts.navigation import AccountLink, account_links
        from openkreis.core.staff import StaffArea, staff_areas
        from openkreis.core.tenant_data import register_step

        from . import config, demo, services

        # the programme office: portfolio, Steckbriefe, status report, every circle
        staff_areas.register(
            "programme-office",
            StaffArea(_("Programme office"), "programme:portfolio", ("programme_office",)),
            order=68,
        )
        # members of a Gestaltungskreis find their circle under "Mein Konto"
        account_links.register(
            "programme-circles",
            AccountLink(_("Gestaltungskreise"), "programme:circles", services.is_member),
            order=70,
        )
        # tenants/<slug>/programme/*.yaml: the portfolio's projects (seeded, then the office's)
        register_step("programme", order=86, load=config.load)
        # the programme office's login, the circle "Der Bauantrag heute" with members,
        # a meeting and measures
        register_step("programme-demo", order=96, demo=True, load=demo.load_demo)
