"""Pages of the proposals: the public list and a proposal's page, submitting (account
required), supporting, commenting, reporting abuse, "Meine Vorschläge"; the moderators'
queue and a proposal's moderation page (publish, hide, hide a comment, official answer).

Every page works without JavaScript (the map only adds to the municipality and the text).
Visibility: a proposal is public once published; before that (or hidden) only its author
and the moderators (with their second factor in this session) see it — everyone else 404.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from openkreis.core.staff import Role, mfa_verified, staff_required

from . import proposals
from .forms_proposals import AbuseForm, AnswerForm, CommentForm, ProposalForm, ReasonForm
from .models_proposals import AbuseReport, Comment, Proposal

PAGE_SIZE = 20
SORTS = {"neu": ("-created_at", "-id"), "unterstuetzt": ("-supporters_count", "-created_at")}
STATUS_FILTERS = {"offen", *(value for value in Proposal.Answer.values if value)}


def _private(response):
    response["Cache-Control"] = "private, no-store"
    return response


def _moderator(request) -> bool:
    """A moderator who proved the second factor in this session sees every proposal."""
    return proposals.is_moderator(request.user) and mfa_verified(request)


def _visible(request, public_id: str) -> Proposal:
    return get_object_or_404(
        proposals.visible_to(request.user, moderator=_moderator(request)), public_id=public_id
    )


def _map_context() -> dict:
    return {
        "map_tiles": getattr(settings, "OPENKREIS_MAP_TILE_URL", ""),
        "map_attribution": getattr(settings, "OPENKREIS_MAP_ATTRIBUTION", ""),
    }


# -- public -------------------------------------------------------------------------------------
def proposal_list(request):
    qs = proposals.public_proposals()
    towns = list(proposals.municipalities())
    ars = request.GET.get("gemeinde", "")
    if ars and any(t.ars == ars for t in towns):
        qs = qs.filter(municipality__ars=ars)
    else:
        ars = ""
    status = request.GET.get("status", "")
    if status == "offen":
        qs = qs.filter(status="")
    elif status in STATUS_FILTERS:
        qs = qs.filter(status=status)
    else:
        status = ""
    sort = request.GET.get("sortierung", "neu")
    if sort not in SORTS:
        sort = "neu"
    qs = qs.order_by(*SORTS[sort])
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("seite"))
    params = urlencode({k: v for k, v in (("gemeinde", ars), ("status", status)) if v})
    params = "&".join(p for p in (params, f"sortierung={sort}") if p)
    return render(
        request,
        "participation/proposals/list.html",
        {
            "page": page,
            "params": params,
            "towns": towns,
            "ars": ars,
            "status": status,
            "sort": sort,
            "statuses": [(v, label) for v, label in Proposal.Answer.choices if v],
        },
    )


def _detail(request, proposal: Proposal, *, status: int = 200, **forms):
    user = request.user
    comments = proposal.comments.select_related("author")
    if not _moderator(request):
        comments = comments.filter(moderation=Proposal.Moderation.PUBLISHED)
    context = {
        "proposal": proposal,
        "comments": comments,
        "is_author": user.is_authenticated and proposal.author_id == user.pk,
        "supports": proposals.supports(user, proposal),
        "moderator": _moderator(request),
        "comment_form": forms.get("comment_form") or CommentForm(),
        "abuse_form": forms.get("abuse_form") or AbuseForm(),
        "abuse_target": forms.get("abuse_target"),
        # the proposal's own report form (the bound one only when it was the one sent)
        "proposal_abuse_form": (
            AbuseForm() if forms.get("abuse_target") else forms.get("abuse_form") or AbuseForm()
        ),
        **_map_context(),
    }
    response = render(request, "participation/proposals/detail.html", context, status=status)
    if proposal.moderation != Proposal.Moderation.PUBLISHED or user.is_authenticated:
        _private(response)
    return response


def proposal_detail(request, public_id: str):
    return _detail(request, _visible(request, public_id))


def proposal_photo(request, public_id: str):
    """The photo of a proposal: to everyone once published, before that to its author and the
    moderators only (the file lies outside the public media folder)."""
    proposal = _visible(request, public_id)
    if not proposal.photo:
        raise Http404
    response = FileResponse(proposal.photo.open("rb"), content_type="image/jpeg")
    published = proposal.moderation == Proposal.Moderation.PUBLISHED
    response["Cache-Control"] = "public, max-age=3600" if published else "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_http_methods(["GET", "POST"])
@login_required
def proposal_new(request):
    form = ProposalForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            proposal = proposals.submit(request.user, form.submission())
        except proposals.ProposalError as exc:
            form.add_error(None, str(exc))
        else:
            if proposal.moderation == Proposal.Moderation.PUBLISHED:
                messages.success(request, _("Thank you. Your proposal is published."))
            else:
                messages.success(
                    request,
                    _(
                        "Thank you. Your proposal is waiting for moderation. We will let you "
                        "know in your mailbox when it is published."
                    ),
                )
            return redirect("participation:proposal", proposal.public_id)
    status = 400 if request.method == "POST" else 200
    response = render(
        request,
        "participation/proposals/form.html",
        {"form": form, "before": proposals.moderation_mode() == proposals.MODERATION_BEFORE}
        | _map_context(),
        status=status,
    )
    response["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(self), payment=()"
    return _private(response)


@login_required
def my_proposals(request):
    page = Paginator(proposals.proposals_of(request.user), PAGE_SIZE).get_page(
        request.GET.get("seite")
    )
    return _private(
        render(request, "participation/proposals/mine.html", {"page": page, "params": ""})
    )


@require_POST
@login_required
def proposal_support(request, public_id: str):
    proposal = _visible(request, public_id)
    try:
        if request.POST.get("action") == "withdraw":
            if proposals.withdraw_support(request.user, proposal):
                messages.success(request, _("You no longer support this proposal."))
        elif proposals.support(request.user, proposal):
            messages.success(request, _("Thank you for your support."))
        else:
            messages.info(request, _("You already support this proposal."))
    except proposals.ProposalError as exc:
        messages.error(request, str(exc))
        return _detail(request, proposal, status=400)
    return redirect("participation:proposal", proposal.public_id)


@require_POST
@login_required
def proposal_comment(request, public_id: str):
    proposal = _visible(request, public_id)
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            proposals.add_comment(
                request.user,
                proposal,
                form.cleaned_data["text"],
                show_name=form.cleaned_data["show_name"],
            )
        except proposals.ProposalError as exc:
            form.add_error("text", str(exc))
        else:
            messages.success(request, _("Your comment is published."))
            return redirect("participation:proposal", proposal.public_id)
    return _detail(request, proposal, status=400, comment_form=form)


@require_POST
@login_required
def proposal_abuse(request, public_id: str):
    proposal = _visible(request, public_id)
    form = AbuseForm(request.POST)
    comment = None
    if form.is_valid() and form.cleaned_data.get("comment"):
        comment = proposal.comments.filter(
            pk=form.cleaned_data["comment"], moderation=Proposal.Moderation.PUBLISHED
        ).first()
        if comment is None:
            raise Http404
    if form.is_valid():
        try:
            proposals.report_abuse(
                request.user,
                proposal=None if comment else proposal,
                comment=comment,
                reason=form.cleaned_data["reason"],
            )
        except proposals.ProposalError as exc:
            form.add_error("reason", str(exc))
        else:
            messages.success(request, _("Thank you. A moderator will look at it."))
            return redirect("participation:proposal", proposal.public_id)
    return _detail(request, proposal, status=400, abuse_form=form, abuse_target=comment)


# -- moderators ---------------------------------------------------------------------------------
MODERATOR = (Role.PROPOSAL_MODERATOR,)


@staff_required(*MODERATOR)
def moderation_home(request):
    pending = Proposal.objects.filter(moderation=Proposal.Moderation.PENDING).select_related(
        "municipality"
    )
    queue = Paginator(pending.order_by("created_at", "id"), PAGE_SIZE).get_page(
        request.GET.get("seite")
    )
    unanswered = (
        proposals.public_proposals()
        .filter(status="")
        .order_by("-supporters_count", "created_at")[:PAGE_SIZE]
    )
    return _private(
        render(
            request,
            "participation/moderation/home.html",
            {
                "queue": queue,
                "params": "",
                "reports": proposals.open_reports()[:100],
                "unanswered": unanswered,
                "mode": proposals.moderation_mode(),
            },
        )
    )


@require_http_methods(["GET", "POST"])
@staff_required(*MODERATOR)
def moderation_proposal(request, public_id: str):
    proposal = get_object_or_404(
        Proposal.objects.select_related("municipality", "answer_unit"), public_id=public_id
    )
    hide_form = ReasonForm(prefix="hide")
    initial = {
        "status": proposal.status or None,
        "text": proposal.answer,
        "unit": proposal.answer_unit_id,
        "circle": proposal.circle,
    }
    answer_form = AnswerForm(initial=initial)
    comment_forms: dict[int, ReasonForm] = {}
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            done = _moderate(request, proposal, action, comment_forms)
        except proposals.ProposalError as exc:
            messages.error(request, str(exc))
            done = None
        if done is True:
            return redirect("participation:moderation_proposal", proposal.public_id)
        if isinstance(done, ReasonForm) and action == "hide":
            hide_form = done
        elif isinstance(done, AnswerForm):
            answer_form = done
        status = 400
        proposal.refresh_from_db()
    comments = list(proposal.comments.select_related("author"))
    for comment in comments:
        comment.hide_form = comment_forms.get(comment.pk) or ReasonForm(prefix=f"c{comment.pk}")
    return _private(
        render(
            request,
            "participation/moderation/proposal.html",
            {
                "proposal": proposal,
                "hide_form": hide_form,
                "answer_form": answer_form,
                "comments": comments,
                "reports": proposal.abuse_reports.filter(outcome=AbuseReport.Outcome.OPEN),
                **_map_context(),
            },
            status=status,
        )
    )


def _moderate(request, proposal, action, comment_forms):
    """Run one moderation action; True when done, else the bound form with its errors."""
    user = request.user
    if action == "publish":
        proposals.publish(proposal, user)
        messages.success(request, _("The proposal is published. The author was told."))
        return True
    if action == "hide":
        form = ReasonForm(request.POST, prefix="hide")
        if not form.is_valid():
            return form
        proposals.hide(proposal, user, form.cleaned_data["reason"])
        messages.success(request, _("The proposal is hidden. The author was told why."))
        return True
    if action == "answer":
        form = AnswerForm(request.POST)
        if not form.is_valid():
            return form
        data = form.cleaned_data
        proposals.answer(
            proposal,
            user,
            status=data["status"],
            text=data["text"],
            unit=data["unit"],
            circle=data["circle"],
        )
        messages.success(
            request, _("The answer is published. The author and supporters were told.")
        )
        return True
    if action == "hide_comment":
        comment = get_object_or_404(
            Comment, pk=_int(request.POST.get("comment")), proposal=proposal
        )
        form = ReasonForm(request.POST, prefix=f"c{comment.pk}")
        if not form.is_valid():
            comment_forms[comment.pk] = form
            return form
        proposals.hide_comment(comment, user, form.cleaned_data["reason"])
        messages.success(request, _("The comment is hidden. Its author was told why."))
        return True
    if action == "keep":
        report = get_object_or_404(
            AbuseReport.objects.filter(Q(proposal=proposal) | Q(comment__proposal=proposal)),
            pk=_int(request.POST.get("report")),
        )
        proposals.keep(report, user)
        messages.success(request, _("The report is closed; nothing was hidden."))
        return True
    raise proposals.ProposalError(_("Please choose an action."))


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Http404 from None
