"""Harz-Kompass: places, opening times, hiking routes (issue 21, docs/directory.md)."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DirectoryConfig(AppConfig):
    name = "openkreis.directory"
    label = "directory"
    verbose_name = _("Harz-Kompass (places and hiking routes)")

    def ready(self):
        from openkreis.core.staff import StaffArea, staff_areas
        from openkreis.core.tenant_data import register_step

        from . import (
            config,
            demo,
            tasks_retention,  # noqa: F401 - the worker learns the retention task
        )

        # tenants/<slug>/directory.yaml (categories, OSM tag mapping) and directory/ (places,
        # routes): the county's data, loaded also without --demo
        register_step("directory", order=80, load=config.load)
        # the editor's login (--demo only)
        register_step("directory-demo", order=91, demo=True, load=demo.load_demo)
        # the editors' workplace: places, photos, searches without result
        staff_areas.register(
            "directory",
            StaffArea(_("Harz-Kompass"), "directory:staff_home", ("directory_editor",)),
            order=62,
        )
