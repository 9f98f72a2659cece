"""Import places from a CSV, GeoJSON or OSM (.osm.pbf) file (docs/directory.md).

    manage.py import_places places.csv
    manage.py import_places harz-latest.osm.pbf --format osm --dry-run

Good rows are imported, bad ones reported with their line (or OSM element); nothing is
written with --dry-run. A second import of the same file updates, it does not duplicate.
OSM tags are mapped to categories by the tenant's directory.yaml (osm_tags)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from openkreis.directory import config, imports


class Command(BaseCommand):
    help = "Import places from a CSV, GeoJSON or OpenStreetMap (.osm.pbf) file."

    def add_arguments(self, parser):
        parser.add_argument("file", help="the file to import")
        parser.add_argument(
            "--format",
            choices=("csv", "geojson", "osm"),
            help="the file's format (default: from its name)",
        )
        parser.add_argument("--dry-run", action="store_true", help="check and count only")
        parser.add_argument(
            "--tenant-folder",
            help="county folder whose directory.yaml maps OSM tags (default: the tenant's)",
        )

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.exists():
            raise CommandError(f"{path}: file not found")
        fmt = options["format"] or imports.guess_format(path)
        rules = None
        if fmt == "osm":
            try:
                rules = config.osm_tag_rules(options["tenant_folder"])
            except Exception as exc:  # TenantDataError and YAML errors: say which file
                raise CommandError(str(exc)) from exc
            if not rules:
                raise CommandError("no osm_tags in the tenant's directory.yaml")
        try:
            report = imports.import_file(path, fmt, dry_run=options["dry_run"], osm_tags=rules)
        except imports.PlaceImportError as exc:
            raise CommandError(str(exc)) from exc
        for line in report.errors:
            self.stderr.write(f"Fehler: {line}")
        for line in report.warnings:
            self.stderr.write(f"Hinweis: {line}")
        if report.ignored:
            self.stdout.write(f"{report.ignored} OSM objects without a matching category or name")
        self.stdout.write(report.summary())
