from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FormsConfig(AppConfig):
    name = "openkreis.forms"
    label = "forms"
    verbose_name = _("Application forms")

    def load_demo(self, tenant, folder, stdout) -> None:
        """Load tenants/<slug>/forms/*.yaml into the database (idempotent, quick)."""
        from .services import load_forms

        changed, unchanged = load_forms(tenant, folder)
        stdout.write(f"Forms: {changed} created or updated, {unchanged} unchanged")
