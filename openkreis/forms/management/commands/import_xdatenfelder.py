from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from openkreis.core.services import current_tenant
from openkreis.forms.services import import_xdatenfelder


class Command(BaseCommand):
    help = "Import a FIM XDatenfelder (2.0 or 3.0) Stammdatenschema as an application form."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--key", help="form key (default: fim-<schema id>)")
        parser.add_argument("--service", default="", help="slug of the service the form is for")

    def handle(self, *args, **options):
        tenant = current_tenant()
        if tenant is None:
            raise CommandError("No tenant loaded (run load_tenant first)")
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"No file {path}")
        form, report = import_xdatenfelder(
            tenant, path.read_bytes(), key=options["key"], service_slug=options["service"]
        )
        self.stdout.write(
            f"XDatenfelder {report.version or '?'} {report.schema_id}: "
            f"{report.fields} fields, {report.groups} groups"
        )
        for note in report.notes:
            self.stdout.write(f"  - {note}")
        if form is None:
            raise CommandError("Nothing imported (see the report above)")
        self.stdout.write(f"Imported as form {form.key!r}")
