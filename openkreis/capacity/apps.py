"""Kapazitätsfinder and Eltern-Portal (issue 18)."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CapacityConfig(AppConfig):
    name = "openkreis.capacity"
    label = "capacity"
    verbose_name = _("Kita places and free capacity")

    def ready(self):
        from openkreis.core.tenant_data import register_step

        from . import config

        # tenants/<slug>/capacity.yaml after the regions (core, 0)
        register_step("capacity", order=75, load=config.load)
