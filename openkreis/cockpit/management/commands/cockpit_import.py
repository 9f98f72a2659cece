"""Import an event log (XES, CSV, also .xes.gz/.csv.gz) from the command line, the same
way as the upload page: the batch appears in the list of imports, with its report. The
mapping not given on the command line is the source's last one (or, for CSV columns, a
guess from the header; start and end default to the first and the last event).

    manage.py cockpit_import financial_log.xes.gz --source "BPIC 2012" --service kredit \
        --start A_SUBMITTED --end A_APPROVED --end A_DECLINED --end A_CANCELLED
"""

from __future__ import annotations

import time
from pathlib import Path

from django.core.files import File
from django.core.management.base import BaseCommand, CommandError

from openkreis.cockpit import forms, importer, services
from openkreis.cockpit.models import ImportBatch

COLUMNS = ("case_id", "activity", "timestamp", "lifecycle", "deadline", "service")


class Command(BaseCommand):
    help = "Import an event log (XES or CSV, also gzip) into the cockpit."

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--source", default="", help="source name (its mapping is reused)")
        parser.add_argument("--service", default="", help="service slug of the cases")
        for column in COLUMNS:
            parser.add_argument(f"--{column.replace('_', '-')}-column", dest=column, default="")
        parser.add_argument("--start", default="", help="activity that starts a case")
        parser.add_argument("--end", action="append", default=[], help="activity ending a case")
        parser.add_argument("--requests", action="append", default=[])
        parser.add_argument("--reopened", action="append", default=[])
        parser.add_argument("--target-days", type=int, default=None)

    def handle(self, *args, **options):
        path = Path(options["path"])
        if not path.is_file():
            raise CommandError(f"Datei nicht gefunden: {path}")
        name = path.name
        if not name.lower().endswith(forms.UPLOAD_SUFFIXES):
            raise CommandError("Nur .xes, .csv, .xes.gz und .csv.gz werden importiert.")
        started = time.perf_counter()
        with path.open("rb") as handle:
            batch = services.register_upload(
                upload=File(handle, name=name),
                service=options["service"],
                user=None,
                source=options["source"],
            )
        stored = batch.source_entry.mapping if batch.source_entry else {}
        mapping = dict(stored)
        if batch.format == ImportBatch.Format.CSV:
            mapping.update(self._columns(batch, mapping, options))
        services.set_mapping(batch, mapping)
        found = self._preview(batch)
        known = {a for a, _n in found["activities"]}
        roles = dict(stored.get("roles") or {"start": importer.FIRST, "end": [importer.LAST]})
        for key in ("start", "end", "requests", "reopened", "target_days"):
            if options[key]:
                roles[key] = options[key]
        named = {roles.get("start"), *roles.get("end", ()), *roles.get("requests", ()),
                 *roles.get("reopened", ())} - {importer.FIRST, importer.LAST, None}  # fmt: skip
        unknown = sorted(named - known)
        if unknown and found["complete"]:
            services.fail_import(batch, errors=[{"line": 0, "message": "Unbekannte Aktivität"}])
            raise CommandError(f"Aktivität nicht in der Datei: {', '.join(unknown)}")
        services.set_mapping(batch, {**mapping, "roles": roles})
        importer.run(batch.pk)
        batch.refresh_from_db()
        seconds = time.perf_counter() - started
        self.stdout.write(
            f"Import {batch.pk} ({batch.name}): {batch.get_status_display()} – "
            f"{batch.events} Ereignisse, {batch.cases} Fälle, {batch.rows} Zeilen gelesen, "
            f"{batch.skipped} übersprungen, {seconds:.1f} s"
        )
        for error in batch.errors[:20]:
            self.stdout.write(f"  {error.get('line') or '–'}: {error.get('message')}")
        if len(batch.errors) > 20:
            self.stdout.write(f"  … {len(batch.errors) - 20} weitere (Bericht auf der Seite)")
        if batch.status == ImportBatch.Status.FAILED:
            raise CommandError("Der Import wurde abgebrochen; es wurde nichts importiert.")

    def _columns(self, batch, mapping, options) -> dict:
        try:
            with importer.open_log(batch) as (stream, _raw):
                header = importer.csv_columns(stream)
        except (importer.ImportFailed, *importer.UNREADABLE) as exc:
            services.fail_import(batch, errors=[{"line": 1, "message": str(exc)}])
            raise CommandError(str(exc)) from exc
        chosen = {}
        for column in COLUMNS:
            value = options[column] or mapping.get(column) or forms._guess(column, header)
            if value and value not in header:
                raise CommandError(f"Spalte „{value}“ fehlt in der Kopfzeile: {header}")
            if value:
                chosen[column] = value
        missing = [c for c in ("case_id", "activity", "timestamp") if c not in chosen]
        if missing:
            services.fail_import(batch, errors=[{"line": 1, "message": "Spalten fehlen"}])
            raise CommandError(f"Spalte nicht gefunden für: {', '.join(missing)}")
        return chosen

    def _preview(self, batch) -> dict:
        try:
            found = importer.preview(batch)
        except importer.ImportFailed as exc:
            services.fail_import(batch, errors=[{"line": 0, "message": str(exc)}])
            raise CommandError(str(exc)) from exc
        services.keep_preview(batch, found)
        return found
