"""Programme office and Gestaltungskreise (issue 24, docs/programme.md)."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProgrammeConfig(AppConfig):
    name = "openkreis.programme"
    label = "programme"
    verbose_name = _("Programme office")

    def ready(self):
        pass
