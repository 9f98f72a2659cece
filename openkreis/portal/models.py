"""Editorial pages of the portal (Wagtail). Service pages come from the catalogue."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page

from openkreis.catalog import services as catalog
from openkreis.core import services as core

BODY_BLOCKS = [
    ("heading", blocks.CharBlock(form_classname="title", label=_("Heading"))),
    ("paragraph", blocks.RichTextBlock(features=["bold", "italic", "link", "ol", "ul"])),
]


class HomePage(Page):
    """The start page: search first, most-used services, life situations, offices, news."""

    intro = models.CharField(max_length=300, blank=True)
    intro_en = models.CharField(max_length=300, blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro"), FieldPanel("intro_en")]
    max_count = 1
    subpage_types = [
        "portal.ContentPage",
        "portal.LifeEventIndexPage",
        "portal.NewsIndexPage",
        "portal.AccessibilityStatementPage",
        "portal.EasyLanguagePage",
        "portal.SignLanguagePage",
    ]

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        tenant = core.current_tenant()
        context["top_services"] = catalog.most_used(tenant) if tenant else []
        context["life_event_pages"] = (
            LifeEventPage.objects.live().public().select_related("life_event").order_by("path")
        )
        context["offices"] = (
            tenant.administration.locations.prefetch_related("opening_hours")
            if tenant and tenant.administration
            else []
        )
        context["news"] = NewsPage.objects.live().public().order_by("-date")[:3]
        return context


class ContentPage(Page):
    """A plain page: imprint, privacy notice, accessibility statement, help."""

    body = StreamField(BODY_BLOCKS, blank=True)
    content_panels = [*Page.content_panels, FieldPanel("body")]
    subpage_types = ["portal.ContentPage"]


class LifeEventIndexPage(Page):
    intro = RichTextField(blank=True)
    content_panels = [*Page.content_panels, FieldPanel("intro")]
    subpage_types = ["portal.LifeEventPage"]
    max_count = 1

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["pages"] = self.get_children().live().public().specific().order_by("path")
        return context


class LifeEventPage(Page):
    """A life situation ("Ich ziehe um") with an editorial text and its services."""

    life_event = models.ForeignKey(
        "catalog.LifeEvent", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    intro = RichTextField(blank=True)
    content_panels = [*Page.content_panels, FieldPanel("life_event"), FieldPanel("intro")]
    parent_page_types = ["portal.LifeEventIndexPage"]
    subpage_types: list[str] = []

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["services"] = (
            self.life_event.services.order_by("-popularity", "name") if self.life_event else []
        )
        return context


class NewsIndexPage(Page):
    subpage_types = ["portal.NewsPage"]
    max_count = 1

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["items"] = NewsPage.objects.child_of(self).live().public().order_by("-date")[:50]
        return context


class NewsPage(Page):
    date = models.DateField(_("date"))
    teaser = models.CharField(max_length=300)
    body = StreamField(BODY_BLOCKS, blank=True)
    content_panels = [
        *Page.content_panels,
        FieldPanel("date"),
        FieldPanel("teaser"),
        FieldPanel("body"),
    ]
    parent_page_types = ["portal.NewsIndexPage"]
    subpage_types: list[str] = []


# --------------------------------------------------------------------------- accessibility
# BITV 2.0 / BGG LSA: the accessibility statement (EU model, Implementing Decision (EU)
# 2018/1523), information in Leichte Sprache and in German Sign Language. See
# docs/accessibility.md for what a county fills in.


class ConformityStatus(models.TextChoices):
    # The three statuses of the EU model statement, in its German wording.
    FULL = "full", _("fully compliant")
    PARTIAL = "partial", _("partially compliant")
    NONE = "none", _("not compliant")


class BarrierBlock(blocks.StructBlock):
    """One known barrier: what is not accessible, why, and the accessible alternative."""

    what = blocks.CharBlock(label=_("What is not accessible"))
    reason = blocks.TextBlock(label=_("Why"), required=False)
    alternative = blocks.TextBlock(label=_("Accessible alternative"), required=False)

    class Meta:
        icon = "warning"
        label = _("Known barrier")


class AccessibilityStatementPage(Page):
    """The accessibility statement (Erklärung zur Barrierefreiheit) of the portal: dates,
    conformity status, known barriers, the feedback contact and the enforcement procedure.
    The feedback form (portal:barrier_report) sends its reports to `contact_email`."""

    intro = models.TextField(_("scope"), blank=True)
    legal_basis = models.CharField(_("legal basis"), max_length=300, blank=True)
    status = models.CharField(
        _("conformity status"),
        max_length=10,
        choices=ConformityStatus.choices,
        default=ConformityStatus.PARTIAL,
    )
    standard = models.CharField(
        _("standard"), max_length=200, default="WCAG 2.1, Konformitätsstufe AA (EN 301 549)"
    )
    barriers = StreamField([("barrier", BarrierBlock())], blank=True)
    prepared_on = models.DateField(_("statement prepared on"))
    reviewed_on = models.DateField(_("statement last reviewed on"))
    method = models.TextField(_("method of the assessment"), blank=True)
    contact_name = models.CharField(_("contact: name or office"), max_length=200)
    contact_role = models.CharField(_("contact: role"), max_length=200, blank=True)
    contact_email = models.EmailField(_("contact: e-mail"))
    contact_phone = models.CharField(_("contact: telephone"), max_length=60, blank=True)
    contact_address = models.TextField(_("contact: postal address"), blank=True)
    answer_weeks = models.PositiveSmallIntegerField(
        _("answer within (weeks)"),
        default=6,
        help_text=_("The period the county promises for answering feedback."),
    )
    enforcement_text = models.TextField(_("enforcement procedure: when to use it"), blank=True)
    enforcement_name = models.CharField(_("enforcement body: name"), max_length=300)
    enforcement_address = models.TextField(_("enforcement body: address"), blank=True)
    enforcement_email = models.EmailField(_("enforcement body: e-mail"), blank=True)
    enforcement_phone = models.CharField(
        _("enforcement body: telephone"), max_length=60, blank=True
    )
    enforcement_website = models.URLField(_("enforcement body: website"), blank=True)

    content_panels = [
        *Page.content_panels,
        FieldPanel("intro"),
        FieldPanel("legal_basis"),
        MultiFieldPanel(
            [FieldPanel("status"), FieldPanel("standard"), FieldPanel("barriers")],
            heading=_("Conformity"),
        ),
        MultiFieldPanel(
            [FieldPanel("prepared_on"), FieldPanel("reviewed_on"), FieldPanel("method")],
            heading=_("Preparation of this statement"),
        ),
        MultiFieldPanel(
            [
                FieldPanel("contact_name"),
                FieldPanel("contact_role"),
                FieldPanel("contact_email"),
                FieldPanel("contact_phone"),
                FieldPanel("contact_address"),
                FieldPanel("answer_weeks"),
            ],
            heading=_("Feedback and contact"),
        ),
        MultiFieldPanel(
            [
                FieldPanel("enforcement_text"),
                FieldPanel("enforcement_name"),
                FieldPanel("enforcement_address"),
                FieldPanel("enforcement_email"),
                FieldPanel("enforcement_phone"),
                FieldPanel("enforcement_website"),
            ],
            heading=_("Enforcement procedure"),
        ),
    ]
    parent_page_types = ["portal.HomePage"]
    subpage_types: list[str] = []
    max_count = 1

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["easy_language_version"] = easy_language_version(self)
        return context


class EasyLanguagePage(Page):
    """A page in Leichte Sprache. Always German (`lang="de"`), also under /en/; it links to
    the page in standard language (`standard_page`) and that page links back."""

    body = StreamField(BODY_BLOCKS, blank=True)
    standard_page = models.ForeignKey(
        Page,
        verbose_name=_("the same content in standard language"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    standard_url = models.CharField(
        _("or its address, when it is no editorial page"),
        max_length=200,
        blank=True,
        help_text=_("For example /termine/ or /leistungen/."),
    )
    content_panels = [
        *Page.content_panels,
        FieldPanel("standard_page"),
        FieldPanel("standard_url"),
        FieldPanel("body"),
    ]
    parent_page_types = ["portal.HomePage", "portal.EasyLanguagePage"]
    subpage_types = ["portal.EasyLanguagePage"]

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["children"] = self.get_children().live().public().order_by("path")
        parent = self.get_parent().specific
        context["easy_parent"] = parent if isinstance(parent, EasyLanguagePage) else None
        return context

    def serve(self, request, *args, **kwargs):
        # Leichte Sprache exists in German only: the whole page is German, also under /en/.
        with translation.override("de"):
            response = super().serve(request, *args, **kwargs)
            response.render()
        response.headers["Content-Language"] = "de"
        return response


class SignLanguageVideoBlock(blocks.StructBlock):
    """A video in German Sign Language: a file served by the portal (no third-party
    player), captions (WebVTT) and a transcript, so hearing and deaf-blind people can
    follow too. `link` is for a video on another site, shown as a plain link (no embed)."""

    title = blocks.CharBlock(label=_("Title"))
    description = blocks.TextBlock(label=_("Description"), required=False)
    video = DocumentChooserBlock(label=_("Video file (MP4 or WebM)"), required=False)
    link = blocks.URLBlock(label=_("or a link to the video on another site"), required=False)
    captions = DocumentChooserBlock(label=_("Captions (WebVTT)"), required=False)
    transcript = blocks.RichTextBlock(
        label=_("Transcript"), features=["bold", "link", "ol", "ul"], required=False
    )

    class Meta:
        icon = "media"
        label = _("Sign language video")


class SignLanguagePage(Page):
    """Information in German Sign Language (DGS): a list of videos, and how deaf people
    reach the county today (shown always; first when there is no video yet)."""

    intro = RichTextField(blank=True, features=["bold", "link", "ol", "ul"])
    videos = StreamField([("video", SignLanguageVideoBlock())], blank=True)
    no_videos_text = RichTextField(
        _("text while there is no video"), blank=True, features=["bold", "link", "ol", "ul"]
    )
    contact = RichTextField(
        _("how deaf people reach the county"), blank=True, features=["bold", "link", "ol", "ul"]
    )
    content_panels = [
        *Page.content_panels,
        FieldPanel("intro"),
        FieldPanel("videos"),
        FieldPanel("no_videos_text"),
        FieldPanel("contact"),
    ]
    parent_page_types = ["portal.HomePage"]
    subpage_types: list[str] = []
    max_count = 1


def easy_language_version(page: Page) -> EasyLanguagePage | None:
    """The live page in Leichte Sprache that renders `page`'s content, if any."""
    return (
        EasyLanguagePage.objects.live().public().filter(standard_page=page).order_by("path").first()
    )


class BarrierReport(models.Model):
    """A barrier reported with the feedback form (BITV 2.0 § 7, BGG LSA): what, where, and
    optionally who wants an answer. Personal data: deleted after
    `OPENKREIS_BARRIER_REPORT_RETENTION_DAYS` (command `delete_old_barrier_reports`) and
    with the account when a logged-in citizen sent it."""

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    page_url = models.CharField(max_length=500)
    description = models.TextField(max_length=5000)
    name = models.CharField(max_length=200, blank=True)
    email = models.EmailField(blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    mailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d} {self.page_url}"
