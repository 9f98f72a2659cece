"""OZG-Radar, maturity self-assessment and the Musterkommune's rollout (issue 24, docs/radar.md)."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RadarConfig(AppConfig):
    name = "openkreis.radar"
    label = "radar"
    verbose_name = _("OZG-Radar")

    def ready(self):
        pass
