"""Frag den Landkreis: the service assistant (issue 25, docs/assistant.md)."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssistantConfig(AppConfig):
    name = "openkreis.assistant"
    label = "assistant"
    verbose_name = _("Service assistant")

    def ready(self):
        from openkreis.core.staff import Role, StaffArea, staff_areas

        # the content team's evaluation: frequent intents and unanswered questions
        staff_areas.register(
            "assistant-office",
            StaffArea(_("Service assistant"), "assistant:office", (Role.MANAGER,)),
            order=68,
        )
