"""Driving schools (Fahrschulen) as a channel of the driving-licence authority: a school
applies for its pupils with their consent and sees the status of their applications."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SchoolsConfig(AppConfig):
    name = "openkreis.schools"
    label = "schools"
    verbose_name = _("Driving schools")

    def ready(self):
        from django.db.models.signals import post_save

        from openkreis.accounts.navigation import AccountLink, account_links
        from openkreis.core.models import Event
        from openkreis.core.personal_data import personal_data
        from openkreis.core.tenant_data import register_step

        from . import demo, services, signals

        # tenants/<slug>/schools.yaml after the catalogue (10) and the forms (30)
        register_step("schools", order=35, load=services.load_county_data)
        # after the staff (cases-demo, 20) and the citizen demo (accounts-demo, 40)
        register_step("schools-demo", order=45, demo=True, load=demo.load_demo)
        personal_data.register("driving_schools", services.SchoolsData(), order=60)
        post_save.connect(signals.event_saved, sender=Event, dispatch_uid="schools-case-decided")
        # "Fahrschule" in the account menu, for members of a driving school's company
        account_links.register(
            "driving-school",
            AccountLink(
                _("Driving school"), "schools:home", lambda u: services.schools_of(u).exists()
            ),
            order=10,
        )
