"""Importing a FIM XDatenfelder schema through the staff UI (issue 15.1): upload the schema
(xdf2 or xdf3) and its genericode code lists, see a preview of the form (pages, fields,
code lists, rules) and the import report (everything not imported, by name), then confirm.
Each confirmed import is a new version of the form; running drafts keep theirs.

Who may import: team leads and managers (`IMPORT_ROLES`), with the second factor like every
staff page. The uploaded files wait between preview and confirmation in a private folder
(`MEDIA_ROOT/fim-import/<token>/`, never served) under a token kept in the session.
"""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from openkreis.catalog.models import Service
from openkreis.core import services as core
from openkreis.core import staff

from . import engine
from . import services as forms
from .models import FormDefinition
from .schema import PAGE_KEY_RE

IMPORT_ROLES = (staff.Role.TEAM_LEAD, staff.Role.MANAGER)
SESSION_KEY = "forms-fim-import"
MAX_CODE_LISTS = 50
TYPE_NAMES = {
    "text": "Text",
    "textarea": "Text (mehrzeilig)",
    "number": "Zahl",
    "date": "Datum",
    "choice": "Auswahl",
    "boolean": "Bestätigung",
    "address": "Anschrift",
    "iban": "IBAN",
    "email": "E-Mail",
    "phone": "Telefon",
    "file": "Datei",
    "group": "Gruppe",
}


def _staging(token: str) -> Path:
    return Path(settings.MEDIA_ROOT) / "fim-import" / token


def _read(upload, limit: int) -> bytes | None:
    if upload.size > limit:
        return None
    return upload.read()


def _preview_fields(fields: list[dict]) -> list[dict]:
    rows = []
    for f in fields:
        rows.append(
            {
                "label": engine.tr(f["label"]),
                "type": TYPE_NAMES.get(f["type"], f["type"]),
                "required": f["required"],
                "conditional": bool(f.get("show_if")),
                "options": len(f.get("options") or []),
                "repeat": f.get("repeat"),
                "applicant": f.get("applicant", ""),
                "pattern": bool(f.get("pattern")),
                "fields": _preview_fields(f.get("fields", [])) if f["type"] == "group" else [],
            }
        )
    return rows


def _tenant():
    tenant = core.current_tenant()
    if tenant is None:
        from django.http import Http404

        raise Http404(_("No county data is loaded yet."))
    return tenant


def _context(tenant, **extra) -> dict:
    return {
        "services": Service.objects.filter(tenant=tenant).order_by("name"),
        "imported": FormDefinition.objects.filter(
            tenant=tenant, source=FormDefinition.Source.XDATENFELDER
        )
        .select_related("service")
        .prefetch_related("versions"),
        "max_mb": forms.XDF_MAX_BYTES // 1024 // 1024,
        **extra,
    }


@staff.staff_required(*IMPORT_ROLES)
def fim_import(request: HttpRequest) -> HttpResponse:
    """GET: the upload form and the imported forms with their versions. POST action=preview:
    the preview and report of the uploaded files; action=confirm: the import."""
    tenant = _tenant()
    if request.method != "POST":
        return render(request, "forms/fim_import.html", _context(tenant))
    if request.POST.get("action") == "confirm":
        return _confirm(request, tenant)
    return _preview(request, tenant)


def _error(request, tenant, message: str, values: dict | None = None) -> HttpResponse:
    return render(
        request,
        "forms/fim_import.html",
        _context(tenant, error=message, values=values or {}),
        status=400,
    )


def _preview(request: HttpRequest, tenant) -> HttpResponse:
    values = {
        "key": request.POST.get("key", "").strip()[:60],
        "service": request.POST.get("service", "").strip()[:120],
    }
    schema = request.FILES.get("schema")
    if schema is None:
        return _error(request, tenant, _("Choose the schema file (XML)."), values)
    if values["key"] and not PAGE_KEY_RE.match(values["key"]):
        return _error(
            request,
            tenant,
            _("The key may contain lowercase letters, digits and hyphens only."),
            values,
        )
    if (
        values["service"]
        and not Service.objects.filter(tenant=tenant, slug=values["service"]).exists()
    ):
        return _error(request, tenant, _("Choose a service from the list."), values)
    xml = _read(schema, forms.XDF_MAX_BYTES)
    if xml is None:
        return _error(
            request,
            tenant,
            _("The file is larger than %(n)s MB.") % {"n": forms.XDF_MAX_BYTES // 1024 // 1024},
            values,
        )
    lists = request.FILES.getlist("codelists")
    if len(lists) > MAX_CODE_LISTS:
        return _error(
            request, tenant, _("Upload at most %(n)s code lists.") % {"n": MAX_CODE_LISTS}, values
        )
    token = uuid.uuid4().hex
    folder = _staging(token)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "schema.xml").write_bytes(xml)
    code_folder = folder / "codelisten"
    code_folder.mkdir()
    for i, upload in enumerate(lists):
        content = _read(upload, forms.XDF_MAX_BYTES)
        if content is None:
            shutil.rmtree(folder, ignore_errors=True)
            return _error(
                request,
                tenant,
                _("The code list %(name)s is larger than %(n)s MB.")
                % {"name": upload.name, "n": forms.XDF_MAX_BYTES // 1024 // 1024},
                values,
            )
        (code_folder / f"{i:03d}.xml").write_bytes(content)
    definition, report = forms.preview_xdatenfelder(
        tenant,
        xml,
        key=values["key"] or None,
        service_slug=values["service"],
        code_lists=forms.code_lists_for(tenant, [code_folder]),
    )
    previous = request.session.get(SESSION_KEY)
    if previous and previous != token and len(previous) == 32 and previous.isalnum():
        shutil.rmtree(_staging(previous), ignore_errors=True)
    request.session[SESSION_KEY] = token if definition else ""
    if definition is None:
        shutil.rmtree(folder, ignore_errors=True)
    existing = (
        FormDefinition.objects.filter(tenant=tenant, key=definition["key"]).first()
        if definition
        else None
    )
    return render(
        request,
        "forms/fim_preview.html",
        {
            "definition": definition,
            "title": engine.tr(definition["title"]) if definition else "",
            "pages": [
                {
                    "title": engine.tr(p["title"]),
                    "conditional": bool(p.get("show_if")),
                    "fields": _preview_fields(p["fields"]),
                }
                for p in (definition or {}).get("pages", [])
            ],
            "report": report,
            "code_lists": sorted(report.code_lists_used),
            "missing": sorted(report.code_lists_missing),
            "existing": existing,
            "token": token,
            "values": values,
            "file_name": schema.name,
        },
        status=200 if definition else 400,
    )


def _confirm(request: HttpRequest, tenant) -> HttpResponse:
    token = request.POST.get("token", "")
    if not token or token != request.session.get(SESSION_KEY) or not token.isalnum():
        return _error(request, tenant, _("The preview has expired. Please upload the files again."))
    folder = _staging(token)
    if not (folder / "schema.xml").is_file():
        return _error(request, tenant, _("The preview has expired. Please upload the files again."))
    key = request.POST.get("key", "").strip()
    service = request.POST.get("service", "").strip()
    if (key and not PAGE_KEY_RE.match(key)) or (
        service and not Service.objects.filter(tenant=tenant, slug=service).exists()
    ):
        return _error(request, tenant, _("Choose a service from the list."))
    form, report = forms.import_xdatenfelder(
        tenant,
        (folder / "schema.xml").read_bytes(),
        key=key or None,
        service_slug=service,
        code_lists=forms.code_lists_for(tenant, [folder / "codelisten"]),
    )
    shutil.rmtree(folder, ignore_errors=True)
    request.session[SESSION_KEY] = ""
    if form is None:
        return render(
            request,
            "forms/fim_preview.html",
            {"definition": None, "report": report, "values": {}},
            status=400,
        )
    messages.success(
        request,
        _("Imported as form %(key)s, version %(n)s.") % {"key": form.key, "n": report.form_version},
    )
    return render(
        request,
        "forms/fim_done.html",
        {"form": form, "report": report},
    )
