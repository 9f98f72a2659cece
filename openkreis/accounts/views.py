"""Mein Konto: profile, secure mailbox (Postfach), companies, data export and deletion.

Every view needs a logged-in account and looks objects up only among the account's own
(and its companies') — anyone else's id answers 404, never 403, so ids reveal nothing."""

from __future__ import annotations

import json
import uuid

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from openkreis.core.params import id_param, oversized_upload

from . import services
from .forms import CompanyForm, DeleteAccountForm, MemberForm, ProfileForm, ReplyForm
from .models import Attachment, Company, Message


def _errors(form) -> list[tuple[str, str]]:
    """(anchor, message) pairs for the error summary, each linking to its field."""
    return [
        (f"id_{name}" if name != "__all__" else "main", error)
        for name, errors in form.errors.items()
        for error in errors
    ]


@login_required
@require_http_methods(["GET", "POST"])
def overview(request):
    """Mein Konto: the profile (stored once, prefilled into forms) and links to the rest."""
    profile = services.get_or_create_profile(request.user)
    initial = {
        "first_name": profile.first_name,
        "last_name": profile.last_name,
        "birth_date": profile.birth_date.strftime("%d.%m.%Y") if profile.birth_date else "",
        "street": profile.street,
        "postcode": profile.postcode,
        "city": profile.city,
        "phone": profile.phone,
    }
    status = 200
    if request.method == "POST":
        form = ProfileForm(request.POST)
        if form.is_valid():
            try:
                services.update_profile(request.user, **form.cleaned_data)
            except services.AccountError as exc:
                form.add_error("birth_date", str(exc))
            else:
                messages.success(
                    request, _("Your details were saved. We fill them into your next applications.")
                )
                return redirect("accounts:overview")
        status = 400
    else:
        form = ProfileForm(initial=initial)
    return render(
        request,
        "accounts/overview.html",
        {
            "form": form,
            "errors": _errors(form) if form.is_bound else [],
            "unread": services.unread_count(request.user),
            "companies": services.companies_of(request.user),
            "has_totp": services._has_totp(request.user),
        },
        status=status,
    )


@login_required
def mailbox(request):
    """Postfach: one row per case thread, newest first, with unread counts."""
    rows = services.threads(request.user)
    page = Paginator(rows, 20).get_page(request.GET.get("seite"))
    return render(
        request,
        "accounts/mailbox.html",
        {"page": page, "params": "", "unread": services.unread_count(request.user)},
    )


def _message(request, pk) -> Message:
    try:
        return services.get_message(request.user, pk)
    except Message.DoesNotExist as exc:
        raise Http404(_("No such message in your mailbox.")) from exc


def _reply_sent(files: int) -> str:
    """The confirmation after a reply: what happened and what comes next."""
    if files:
        return ngettext(
            "Your reply was sent to the office. %(n)s document is in your case file now; we "
            "tell you by e-mail when there is news.",
            "Your reply was sent to the office. %(n)s documents are in your case file now; we "
            "tell you by e-mail when there is news.",
            files,
        ) % {"n": files}
    return _("Your reply was sent to the office. We tell you by e-mail when there is news.")


@login_required
@require_http_methods(["GET", "POST"])
def message(request, pk):
    """One thread (all messages of the case); reading marks it read; reply with files."""
    current = _message(request, pk)
    status = 200
    error = ""
    # Bound on every POST: a reply with files only has an empty request.POST (falsy).
    form = ReplyForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        too_large = oversized_upload(request.FILES.getlist("attachments"))
        if too_large:
            error = too_large
        elif form.is_valid():
            try:
                answer = services.reply(
                    request.user,
                    current,
                    body=form.cleaned_data["body"],
                    files=request.FILES.getlist("attachments"),
                )
            except services.AccountError as exc:
                error = str(exc)
            else:
                messages.success(request, _reply_sent(answer.attachments.count()))
                return redirect("accounts:message", pk=pk)
        else:
            error = " ".join(e for errs in form.errors.values() for e in errs)
        status = 400
    services.mark_read(request.user, current)
    thread = services.thread_of(request.user, current)
    return render(
        request,
        "accounts/message.html",
        {
            "current": current,
            "thread": thread,
            "form": form,
            "errors": [("id_body", error)] if error else [],
            "max_files": services.MAX_REPLY_FILES,
        },
        status=status,
    )


@login_required
def case_thread(request, case_id):
    """The mailbox thread of one case — where "Meine Anträge" sends the citizen to read the
    letters and upload requested documents. Opens the newest request for documents (else the
    newest message); a case the account may not see answers 404."""
    message = services.thread_entry(request.user, case_id)
    if message is None:
        if not services.may_see_case(request.user, case_id):
            raise Http404(_("No such message in your mailbox."))
        messages.info(
            request,
            _(
                "There is no message about this application in your mailbox yet. We tell you "
                "by e-mail as soon as there is one."
            ),
        )
        return redirect("accounts:mailbox")
    url = reverse("accounts:message", kwargs={"pk": message.public_id})
    return redirect(url + ("#antwort" if message.kind == Message.Kind.REQUEST else ""))


@login_required
def attachment(request, pk):
    """Download an attachment — only its owner (or a member of its company) gets it."""
    try:
        item = services.attachment_for(request.user, pk)
    except Attachment.DoesNotExist as exc:
        raise Http404(_("No such attachment in your mailbox.")) from exc
    response = FileResponse(
        item.file.open("rb"), as_attachment=True, filename=item.name, content_type=item.mime
    )
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def data_export(request):
    """GDPR Art. 15: the page, and with ?format=json the file with all stored data."""
    if request.GET.get("format") != "json":
        return render(request, "accounts/data.html")
    data = services.export_data(request.user)
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False, indent=2, default=str),
        content_type="application/json; charset=utf-8",
    )
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="meine-daten-{stamp}.json"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def delete_account(request):
    """GDPR Art. 17: delete the account after typing its e-mail address."""
    form = DeleteAccountForm(request.POST or None, user=request.user)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            user = request.user
            try:
                services.delete_account(user)
            except services.AccountError as exc:
                form.add_error(None, str(exc))
            else:
                logout(request)
                messages.success(request, _("Your account was deleted and you are logged out."))
                return redirect("/")
        status = 400
    return render(
        request,
        "accounts/delete.html",
        {"form": form, "errors": _errors(form) if form.is_bound else []},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def companies(request):
    """The companies this account acts for; create a new company account."""
    form = CompanyForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                company = services.create_company(request.user, **form.cleaned_data)
            except services.AccountError as exc:
                form.add_error("name", str(exc))
            else:
                messages.success(
                    request,
                    _(
                        "The company account was created. You can now add the people who act "
                        "for it."
                    ),
                )
                return redirect("accounts:company", pk=company.public_id)
        status = 400
    return render(
        request,
        "accounts/companies.html",
        {
            "companies": services.companies_of(request.user),
            "form": form,
            "errors": _errors(form) if form.is_bound else [],
        },
        status=status,
    )


def _company(request, pk) -> Company:
    try:
        return services.company_for(request.user, pk)
    except Company.DoesNotExist as exc:
        raise Http404(_("No such company among yours.")) from exc


@login_required
@require_http_methods(["GET", "POST"])
def company(request, pk):
    """A company: members (administrators add and remove), its applications, and filing
    one's own application for the company."""
    company = _company(request, pk)
    me = services.membership(request.user, company)
    member_form = MemberForm(request.POST if request.POST.get("action") == "add" else None)
    error = ""
    status = 200
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "add":
                if not member_form.is_valid():
                    raise services.AccountError(
                        " ".join(e for errs in member_form.errors.values() for e in errs)
                    )
                services.invite_member(company, actor=request.user, **member_form.cleaned_data)
                messages.success(
                    request,
                    _(
                        "The invitation was sent to this address. The person becomes a member "
                        "only when they accept it with their account."
                    ),
                )
            elif action == "withdraw":
                try:
                    invitation_id = uuid.UUID(request.POST.get("invitation", ""))
                except ValueError as exc:
                    raise services.AccountError(_("No such invitation.")) from exc
                services.withdraw_invitation(
                    company, actor=request.user, invitation_id=invitation_id
                )
                messages.success(request, _("The invitation was withdrawn."))
            elif action == "remove":
                member_id = id_param(request.POST.get("member"))
                if member_id is None:
                    raise services.AccountError(_("No such member."))
                services.remove_member(company, actor=request.user, member_id=member_id)
                messages.success(
                    request,
                    _("The member was removed and no longer sees the company's applications."),
                )
            elif action == "leave":
                services.leave_company(request.user, company)
                messages.success(request, _("You left the company."))
                return redirect("accounts:companies")
            elif action == "file":
                case_id = id_param(request.POST.get("case"))
                if case_id is None:
                    raise services.AccountError(_("Choose one of your applications."))
                services.file_for_company(request.user, company, case_id)
                messages.success(
                    request,
                    _(
                        "The application now belongs to the company. Every member sees it, and "
                        "its letters arrive in the company's mailbox."
                    ),
                )
            else:
                raise services.AccountError(_("Unknown action."))
        except services.AccountError as exc:
            error = str(exc)
            status = 400
        else:
            return redirect("accounts:company", pk=pk)
    linked = set(services.company_case_ids(company))
    own_cases = [c for c in services.cases_of_account(request.user)[:100] if c.pk not in linked]
    return render(
        request,
        "accounts/company.html",
        {
            "company": company,
            "me": me,
            "is_admin": me.role == "admin",
            "members": company.memberships.select_related("user").order_by("created_at"),
            "applications": services.company_applications(request.user, company),
            "own_cases": own_cases,
            "member_form": member_form,
            "invitations": services.pending_invitations(company) if me.role == "admin" else [],
            "error": error,
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def invitation(request, token):
    """An invitation to act for a company: the invitee sees which company invites them and
    accepts or declines. Unknown, used or expired links answer 404."""
    invitation = services.invitation_for_token(token)
    if invitation is None:
        raise Http404(_("This invitation is no longer valid. Ask the company for a new one."))
    error = ""
    status = 200
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "accept":
                member = services.accept_invitation(request.user, token)
                messages.success(
                    request,
                    _("You now act for %(company)s.") % {"company": member.company.name},
                )
                return redirect("accounts:company", pk=member.company.public_id)
            if action == "decline":
                services.decline_invitation(request.user, token)
                messages.success(request, _("You declined the invitation."))
                return redirect("accounts:companies")
            raise services.AccountError(_("Unknown action."))
        except services.AccountError as exc:
            error = str(exc)
            status = 400
    return render(
        request,
        "accounts/invitation.html",
        {"invitation": invitation, "token": token, "error": error},
        status=status,
    )


@login_required
@require_POST
def mark_all_read(request):
    for row in services.threads(request.user):
        services.mark_read(request.user, row["latest"])
    return redirect("accounts:mailbox")
