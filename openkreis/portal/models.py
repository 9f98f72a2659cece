"""Editorial pages of the portal (Wagtail). Service pages come from the catalogue."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.admin.panels import FieldPanel
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
