"""Harz-Kompass: places, opening times, hiking routes (issue 21, docs/directory.md)."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DirectoryConfig(AppConfig):
    name = "openkreis.directory"
    label = "directory"
    verbose_name = _("Harz-Kompass (places and hiking routes)")

    def ready(self):
        from openkreis.core.tenant_data import register_step

        from . import config

        # tenants/<slug>/directory.yaml (categories, OSM tag mapping) and directory/ (places,
        # routes): the county's data, loaded also without --demo
        register_step("directory", order=80, load=config.load)
        # staff_areas: registered by the helper that writes the staff pages (D6 / J2)
