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
        # --- end L1
        # --- L2 (groups, teachers, learning office, cockpit) ---
        # --- end L2
        # --- L3 (live quiz) ---
        # --- end L3
        # --- L4 (certificate) ---
        # --- end L4
        # --- L5 (Digitale Werkstatt) ---
        # --- end L5
        pass
