"""The caseworker's desk: inbox per unit, case page, workflow steps, requests for documents,
decisions, handover and document downloads. Every view is behind staff_required (login,
second factor, role) and every object is looked up inside the user's units (404 otherwise)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.formats import number_format
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from openkreis.core import staff
from openkreis.core.models import OrgUnit
from openkreis.core.params import id_param

from . import decision, services, workflow
from .forms import (
    OUTCOME_CHOICES,
    AssignForm,
    AuditFilterForm,
    DecisionForm,
    HandOverForm,
    RequestForm,
)
from .models import Case, DocumentVersion

Role = staff.Role
DESK_ROLES = (Role.CASEWORKER, Role.TEAM_LEAD)
TABS = [
    ("new", _("New")),
    ("mine", _("Mine")),
    ("waiting", _("Waiting for applicant")),
    ("overdue", _("Overdue")),
    ("done", _("Decided")),
]


class CappedPaginator(Paginator):
    """Counts at most COUNT_CAP + 1 cases: an exact count of a tab with hundreds of thousands
    of cases cost more than the page itself (bench/cases.py at a million cases). Beyond the
    cap the page says "of more than …" and offers the first COUNT_CAP / 25 + 1 pages; a
    caseworker narrows a list that long by search or unit, not by paging."""

    COUNT_CAP = 25 * 200

    @cached_property
    def count(self) -> int:
        return self.object_list.order_by()[: self.COUNT_CAP + 1].count()

    @property
    def capped(self) -> bool:
        return self.count > self.COUNT_CAP

    def page(self, number):
        page = super().page(number)
        if self.capped:  # the last counted page is a full page, not the one case over the cap
            bottom = (page.number - 1) * self.per_page
            page.object_list = self.object_list[bottom : bottom + self.per_page]
        return page


def _case(request, pk: int) -> Case:
    try:
        return services.get_case_for_staff(request.user, pk)
    except Case.DoesNotExist as exc:
        raise Http404(_("No such case in your units.")) from exc


@staff.staff_required(*DESK_ROLES)
def inbox(request):
    tab = request.GET.get("tab", "new")
    if tab not in dict(TABS):
        tab = "new"
    query = request.GET.get("q", "").strip()
    units = list(
        OrgUnit.objects.filter(id__in=staff.unit_ids_for(request.user, DESK_ROLES)).order_by("name")
    )
    unit_id = request.GET.get("unit")
    unit_id = id_param(unit_id)
    search = None
    if query:
        search = services.search_cases(request.user, query)
        cases = search.cases
    else:
        cases = services.inbox(request.user, tab, unit_id)
    # The list shows neither the procedure (a JSON definition a row) nor the unit nor the
    # application's data: only what the table needs is read.
    cases = cases.select_related(None).select_related("service", "assignee").defer("data")
    page = CappedPaginator(cases.order_by("target_at", "received_at", "id"), 25).get_page(
        request.GET.get("seite")
    )
    is_lead = staff.has_role(request.user, Role.TEAM_LEAD)
    return render(
        request,
        "cases/inbox.html",
        {
            "tabs": TABS,
            "tab": tab,
            "page": page,
            "units": units,
            "unit_id": unit_id,
            "q": query,
            # Encoded once here; the template escapes it once for HTML (& → &amp;), so the
            # search survives page 2 (it was escaped twice: ?tab=new&amp;amp;q=…).
            "pagination_params": urlencode(
                {k: v for k, v in (("tab", tab), ("q", query), ("unit", unit_id or "")) if v}
            ),
            "assign_form": _assign_form(request.user) if is_lead else None,
            "pages_counted": CappedPaginator.COUNT_CAP // 25,
            "search_truncated": bool(search and search.truncated),
            "search_cap": number_format(services.SEARCH_CAP, force_grouping=True),
            "next": request.get_full_path(),
        },
    )


def _assign_form(user, data=None, case=None):
    return AssignForm(data, assignees=services.assignable_staff(user, case))


ACTIVITY_LABELS = {
    "received": _("Received"),
    "assigned": _("Claimed"),
    "documents_requested": _("Documents requested"),
    "documents_received": _("Documents received"),
    "decided": _("Decided"),
    "closed": _("Closed"),
    "reopened": _("Reopened"),
    "handed_over": _("Handed over"),
}


def history_rows(case: Case) -> list[dict]:
    """The history in words: what happened, the state it led to, where, by whom, why."""
    definition = case.procedure.definition
    steps = {t.name: t.label for t in workflow.transitions(definition)}
    rows = []
    for entry in case.history.select_related("actor", "org_unit"):
        rows.append(
            {
                "at": entry.at,
                "what": ACTIVITY_LABELS.get(entry.activity)
                or steps.get(entry.activity, entry.activity),
                "state": workflow.state_info(definition, entry.state).get("label", entry.state),
                "unit": entry.org_unit.name,
                "actor": entry.actor.username if entry.actor else "",
                "note": entry.note,
            }
        )
    return rows


def _detail_context(request, case: Case, **forms) -> dict:
    definition = case.procedure.definition
    roles = services.roles_in_unit(request.user, case.org_unit)
    available = workflow.available(definition, case.state, roles)
    names = {t.name for t in available}
    return {
        "case": case,
        "state": workflow.state_info(definition, case.state),
        "steps": [t for t in available if t.name not in {"request_documents", "decide"}],
        "can_request": "request_documents" in names,
        "can_decide": "decide" in names,
        "can_work": bool(roles.intersection(DESK_ROLES)),
        "application": services.application_data(case),
        "documents": case.documents.prefetch_related("versions"),
        "history": history_rows(case),
        "requests": case.requests.all(),
        "deliveries": services.deliveries_of(case),
        "request_form": forms.get("request_form") or RequestForm(),
        "decision_form": forms.get("decision_form") or DecisionForm(),
        "handover_form": forms.get("handover_form") or HandOverForm(),
        "assign_form": (
            _assign_form(request.user, case=case)
            if Role.TEAM_LEAD in roles and case.state_kind != "done"
            else None
        ),
    }


@staff.staff_required(*DESK_ROLES)
def case_detail(request, pk: int):
    case = _case(request, pk)
    return render(request, "cases/case_detail.html", _detail_context(request, case))


def _back(case):
    return redirect("cases:case", pk=case.pk)


@staff.staff_required(*DESK_ROLES)
@require_POST
def retry_delivery(request, pk: int, delivery_pk: int):
    """Send a failed letter again (after the address or the mail server was fixed)."""
    case = _case(request, pk)
    delivery = get_object_or_404(case.deliveries, pk=delivery_pk)
    try:
        services.retry_delivery(delivery, actor=request.user)
        messages.success(request, _("The letter is being sent again."))
    except services.CaseError as exc:
        messages.error(request, str(exc))
    return _back(case)


@staff.staff_required(*DESK_ROLES)
@require_POST
def step(request, pk: int):
    case = _case(request, pk)
    try:
        case = services.transition(case, request.POST.get("step", ""), actor=request.user)
        state = workflow.state_info(case.procedure.definition, case.state)
        messages.success(
            request,
            _("The case is now “%(state)s”.") % {"state": state.get("label", case.state)},
        )
    except services.CaseError as exc:
        messages.error(request, str(exc))
    return _back(case)


@staff.staff_required(*DESK_ROLES)
def request_documents(request, pk: int):
    case = _case(request, pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = RequestForm(request.POST)
    if form.is_valid():
        try:
            services.request_documents(
                case,
                form.cleaned_data["items"].splitlines(),
                form.cleaned_data["deadline"],
                actor=request.user,
                message=form.cleaned_data["message"],
            )
            messages.success(
                request,
                _(
                    "The applicant has been asked for the documents. The case waits for them "
                    "and comes back to you when they arrive."
                ),
            )
            return _back(case)
        except services.CaseError as exc:
            form.add_error(None, str(exc))
    return _form_again(request, case, "request_form", form)


@staff.staff_required(*DESK_ROLES)
def decide(request, pk: int):
    """Issuing a decision takes two steps: the form shows the letter as it will be sent
    (preview, nothing is stored), and only the confirmation there issues it."""
    case = _case(request, pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = DecisionForm(request.POST)
    if not form.is_valid() or request.POST.get("action") == "edit":
        return _form_again(request, case, "decision_form", form, status=400 if form.errors else 200)
    outcome, text = form.cleaned_data["outcome"], form.cleaned_data["text"]
    if request.POST.get("action") != "confirm":
        return render(
            request,
            "cases/decision_preview.html",
            {
                "case": case,
                "form": form,
                "outcome_label": dict(OUTCOME_CHOICES)[outcome],
                "letter": decision.render_letter_body(case, outcome=outcome, text=text),
                "recipient": services.delivery_channel_label(case),
            },
        )
    try:
        services.decide(case, actor=request.user, outcome=outcome, text=text)
    except services.CaseError as exc:
        form.add_error(None, str(exc))
        return _form_again(request, case, "decision_form", form)
    messages.success(
        request, _("The decision has been issued. It is being delivered to the applicant.")
    )
    return _back(case)


@staff.staff_required(*DESK_ROLES)
def hand_over(request, pk: int):
    case = _case(request, pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = HandOverForm(request.POST)
    if form.is_valid():
        try:
            services.hand_over(
                case,
                form.cleaned_data["unit"],
                actor=request.user,
                reason=form.cleaned_data["reason"],
            )
            messages.success(request, _("The case has been handed over."))
            return redirect("cases:inbox")
        except services.CaseError as exc:
            form.add_error(None, str(exc))
    return _form_again(request, case, "handover_form", form)


def _form_again(request, case, name, form, status: int = 400):
    """The case page again with the form's errors (400: the input was wrong), or with the
    form as the caseworker left it (200: back from the preview to change it)."""
    context = _detail_context(request, case, **{name: form})
    context["open_form"] = name
    return render(request, "cases/case_detail.html", context, status=status)


@staff.staff_required(*DESK_ROLES)
def download(request, version_pk: int):
    version = (
        DocumentVersion.objects.select_related("document__case")
        .filter(document__case__in=services.visible_cases(request.user))
        .filter(pk=version_pk)
        .first()
    )
    if version is None:
        raise Http404(_("No such document in your units."))
    services.audit(
        "document.read",
        actor=request.user,
        case=version.document.case,
        detail={"sha256": version.sha256},
    )
    return FileResponse(
        version.file.open("rb"),
        as_attachment=True,
        filename=version.filename,
        content_type=version.mime,
    )


@staff.staff_required(*DESK_ROLES)
def court_file(request, pk: int):
    """Choose documents (GET) and download the court file as a ZIP (POST)."""
    case = _case(request, pk)
    documents = case.documents.prefetch_related("versions")
    error = ""
    if request.method == "POST":
        try:
            archive = services.export_court_file(
                case, request.POST.getlist("documents"), actor=request.user
            )
        except services.CaseError as exc:
            error = str(exc)
        else:
            response = HttpResponse(archive, content_type="application/zip")
            name = f"Gerichtsakte-{case.file_number}.zip"
            response["Content-Disposition"] = f'attachment; filename="{name}"'
            return response
    return render(
        request,
        "cases/court_file.html",
        {"case": case, "documents": documents, "error": error},
        status=400 if error else 200,
    )


@staff.staff_required(Role.TEAM_LEAD)
def assign(request):
    """Team leads give cases to caseworkers of their units: GET lists the open cases of their
    units nobody holds yet; POST (from here, the inbox or a case page) assigns the chosen."""
    if request.method == "POST":
        return _assign_post(request)
    cases = (
        services.visible_cases(request.user, [Role.TEAM_LEAD])
        .exclude(state_kind="done")
        .filter(assignee__isnull=True)
        .order_by("target_at", "received_at", "id")
    )
    page = Paginator(cases, 25).get_page(request.GET.get("seite"))
    return render(
        request,
        "cases/assign.html",
        {"page": page, "assign_form": _assign_form(request.user), "chosen": set()},
    )


def _assign_post(request):
    form = _assign_form(request.user, request.POST)
    chosen = request.POST.getlist("cases")
    errors = []
    if not chosen:
        errors.append(_("Choose at least one case."))
    if form.is_valid() and chosen:
        assignee = form.cleaned_data["assignee"]
        done, refused = services.assign_many(chosen, assignee, actor=request.user)
        errors += [f"{number}: {why}" for number, why in refused]
        if not done and not refused:
            errors.append(_("None of the chosen cases is in your units."))
        if done:
            messages.success(
                request,
                _("%(n)s cases assigned to %(name)s.")
                % {"n": len(done), "name": assignee.get_full_name() or assignee.username},
            )
        if not errors:
            target = request.POST.get("next", "")
            if target.startswith("/") and not target.startswith("//"):
                return redirect(target)
            return redirect("cases:assign")
    cases = (
        services.visible_cases(request.user, [Role.TEAM_LEAD])
        .filter(pk__in=[n for n in map(id_param, chosen) if n is not None])
        .order_by("file_number")
    )
    page = Paginator(cases, 25).get_page(1)
    return render(
        request,
        "cases/assign.html",
        {
            "page": page,
            "assign_form": form,
            "errors": errors,
            "chosen": {str(c) for c in chosen},
        },
        status=400,
    )


AUDIT_PAGE_SIZE = 50


@staff.staff_required(Role.AUDITOR)
def quarantined_original(request, version_pk: int):
    """The auditor's copy of an upload as it came, before neutralising (issue 16 F1): audited,
    a download only (never shown in the browser), for examination with the right tools."""
    version = services.quarantined_original(version_pk, actor=request.user)
    if version is None:
        raise Http404(_("No such document in your units."))
    response = FileResponse(
        version.original.open("rb"),
        as_attachment=True,
        filename=f"{version.filename}.quarantaene",
        content_type="application/octet-stream",
    )
    response["Content-Security-Policy"] = "sandbox"
    return response


@staff.staff_required(Role.AUDITOR)
def audit_trail(request):
    """The auditor's view: the audit trail only (never the cases' contents), filtered and
    paginated, with the state of the hash chain (the same check as `verify_audit`)."""
    form = AuditFilterForm(request.GET or None, actions=services.audit_actions())
    filters = {}
    status = 200
    if form.is_bound:
        if form.is_valid():
            filters = {k: v for k, v in form.cleaned_data.items() if v}
        else:
            status = 400
    entries = services.audit_trail(**filters) if status == 200 else services.audit_trail()
    page = Paginator(entries, AUDIT_PAGE_SIZE).get_page(request.GET.get("seite"))
    chain = services.audit_chain_status(fresh=request.GET.get("pruefen") == "1")
    params = request.GET.copy()
    params.pop("seite", None)
    params.pop("pruefen", None)
    return render(
        request,
        "cases/audit.html",
        {"form": form, "page": page, "chain": chain, "params": params.urlencode()},
        status=status,
    )
