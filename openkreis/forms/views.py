"""Online application pages under /antrag/: start, one page per step, check answers, pay,
submit, receipt (page and PDF), and "Meine Anträge". Every view that takes an id looks
it up among the logged-in account's own applications only, so other ids answer 404."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import prefetch_related_objects
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from openkreis.catalog.models import Service
from openkreis.core import services as core
from openkreis.core.params import id_param

from . import binding, engine, integration, payments, status
from . import services as forms
from .engine import tr
from .models import Application, Payment

# Session key: a file refused at submission, shown at its field on the next page view.
FILE_ERRORS = "forms-refused-file"


def _tenant():
    tenant = core.current_tenant()
    if tenant is None:
        raise Http404(_("No county data is loaded yet."))
    return tenant


def _own(request, pk, *statuses) -> Application:
    try:
        return forms.own_application(request.user, pk, statuses)
    except Application.DoesNotExist:
        raise Http404 from None


def _read_files(application: Application) -> None:
    """Read the draft's uploads (again) into the object: `application.files.all()` answers
    from memory until the next call (the answers, the checks and the file list)."""
    getattr(application, "_prefetched_objects_cache", {}).pop("files", None)
    prefetch_related_objects([application], "files")


def _page_of(application: Application, key: str) -> dict:
    for page in application.definition["pages"]:
        if page["key"] == key:
            return page
    raise Http404(_("This page does not exist."))


def _progress(definition, data, current_key):
    pages = engine.visible_pages(definition, data)
    keys = [p["key"] for p in pages]
    index = keys.index(current_key) + 1 if current_key in keys else len(keys) + 1
    return {"step": index, "total": len(keys) + 1, "pages": pages}


@require_http_methods(["GET", "POST"])
def start(request, slug):
    """The start page of a service's online application (GOV.UK 'Start now')."""
    service = get_object_or_404(Service, tenant=_tenant(), slug=slug)
    # "Start now" (POST) shows no page: the form's definition stays unread (the new draft
    # takes its version's)
    form = forms.form_for_service(service, definition=request.method != "POST")
    if form is None:
        raise Http404(_("This service cannot be applied for online yet."))
    draft = forms.open_draft(request.user, service)
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect(f"{reverse('account_login')}?next={request.path}")
        application = draft or forms.start_application(request.user, service, form)
        return redirect("forms:resume", pk=application.public_id)
    definition = form.definition
    return render(
        request,
        "forms/start.html",
        {
            "service": service,
            "form": form,
            "title": forms.form_title(form, service),
            "intro": tr(definition["intro"]),
            "pages": [tr(p["title"]) for p in definition["pages"]],
            "draft": draft,
            "fee": integration.fee_amount(Application(service=service)),
            "login_url": f"{reverse('account_login')}?next={request.path}",
        },
    )


@login_required
def resume(request, pk):
    """Continue a draft where it was left (on any device)."""
    application = _own(request, pk, Application.Status.DRAFT, Application.Status.SUBMITTED)
    if application.status == Application.Status.SUBMITTED:
        return redirect("forms:receipt", pk=pk)
    data = forms.with_files(application)
    pages = engine.visible_pages(application.definition, data)
    keys = [p["key"] for p in pages]
    problems = engine.validate_all(
        application.definition, engine.clean_answers(application.definition, data)
    )
    if application.last_page in keys and problems:
        first_open = problems[0][0]
        return redirect("forms:page", pk=pk, page=first_open)
    if not application.last_page:
        return redirect("forms:page", pk=pk, page=keys[0])
    return redirect("forms:check", pk=pk)


@login_required
@require_http_methods(["GET", "POST"])
def page(request, pk, page):
    application = _own(request, pk, Application.Status.DRAFT)
    definition = application.definition
    spec = _page_of(application, page)
    _read_files(application)  # the answers, the checks and the file list share one read
    data = forms.with_files(application)
    back_to_check = request.GET.get("zurueck") == "pruefen"
    if not engine.condition_holds(spec.get("show_if"), data):
        return redirect("forms:resume", pk=pk)
    raw = None
    result = engine.PageResult()
    status_code = 200
    refused = request.session.pop(FILE_ERRORS, {}).get(str(pk)) if request.method == "GET" else None
    if refused and isinstance(refused, list) and len(refused) == 3:
        result.error(*(str(part) for part in refused))
    if request.method == "POST":
        action = request.POST.get("action", "continue")
        if action.startswith("delete-file:"):
            forms.remove_file(application, action.split(":", 1)[1])
            return redirect(request.get_full_path())
        # conditions on this page see the answers posted with the file
        upload_errors = _store_uploads(
            request, application, spec, {**data, **_peek(spec, request.POST)}
        )
        if action == "upload" and not upload_errors:
            return redirect(request.get_full_path())
        if request.FILES:
            _read_files(application)  # with the new uploads
        if action == "upload":
            for html_id, message, label in upload_errors:
                result.error(html_id, message, label)
            return _render_page(
                request,
                application,
                spec,
                page,
                forms.with_files(application),
                None,
                result,
                back_to_check,
                400,
            )
        files = forms.files_by_field(application)
        merged = dict(data)
        merged.update(_peek(spec, request.POST))
        for f in spec["fields"]:
            if engine.condition_holds(f.get("show_if"), merged):
                value = engine.read_field(
                    f, request.POST, engine.html_id(f["key"]), merged, None, result, files
                )
                result.values[f["key"]] = value
        result.values = _regroup(spec, request.POST, result)
        for html_id, message, label in upload_errors:
            result.errors.pop(html_id, None)
            result.anchors = [(i, m) for i, m in result.anchors if i != html_id]
            result.error(html_id, message, label)
        merged.update({k: v for k, v in result.values.items() if v is not None})
        for key, message in engine.rule_errors(definition, merged, keys=set(result.values)):
            f = engine.all_fields(definition)[key]
            result.error(engine.first_input_id(f, engine.html_id(key)), message)
        raw = result.raw
        if action.startswith(("add:", "remove:")):
            raw = _change_rows(spec, action, request.POST, raw)
            result = engine.PageResult(raw=raw)
        elif action == "draft":
            valid = {k: v for k, v in result.values.items() if _valid_key(k, result)}
            forms.save_answers(application, page, valid)
            messages.success(
                request,
                _("Your draft is saved. You can continue at any time under “My applications”."),
            )
            return redirect("forms:mine")
        elif not result.errors:
            forms.save_answers(application, page, result.values)
            return redirect(_next_url(application, page, back_to_check))
        else:
            status_code = 400
        data = forms.with_files(application)
    return _render_page(
        request, application, spec, page, data, raw, result, back_to_check, status_code
    )


def _render_page(request, application, spec, page, data, raw, result, back_to_check, status_code):
    definition = application.definition
    files = _file_rows(application)
    page_fields = {f["key"]: f for f in spec["fields"]}
    # A page with the service's guidance keeps its own h1 (the guidance sits under it).
    single = (
        len(spec["fields"]) == 1
        and spec["fields"][0]["type"] not in ("group",)
        and not spec.get("guidance")
    )
    bound = []
    for f in spec["fields"]:
        visible = engine.condition_holds(f.get("show_if"), data)
        depends_here = bool(f.get("show_if")) and f["show_if"].get("field") in page_fields
        if not visible and not depends_here:
            continue
        bound.append(
            binding.bind(
                f,
                engine.html_id(f["key"]),
                data.get(f["key"]),
                raw,
                result.errors,
                files,
                page_fields,
                single=single,
            )
        )
    return render(
        request,
        "forms/page.html",
        {
            "application": application,
            "form_title": forms.application_title(application),
            "page": spec,
            "title": tr(spec["title"]),
            "intro": tr(spec["intro"]),
            "fields": bound,
            "single": single,
            "errors": result.anchors,
            "progress": _progress(definition, data, page),
            "back_url": _previous_url(application, page, data),
            "back_to_check": back_to_check,
            "has_files": any(
                f["type"] == "file" or any(sub["type"] == "file" for sub in f.get("fields", []))
                for f in spec["fields"]
            ),
        },
        status=status_code,
    )


def _valid_key(key: str, result: engine.PageResult) -> bool:
    prefix = engine.html_id(key)
    return not any(i == prefix or i.startswith(prefix + "-") for i in result.errors)


def _peek(spec, post) -> dict:
    """Posted answers to this page's choice questions, so same-page conditions can see them."""
    values = {}
    for f in spec["fields"]:
        if f["type"] == "choice":
            name = engine.html_id(f["key"])
            values[f["key"]] = post.getlist(name) if f["multiple"] else post.get(name)
    return values


def _regroup(spec, post, result):
    return result.values


def _change_rows(spec, action, post, raw):
    parts = action.split(":")
    key = parts[1]
    f = next((x for x in spec["fields"] if x["key"] == key and x.get("repeat")), None)
    if f is None:
        return raw
    prefix = engine.html_id(key)
    count = raw.get(f"{prefix}-count", 1)
    raw = dict(raw)
    if parts[0] == "add" and count < f["repeat"]["max"]:
        raw[f"{prefix}-count"] = count + 1
    elif (
        parts[0] == "remove"
        and len(parts) == 3
        and parts[2].isdigit()
        and count > f["repeat"]["min"]
    ):
        gone = int(parts[2])
        for i in range(gone, count - 1):
            for s in f["fields"]:
                raw[f"{prefix}-{i}-{s['key']}"] = raw.get(f"{prefix}-{i + 1}-{s['key']}", "")
        raw[f"{prefix}-count"] = count - 1
    return raw


def _file_inputs(spec) -> list[tuple[str, dict, dict]]:
    """(html name, file field, top-level field) of every file input a page can post: file
    fields, and file fields inside a group (f-group-sub) or a repeated group (f-group-0-sub)."""
    result = []
    for f in spec["fields"]:
        if f["type"] == "file":
            result.append((engine.html_id(f["key"]), f, f))
        for sub in f.get("fields", []) if f["type"] == "group" else []:
            if sub["type"] != "file":
                continue
            if f.get("repeat"):
                result.extend(
                    (engine.html_id(f["key"], i, sub["key"]), sub, f)
                    for i in range(f["repeat"]["max"])
                )
            else:
                result.append((engine.html_id(f["key"], sub["key"]), sub, f))
    return result


def _store_uploads(request, application, spec, data) -> list[tuple[str, str, str]]:
    """Keep the posted files of this page in the draft; (html id, message, label) of each
    refused one. Every file goes through the eAkte's own upload check (issue 16 F5)."""
    errors = []
    for name, f, top in _file_inputs(spec):
        if not engine.condition_holds(top.get("show_if"), data):
            continue
        for upload in request.FILES.getlist(name):
            try:
                forms.add_file(application, name, upload)
            except forms.FormError as exc:
                errors.append((name, str(exc), tr(f["label"])))
                break
    return errors


def _file_rows(application) -> dict[str, list[dict]]:
    rows: dict[str, list[dict]] = {}
    for stored in application.files.all():
        rows.setdefault(stored.field, []).append(
            {"id": str(stored.public_id), "name": stored.name, "size": stored.size}
        )
    return rows


def _next_url(application, current, back_to_check):
    if back_to_check:
        return reverse("forms:check", kwargs={"pk": application.public_id})
    data = forms.with_files(application)
    keys = [p["key"] for p in engine.visible_pages(application.definition, data)]
    if current in keys and keys.index(current) + 1 < len(keys):
        return reverse(
            "forms:page",
            kwargs={"pk": application.public_id, "page": keys[keys.index(current) + 1]},
        )
    return reverse("forms:check", kwargs={"pk": application.public_id})


def _previous_url(application, current, data):
    keys = [p["key"] for p in engine.visible_pages(application.definition, data)]
    if current in keys and keys.index(current) > 0:
        return reverse(
            "forms:page",
            kwargs={"pk": application.public_id, "page": keys[keys.index(current) - 1]},
        )
    return reverse("forms:start", kwargs={"slug": application.service.slug})


@login_required
def check(request, pk):
    """Check your answers: every answer with a change link; then pay (if a fee) and send."""
    application = _own(request, pk, Application.Status.DRAFT)
    _read_files(application)  # the answers and the files' names: one read
    definition = application.definition
    data = engine.clean_answers(definition, forms.with_files(application))
    names = {str(f.public_id): f.name for f in application.files.all()}
    problems = engine.validate_all(definition, data)
    fee = integration.fee_amount(application)
    return render(
        request,
        "forms/check.html",
        {
            "application": application,
            "form_title": forms.application_title(application),
            "sections": engine.summary(definition, data, names),
            "problems": problems,
            "problem_pages": {p for p, _k, _m in problems},
            "fee": fee,
            "paid": integration.is_paid(application),
            "progress": _progress(definition, data, None),
            "returned": application.registration_error,
        },
        status=400 if request.GET.get("fehler") and problems else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def pay(request, pk):
    """The payment step, through the configured provider of the payment registry."""
    application = _own(request, pk, Application.Status.DRAFT)
    amount = integration.fee_amount(application)
    if amount is None or integration.is_paid(application):
        return redirect("forms:check", pk=pk)
    provider = payments.provider()
    if request.method == "POST":
        payment = provider.start(application, amount)
        provider.confirm(payment, {"confirmed": True})
        messages.success(
            request,
            _(
                "The fee of %(amount)s € is recorded as paid. Check your answers and send "
                "the application."
            )
            % {"amount": amount},
        )
        return redirect("forms:check", pk=pk)
    return render(
        request,
        "forms/pay.html",
        {
            "application": application,
            "amount": amount,
            "provider": provider,
            "form_title": forms.application_title(application),
        },
    )


@login_required
@require_POST
def submit(request, pk):
    application = _own(request, pk, Application.Status.DRAFT, Application.Status.SUBMITTED)
    key = request.POST.get("idempotency_key", "")
    try:
        application = forms.submit(application, key)
    except forms.NotSubmittable:
        messages.error(
            request, _("Some answers are missing or not valid. Please check the marked sections.")
        )
        return redirect(reverse("forms:check", kwargs={"pk": pk}) + "?fehler=1")
    except forms.FileRefused as exc:
        if not exc.page:
            return render(
                request,
                "forms/problem.html",
                {"message": str(exc), "application": application},
                status=400,
            )
        # the page with the file field, the reason at the field (issue 16 F5)
        request.session[FILE_ERRORS] = {str(pk): [exc.path, str(exc), exc.label]}
        url = reverse("forms:page", kwargs={"pk": pk, "page": exc.page})
        return redirect(f"{url}?zurueck=pruefen")
    except forms.FormError as exc:
        return render(
            request,
            "forms/problem.html",
            {"message": str(exc), "application": application},
            status=400,
        )
    if application.status == Application.Status.DRAFT:
        # without a broker the eAkte's step ran in this request and sent it back
        return render(
            request,
            "forms/problem.html",
            {"message": application.registration_error, "application": application},
            status=400,
        )
    return redirect("forms:receipt", pk=pk)


@login_required
@require_http_methods(["GET", "POST"])
def delete(request, pk):
    """Delete a draft, after asking first: GET shows what would be lost (answers, uploads,
    a fee already paid, which is not refunded automatically), POST deletes."""
    application = _own(request, pk, Application.Status.DRAFT)
    if request.method == "POST":
        forms.abandon(application)
        messages.success(
            request, _("The draft is deleted. You can start a new application at any time.")
        )
        return redirect("forms:mine")
    payment = application.payments.filter(status=Payment.Status.PAID).first()
    return render(
        request,
        "forms/delete.html",
        {
            "application": application,
            "form_title": forms.application_title(application),
            "files": [f.name for f in application.files.order_by("pk")],
            "payment": payment,
            "office": status.office_for(application) if payment else None,
            "back_url": _back_from_delete(request, application),
        },
    )


def _back_from_delete(request, application) -> str:
    """Where "No, keep it" leads: back to "My applications" when the citizen came from
    there, else to the draft itself."""
    if request.GET.get("von") == "meine":
        return reverse("forms:mine")
    return reverse("forms:resume", kwargs={"pk": application.public_id})


def _receipt_context(application):
    definition = application.definition
    names = {str(f.public_id): f.name for f in application.files.all()}
    return {
        "application": application,
        "form_title": forms.application_title(application),
        "what_next": tr(definition.get("what_next")),
        "sections": engine.summary(definition, application.data, names),
        "office": status.office_for(application),
        "expected": status.expected_completion(application),
        "payment": application.payments.filter(status="paid").first(),
    }


@login_required
def receipt(request, pk):
    application = _own(request, pk, Application.Status.SUBMITTED)
    return render(request, "forms/receipt.html", _receipt_context(application))


@login_required
def receipt_pdf(request, pk):
    application = _own(request, pk, Application.Status.SUBMITTED)
    html = render_to_string(
        "forms/receipt_pdf.html", _receipt_context(application), request=request
    )
    from weasyprint import HTML

    pdf = HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf()
    response = HttpResponse(pdf, content_type="application/pdf")
    name = f"Eingangsbestaetigung-{application.file_number or application.pk}.pdf".replace("/", "-")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
def mine(request):
    """Meine Anträge: drafts, submitted applications and the account's other cases (counter,
    paper) with their status; letters and the document upload are in the mailbox."""
    # 25 a page, newest first; an account with a thousand cases rendered 400 rows at once
    # (120 ms, bench/cases.py). Page n reads the newest 25·n of each kind, merges, cuts.
    number = min(id_param(request.GET.get("seite")) or 1, MINE_PAGES)
    upto = number * MINE_PER_PAGE
    applications = list(
        forms.applications_of(request.user)
        .exclude(status=Application.Status.ABANDONED)
        .select_related(None)  # the list needs no form definitions (two JSON documents a row)
        .select_related("service")[: upto + 1]
    )
    rows = status.rows_of(request.user, applications, limit=upto + 1)
    context = {
        "rows": rows[upto - MINE_PER_PAGE : upto],
        "page_number": number,
        "previous_page": number - 1 if number > 1 else None,
        "next_page": number + 1 if len(rows) > upto and number < MINE_PAGES else None,
    }
    return render(request, "forms/mine.html", context)


MINE_PER_PAGE = 25
MINE_PAGES = 16  # the newest 400 rows; older ones are in the mailbox's case threads


@login_required
def detail(request, pk):
    """One submitted application: status in plain language, timeline, office, what to do.
    Requested documents are uploaded in the mailbox thread of the case (one place for all
    cases, online or not); this page links there."""
    application = _own(request, pk, Application.Status.SUBMITTED)
    context = _receipt_context(application)
    context.update(status.details(application))
    return render(request, "forms/detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def feedback(request, pk):
    """The one-question survey after the decision (stored without a link to the person)."""
    application = _own(request, pk, Application.Status.SUBMITTED)
    error = ""
    if request.method == "POST":
        try:
            rating = int(request.POST.get("rating", ""))
        except ValueError:
            rating = 0
        try:
            forms.give_feedback(application, rating, request.POST.get("comment", "")[:2000])
        except forms.FormError as exc:
            error = str(exc)
        else:
            messages.success(
                request, _("Thank you for your rating! It helps us to improve this service.")
            )
            return redirect("forms:detail", pk=pk)
    return render(
        request,
        "forms/feedback.html",
        {
            "application": application,
            "error": error,
            "ratings": range(1, 6),
            "open": status.is_decided(application) and not application.feedback_given,
        },
        status=400 if error else 200,
    )
