"""Bildung & Arbeit: training and study offers, the interest test, the job board (issue 21,
docs/jobs.md)."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def has_saved_results(user) -> bool:
    from .models import InterestResult

    return InterestResult.objects.filter(user=user).exists()


class JobsConfig(AppConfig):
    name = "openkreis.jobs"
    label = "jobs"
    verbose_name = _("Education and work")

    def ready(self):
        from openkreis.accounts.navigation import AccountLink, account_links
        from openkreis.core.staff import StaffArea, staff_areas
        from openkreis.core.tenant_data import register_step

        from . import board, config, demo, retention

        # tenants/<slug>/jobs.yaml: occupational fields, providers and offers (county data)
        register_step("jobs", order=81, load=config.load)
        # demo employers (company accounts) with jobs; the moderator's and Jobcenter's logins
        register_step("jobs-demo", order=90, demo=True, load=demo.load_demo)
        # interest results a person saved: export and erasure with the account
        retention.register()

        staff_areas.register(
            "jobs-moderation",
            StaffArea(_("Job board"), "jobs:moderation_home", ("job_moderator", "jobcenter")),
            order=63,
        )
        # "Stellenanzeigen" in the account menu of company members (J2)
        account_links.register(
            "jobs",
            AccountLink(_("Job postings"), "jobs:employer_home", board.is_company_member),
            order=45,
        )
        # "Meine Interessen": the interest-test results a person chose to keep
        account_links.register(
            "jobs-interests",
            AccountLink(_("My interests"), "jobs:interest_saved", has_saved_results),
            order=46,
        )
