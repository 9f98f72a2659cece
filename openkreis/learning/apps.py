"""Digitaler Führerschein Harz and Digitale Werkstatt (issue 23, docs/learning.md)."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LearningConfig(AppConfig):
    name = "openkreis.learning"
    label = "learning"
    verbose_name = _("Digital skills")

    def ready(self):
        # Each part registers its plugins in its own block.
        # --- L1 (courses, quizzes, county data) ---
        from openkreis.accounts.navigation import AccountLink as L1AccountLink
        from openkreis.accounts.navigation import account_links as l1_account_links
        from openkreis.core.tenant_data import register_step as l1_register_step

        from . import config as l1_config
        from . import demo as l1_demo

        # tenants/<slug>/learning/modules/*.yaml: modules, lessons, question bank
        l1_register_step("learning", order=83, load=l1_config.load)
        # a demo learner who passed all required modules but one
        l1_register_step("learning-demo", order=93, demo=True, load=l1_demo.load_demo)
        # "Digitaler Führerschein" for every logged-in account
        l1_account_links.register(
            "learning-courses",
            L1AccountLink(_("Digital driving licence"), "learning:progress"),
            order=50,
        )
        # --- end L1
        # --- L2 (groups, teachers, learning office, cockpit) ---
        from openkreis.core.staff import StaffArea as L2StaffArea
        from openkreis.core.staff import staff_areas as l2_staff_areas
        from openkreis.core.tenant_data import register_step as l2_register_step

        from . import groups as l2_groups

        # the learning office: approves teachers, sees groups (counts only)
        l2_staff_areas.register(
            "learning-office",
            L2StaffArea(_("Digital driving licence"), "learning:office", ("learning_office",)),
            order=66,
        )
        # the demo teacher with a group (code HARZ2026) and the learning office's login
        l2_register_step("learning-groups-demo", order=94, demo=True, load=l2_groups.load_demo)
        # --- end L2
        # --- L3 (live quiz) ---
        # --- end L3
        # --- L4 (certificate) ---
        # --- end L4
        # --- L5 (Digitale Werkstatt) ---
        from openkreis.core.tenant_data import register_step

        from . import pages, werkstatt

        # advice offers (tenants/<slug>/learning/werkstatt.yaml), after the catalogue,
        # the eAkte and the appointments engine they name
        register_step("learning-werkstatt", order=84, load=werkstatt.load)
        # guide index, editorial groups, four-eyes workflow, first guides (after "pages")
        register_step("learning-werkstatt-guides", order=93, demo=True, load=pages.load_demo)
        # --- end L5
        pass
