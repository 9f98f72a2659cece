"""Frag den Landkreis: the service assistant (issue 25, docs/assistant.md)."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssistantConfig(AppConfig):
    name = "openkreis.assistant"
    label = "assistant"
    verbose_name = _("Service assistant")

    def ready(self):
        pass
