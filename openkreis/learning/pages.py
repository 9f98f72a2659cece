"""The Digitale Werkstatt's knowledge base: guides as Wagtail pages under the site's home
page, published with four eyes (docs/learning.md).

A workflow "Vier-Augen-Prinzip" with one FourEyesApprovalTask for the group
"Werkstatt-Redaktion (Freigabe)" is assigned to the guide index. Authors
("Werkstatt-Redaktion") may add and edit guides but not publish. Wagtail lets any member of
the task's groups approve; the task refuses the member who submitted the guide."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.admin.panels import FieldPanel
from wagtail.fields import StreamField
from wagtail.images.blocks import ImageChooserBlock
from wagtail.models import (
    GroupApprovalTask,
    GroupPagePermission,
    Page,
    Site,
    Workflow,
    WorkflowPage,
    WorkflowTask,
)

from openkreis.core.loader import LoadReport, TenantDataError, read_yaml

from .models import AdviceOffer

AUTHORS = "Werkstatt-Redaktion"
REVIEWERS = "Werkstatt-Redaktion (Freigabe)"
WORKFLOW = "Vier-Augen-Prinzip"
INDEX_SLUG = "werkstatt-ratgeber"
GUIDES_FILE = "learning/werkstatt_guides.yaml"

GUIDE_BLOCKS = [
    ("heading", blocks.CharBlock(form_classname="title", label=_("Heading"))),
    ("paragraph", blocks.RichTextBlock(features=["bold", "italic", "link", "ol", "ul"])),
    (
        "image",
        blocks.StructBlock(
            [
                ("image", ImageChooserBlock()),
                ("alt", blocks.CharBlock(label=_("Text alternative"))),
                ("caption", blocks.CharBlock(required=False)),
            ],
            label=_("Image"),
        ),
    ),
    (
        "link",
        blocks.StructBlock(
            [("title", blocks.CharBlock()), ("url", blocks.URLBlock())], label=_("Link")
        ),
    ),
]


class GuideIndexPage(Page):
    """The guides of the Digitale Werkstatt (one per site)."""

    intro = models.TextField(blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    parent_page_types = ["portal.HomePage"]
    subpage_types = ["learning.GuidePage"]
    max_count = 1
    template = "learning/guide_index.html"

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["guides"] = GuidePage.objects.child_of(self).live().public().order_by("title")
        return context


class GuidePage(Page):
    """A guide: plain-language help on a topic, for an audience, reviewed regularly."""

    intro = models.TextField(_("introduction"), blank=True)
    body = StreamField(GUIDE_BLOCKS, blank=True)
    audience = models.CharField(max_length=10, choices=AdviceOffer.Audience.choices, blank=True)
    topic = models.CharField(max_length=100, blank=True)
    last_reviewed = models.DateField(_("last reviewed"), null=True, blank=True)

    content_panels = [
        *Page.content_panels,
        FieldPanel("intro"),
        FieldPanel("body"),
        FieldPanel("audience"),
        FieldPanel("topic"),
        FieldPanel("last_reviewed"),
    ]
    parent_page_types = ["learning.GuideIndexPage"]
    subpage_types: list[str] = []
    template = "learning/guide_page.html"


class FourEyesApprovalTask(GroupApprovalTask):
    """A group approval that the person who submitted cannot approve (four eyes)."""

    @staticmethod
    def _submitter_id(obj) -> int | None:
        state = getattr(obj, "current_workflow_state", None)
        return state.requested_by_id if state is not None else None

    def get_actions(self, obj, user):
        actions = super().get_actions(obj, user)
        if user.pk is not None and self._submitter_id(obj) == user.pk:
            # the submitter may only withdraw (request changes), never approve
            return [action for action in actions if action[0] != "approve"]
        return actions

    def on_action(self, task_state, user, action_name, **kwargs):
        submitted_by = task_state.workflow_state.requested_by_id
        if action_name == "approve" and user is not None and submitted_by == user.pk:
            raise PermissionDenied(_("A second person must approve what you submitted."))
        return super().on_action(task_state, user, action_name, **kwargs)

    class Meta:
        verbose_name = _("Four-eyes approval")
        verbose_name_plural = _("Four-eyes approvals")


def guide_index() -> GuideIndexPage | None:
    return GuideIndexPage.objects.live().first()


def guides_for_werkstatt(limit: int = 12) -> list[GuidePage]:
    """Published guides for the Werkstatt's page."""
    return list(GuidePage.objects.live().public().order_by("title")[:limit])


# -- set-up (demo step) -----------------------------------------------------------------------
def _page_permissions(group: Group, page: Page, codenames: list[str]) -> None:
    for codename in codenames:
        permission = Permission.objects.get(
            content_type__app_label="wagtailcore", codename=codename
        )
        GroupPagePermission.objects.get_or_create(group=group, page=page, permission=permission)


def _groups() -> tuple[Group, Group]:
    admin = Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin")
    authors, _created = Group.objects.get_or_create(name=AUTHORS)
    reviewers, _created = Group.objects.get_or_create(name=REVIEWERS)
    authors.permissions.add(admin)
    reviewers.permissions.add(admin)
    return authors, reviewers


def _body(items: list) -> list[dict]:
    result = []
    for item in items or []:
        if isinstance(item, dict) and "heading" in item:
            result.append({"type": "heading", "value": str(item["heading"])})
        elif isinstance(item, dict) and "list" in item:
            entries = "".join(f"<li>{entry}</li>" for entry in item["list"])
            result.append({"type": "paragraph", "value": f"<ul>{entries}</ul>"})
        elif isinstance(item, dict) and "link" in item:
            result.append({"type": "link", "value": dict(item["link"])})
        else:
            result.append({"type": "paragraph", "value": f"<p>{item}</p>"})
    return result


@transaction.atomic
def ensure_guides(folder: Path | None = None) -> LoadReport:
    """Idempotent: the guide index under the home page, the author and reviewer groups with
    their page permissions, the four-eyes workflow on the index, and the guides of
    tenants/<slug>/learning/werkstatt_guides.yaml (created once; editors own them after)."""
    report = LoadReport()
    site = Site.objects.filter(is_default_site=True).select_related("root_page").first()
    if site is None:
        return report
    home = site.root_page
    index = GuideIndexPage.objects.first()
    data = read_yaml(folder / GUIDES_FILE) if folder and (folder / GUIDES_FILE).exists() else {}
    if index is None:
        index = GuideIndexPage(
            title=str(data.get("title") or "Ratgeber der Digitalen Werkstatt"),
            slug=INDEX_SLUG,
            intro=str(data.get("intro") or ""),
        )
        home.add_child(instance=index)
        index.save_revision().publish()
        report.created += 1
    authors, reviewers = _groups()
    _page_permissions(authors, index, ["add_page", "change_page"])
    _page_permissions(reviewers, index, ["add_page", "change_page", "publish_page"])
    task = FourEyesApprovalTask.objects.filter(name=REVIEWERS).first()
    if task is None:
        task = FourEyesApprovalTask.objects.create(name=REVIEWERS)
        report.created += 1
    task.groups.set([reviewers])
    workflow, created = Workflow.objects.get_or_create(name=WORKFLOW)
    report.created += created
    WorkflowTask.objects.get_or_create(workflow=workflow, task=task, defaults={"sort_order": 0})
    WorkflowPage.objects.update_or_create(page=index, defaults={"workflow": workflow})
    for position, spec in enumerate(data.get("guides") or []):
        slug = str(spec.get("slug") or "")
        if not slug or not spec.get("title"):
            raise TenantDataError(f"{GUIDES_FILE}: guides[{position}]: slug and title needed")
        if index.get_children().filter(slug=slug).exists():
            continue
        audience = str(spec.get("audience") or "")
        if audience and audience not in AdviceOffer.Audience.values:
            raise TenantDataError(f"{GUIDES_FILE}: guide {slug}: unknown audience {audience!r}")
        reviewed = spec.get("last_reviewed")
        page = GuidePage(
            title=str(spec["title"]),
            slug=slug,
            intro=str(spec.get("intro") or ""),
            body=_body(spec.get("body")),
            audience=audience,
            topic=str(spec.get("topic") or ""),
            last_reviewed=reviewed if isinstance(reviewed, dt.date) else None,
        )
        index.add_child(instance=page)
        page.save_revision().publish()
        report.created += 1
    return report


def load_demo(tenant, folder: Path, report: LoadReport) -> None:
    """Demo step "learning-werkstatt-guides"."""
    report.merge(ensure_guides(folder))
