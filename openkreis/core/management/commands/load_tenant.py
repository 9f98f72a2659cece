from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from openkreis.core import tenant_data
from openkreis.core.loader import LoadReport, TenantDataError
from openkreis.core.services import forget_cached_tenant


class Command(BaseCommand):
    help = (
        "Load a county from tenants/<slug>/: every app's county data (regions, organisations, "
        "services, file plan and procedures, forms, appointments, alert rules, pages). "
        "Idempotent: a second run reports 0 changes. --check validates without writing."
    )

    def add_arguments(self, parser):
        parser.add_argument("tenant", help="folder name under tenants/, or a path to a folder")
        parser.add_argument("--demo", action="store_true", help="also load the demo data")
        parser.add_argument("--no-pages", action="store_true", help="skip the editorial pages")
        parser.add_argument(
            "--check", action="store_true", help="validate the folder; change nothing"
        )

    def handle(self, *args, **options):
        folder = Path(options["tenant"])
        if not folder.is_dir():
            folder = settings.OPENKREIS_TENANTS_DIR / options["tenant"]
        if not folder.is_dir():
            raise CommandError(f"No tenant folder {folder}")
        skip = ("pages",) if options["no_pages"] else ()
        try:
            tenant, report = tenant_data.load_county(folder, skip=skip, check=options["check"])
        except TenantDataError as exc:
            raise CommandError(f"Data error: {exc}") from exc
        if options["check"]:
            self.stdout.write(
                f"{folder}: the data is valid ({report.changes} changes would be made; "
                "nothing was written)"
            )
            return
        forget_cached_tenant()
        self.stdout.write(
            f"{tenant.name}: {report.created} created, {report.updated} updated, "
            f"{report.deleted} deleted ({report.changes} changes)"
        )
        for line in report.details[:20]:
            self.stdout.write(f"  {line}")
        if options["demo"]:
            demo = LoadReport()
            tenant_data.load_demo(tenant, folder, demo)
            for line in demo.messages:
                self.stdout.write(line)
