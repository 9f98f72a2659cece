from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from openkreis.core.services import current_tenant
from openkreis.forms.services import code_lists_for, import_xdatenfelder, preview_xdatenfelder


class Command(BaseCommand):
    help = "Import a FIM XDatenfelder (2.0 or 3.0) Stammdatenschema as an application form."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--key", help="form key (default: fim-<schema id>)")
        parser.add_argument("--service", default="", help="slug of the service the form is for")
        parser.add_argument(
            "--codelists",
            action="append",
            default=[],
            help="folder with genericode code lists (besides the schema's own folder and "
            "tenants/<slug>/codelisten/); may be given more than once",
        )
        parser.add_argument(
            "--preview",
            action="store_true",
            help="only show the report and the pages; store nothing",
        )

    def handle(self, *args, **options):
        tenant = current_tenant()
        if tenant is None:
            raise CommandError("No tenant loaded (run load_tenant first)")
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"No file {path}")
        folders = [path.parent, *(Path(f) for f in options["codelists"])]
        run = preview_xdatenfelder if options["preview"] else import_xdatenfelder
        result, report = run(
            tenant,
            path.read_bytes(),
            key=options["key"],
            service_slug=options["service"],
            code_lists=code_lists_for(tenant, folders),
        )
        self.stdout.write(report.summary())
        if report.applicant:
            roles = ", ".join(f"{role}: {label}" for role, label in report.applicant.items())
            self.stdout.write(f"  applicant: {roles}")
        for note in report.notes:
            self.stdout.write(f"  - {note}")
        if result is None:
            raise CommandError("Nothing imported (see the report above)")
        if options["preview"]:
            for page in result["pages"]:
                self.stdout.write(f"  page {page['title']['de']}: {len(page['fields'])} questions")
            self.stdout.write("Preview only: nothing stored")
            return
        self.stdout.write(f"Imported as form {result.key!r}, version {report.form_version}")
