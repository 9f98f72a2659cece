"""Municipality polygons for the Mängelmelder.

    manage.py report_areas load harz boundaries.geojson   # official boundaries (ARS/AGS property)
    manage.py report_areas demo harz                      # rewrite the approximate demo polygons

`load` reads a GeoJSON FeatureCollection whose features carry the municipality's `ars`/`ARS`
or `ags`/`AGS` (as the BKG's VG250 and the state survey offices publish them), replaces the
polygons of those municipalities in the database and recomputes nothing else: the routing
table refers to areas, not to shapes. Copy the file to tenants/<slug>/reports/areas.geojson
to keep it for the next `load_tenant`.
"""

import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from openkreis.core.loader import LoadReport, TenantDataError
from openkreis.core.models import Tenant

from ...config import load_areas
from ...demo_areas import demo_feature_collection


class Command(BaseCommand):
    help = "Load official municipality boundaries, or write approximate demo polygons."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["load", "demo"])
        parser.add_argument("tenant", help="folder name under tenants/, or a path to a folder")
        parser.add_argument("file", nargs="?", help="GeoJSON FeatureCollection (for load)")

    def handle(self, *args, **options):
        folder = Path(options["tenant"])
        if not folder.is_dir():
            folder = settings.OPENKREIS_TENANTS_DIR / options["tenant"]
        if not folder.is_dir():
            raise CommandError(f"No tenant folder {folder}")
        if options["action"] == "demo":
            target = folder / "reports" / "areas.geojson"
            target.parent.mkdir(exist_ok=True)
            data = demo_feature_collection(folder / "regions.csv")
            target.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", "utf-8")
            self.stdout.write(f"{len(data['features'])} approximate polygons → {target}")
            return
        if not options["file"]:
            raise CommandError("load needs the GeoJSON file")
        tenant = Tenant.objects.filter(slug=folder.name).first()
        report = LoadReport()
        try:
            with transaction.atomic():
                count = load_areas(
                    Path(options["file"]),
                    report,
                    county=tenant.region if tenant else None,
                    require_all=False,
                )
        except TenantDataError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"{count} municipalities: {report.created} new, {report.updated} changed polygons"
        )
