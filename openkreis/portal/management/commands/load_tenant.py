from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from openkreis.catalog import services as catalog
from openkreis.core.loader import TenantDataError, load_structure
from openkreis.core.services import forget_cached_tenant
from openkreis.portal import setup


class Command(BaseCommand):
    help = (
        "Load a county from tenants/<slug>/ (regions, organisations, services, pages). "
        "Idempotent: a second run reports 0 changes."
    )

    def add_arguments(self, parser):
        parser.add_argument("tenant", help="folder name under tenants/, or a path to a folder")
        parser.add_argument("--demo", action="store_true", help="also create demo logins")
        parser.add_argument("--no-pages", action="store_true", help="skip the editorial pages")

    def handle(self, *args, **options):
        folder = Path(options["tenant"])
        if not folder.is_dir():
            folder = settings.OPENKREIS_TENANTS_DIR / options["tenant"]
        if not folder.is_dir():
            raise CommandError(f"No tenant folder {folder}")
        try:
            with transaction.atomic():  # all or nothing: bad data leaves the database as it was
                tenant, report = load_structure(folder)
                report.merge(catalog.load_catalogue(tenant, folder))
                for config in apps.get_app_configs():  # app configuration as county data
                    if hasattr(config, "load_config"):
                        config.load_config(tenant, folder, report)
                if not options["no_pages"]:
                    report.merge(setup.ensure_pages(tenant, folder))
        except TenantDataError as exc:
            raise CommandError(f"Data error: {exc}") from exc
        forget_cached_tenant()
        self.stdout.write(
            f"{tenant.name}: {report.created} created, {report.updated} updated, "
            f"{report.deleted} deleted ({report.changes} changes)"
        )
        for line in report.details[:20]:
            self.stdout.write(f"  {line}")
        if options["demo"]:
            self.stdout.write("\nDemo logins (local demo only, change them for anything real):")
            for username, password, description in setup.ensure_demo_users():
                self.stdout.write(f"  {description:<40} {username} / {password}")
            self._load_app_demos(tenant, folder)

    def _load_app_demos(self, tenant, folder: Path) -> None:
        """Each app that has demo data offers `load_demo(tenant, folder, stdout)` on its
        AppConfig (cases, appointments, cockpit, …); called in INSTALLED_APPS order, each
        in its own transaction, each idempotent."""
        for config in apps.get_app_configs():
            load_demo = getattr(config, "load_demo", None)
            if load_demo is None:
                continue
            with transaction.atomic():
                load_demo(tenant, folder, self.stdout)
