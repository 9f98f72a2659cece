"""Certificate pages: get it (name, PDF, credential), verify any credential, the issuer's
profile and status list, the learning office's revocation (docs/learning.md "Certificate")."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods
from weasyprint import HTML

from openkreis.core.qr import qr_svg
from openkreis.core.staff import staff_required

from . import certificates
from .forms_certificates import FindForm, HolderNameForm, RevokeForm, VerifyForm
from .models import Certificate, Module

JSON_LD = "application/ld+json"


def _own(request, key) -> Certificate:
    certificate = Certificate.objects.filter(key=key, user=request.user).first()
    if certificate is None:
        raise Http404(_("No certificate of yours has this number."))
    return certificate


def _find(key) -> Certificate | None:
    lookup = FindForm({"q": str(key)})
    return (
        Certificate.objects.filter(key=lookup.cleaned_data["q"]).first()
        if lookup.is_valid()
        else None
    )


@login_required
@require_http_methods(["GET", "POST"])
def certificate(request):
    existing = certificates.current_certificate(request.user)
    missing = [] if existing else certificates.missing_modules(request.user)
    form = None
    if not existing and certificates.may_have(request.user):
        initial = {"holder_name": request.user.get_full_name()}
        form = HolderNameForm(request.POST or None, initial=initial)
        if request.method == "POST" and form.is_valid():
            certificates.issue(request.user, form.cleaned_data["holder_name"])
            messages.success(request, _("Your certificate is ready."))
            return redirect("learning:certificate")
    elif request.method == "POST":
        return redirect("learning:certificate")
    return render(
        request,
        "learning/certificate.html",
        {
            "certificate": existing,
            "missing": missing,
            "form": form,
            "modules": Module.objects.filter(slug__in=existing.modules) if existing else [],
            "verify_url": certificates.verify_url(existing) if existing else "",
        },
        status=400 if form is not None and form.errors else 200,
    )


@login_required
@require_GET
def certificate_pdf(request, key):
    own = _own(request, key)
    url = certificates.verify_url(own)
    html = render_to_string(
        "learning/certificate_pdf.html",
        {
            "certificate": own,
            "modules": Module.objects.filter(slug__in=own.modules),
            "issuer": certificates.issuer_name(),
            "achievement": certificates.ACHIEVEMENT_NAME,
            "url": url,
            "qr": mark_safe(qr_svg(url, title=certificates.ACHIEVEMENT_NAME)),  # noqa: S308 - segno's SVG
        },
        request=request,
    )
    pdf = HTML(string=html, base_url=certificates.base_url()).write_pdf()
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = 'attachment; filename="digitaler-fuehrerschein.pdf"'
    return response


@login_required
@require_GET
def certificate_json(request, key):
    own = _own(request, key)
    body = json.dumps(own.credential, ensure_ascii=False, indent=2).encode()
    response = HttpResponse(body, content_type=f"{JSON_LD}; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="digitaler-fuehrerschein.json"'
    return response


def _json_ld(document: dict) -> HttpResponse:
    response = JsonResponse(
        document, content_type=JSON_LD, json_dumps_params={"ensure_ascii": False}
    )
    response["Access-Control-Allow-Origin"] = "*"
    response["Cache-Control"] = "no-cache"
    return response


@require_GET
def issuer(request):
    return _json_ld(certificates.issuer_profile())


@require_GET
def status_list(request):
    return _json_ld(certificates.status_list())


def _offline_texts() -> dict:
    """The messages of verify.js (translated here, handed over with json_script)."""
    return {
        "valid": _("✓ Offline check: signature and dates are fine"),
        "invalid": _("✗ Offline check: the certificate is not valid"),
        "noJson": _("✗ This is not a credential (no JSON)."),
        "noProof": _("✗ Signature: the credential has no signature."),
        "issuerBad": _("✗ Issuer: not signed with a key of the county."),
        "issuerOk": _("✓ Issuer: signed with a key of the county."),
        "sigOk": _("✓ Signature: nothing was changed since it was issued."),
        "sigBad": _("✗ Signature: does not match — the credential was changed."),
        "datesOk": _("✓ Validity: within its dates."),
        "datesBad": _("✗ Validity: expired or not valid yet."),
        "status": _("? Revocation: needs the network — check with the county's server."),
        "noCrypto": _("This browser cannot check Ed25519 signatures. Please use the server check."),
    }


@require_http_methods(["GET", "POST"])
def verify(request):
    form = VerifyForm(request.POST or None, request.FILES or None)
    result, text, status, problem = None, "", 200, ""
    if request.method == "POST":
        if form.is_valid():
            text = form.cleaned_data["credential"]
            result = certificates.verify(certificates.parse(text))
        else:
            status = 400
    elif request.GET.get("id"):
        stored = _find(request.GET["id"])
        if stored is None:
            status = 404
            problem = _("No certificate has this number. Please check the address.")
        else:
            text = json.dumps(stored.credential, ensure_ascii=False, indent=2)
            result = certificates.verify(stored.credential)
            form = VerifyForm(initial={"credential": text})
    return render(
        request,
        "learning/verify.html",
        {
            "form": form,
            "result": result,
            "checked": text,
            "public_keys": certificates.public_keys(),
            "issuer_id": certificates.issuer_id(),
            "offline_texts": _offline_texts(),
            "problem": problem,
        },
        status=status,
    )


@staff_required("learning_office")
@require_http_methods(["GET", "POST"])
def office_certificates(request):
    found, status = None, 200
    find = FindForm(request.GET or None)
    revoke = RevokeForm(request.POST or None)
    if request.method == "POST":
        if revoke.is_valid():
            target = Certificate.objects.filter(key=revoke.cleaned_data["key"]).first()
            if target is None:
                raise Http404(_("No certificate has this number."))
            certificates.revoke(target, revoke.cleaned_data["reason"])
            messages.success(request, _("The certificate is revoked."))
            return redirect(f"{request.path}?q={target.key}")
        status = 400
        found = _find(revoke.data.get("key", ""))
    elif find.is_bound and find.is_valid():
        found = _find(find.cleaned_data["q"])
        if found is None:
            status = 404
    elif find.is_bound:
        status = 400
    return render(
        request,
        "learning/office_certificates.html",
        {
            "find": find,
            "revoke": revoke
            if request.method == "POST"
            else RevokeForm(initial={"key": found.key} if found else None),
            "found": found,
            "searched": find.is_bound,
        },
        status=status,
    )
