"""Beteiligung: surveys and proposals (issue 20, docs/participation.md)."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ParticipationConfig(AppConfig):
    name = "openkreis.participation"
    label = "participation"
    verbose_name = _("Participation (surveys and proposals)")

    def ready(self):
        from openkreis.accounts.navigation import AccountLink, account_links
        from openkreis.core.personal_data import personal_data
        from openkreis.core.staff import StaffArea, staff_areas
        from openkreis.core.tenant_data import register_step

        from . import config, demo, proposals_demo, retention

        # tenants/<slug>/participation.yaml: moderation mode, code letters' sender, limits
        register_step("participation", order=79, load=config.load)
        # demo surveys (one public, one by code letters) with ballots; the editor's login
        register_step("participation-demo", order=88, demo=True, load=demo.load_demo)
        # demo proposals with supports, comments and an official answer; the moderator
        register_step(
            "participation-proposals-demo", order=89, demo=True, load=proposals_demo.load_demo
        )
        # proposals, comments, supports and the surveys one took part in (never answers)
        personal_data.register("participation", retention.ParticipationData(), order=85)
        # "Meine Vorschläge" in the account menu
        account_links.register(
            "participation-proposals",
            AccountLink(_("My proposals"), "participation:my_proposals"),
            order=50,
        )
        staff_areas.register(
            "participation-surveys",
            StaffArea(_("Surveys"), "participation:staff_home", ("survey_editor",)),
            order=60,
        )
        staff_areas.register(
            "participation-moderation",
            StaffArea(_("Proposals"), "participation:moderation_home", ("proposal_moderator",)),
            order=61,
        )
