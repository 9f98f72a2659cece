"""Factories for the portal: Wagtail pages under the Harz page tree, and editorial users.

A Wagtail page is not saved with `Model.objects.create`: it is placed in the tree with
`parent.add_child(instance=page)`. The page factories here do exactly that in `_create`, so
`NewsPageFactory()` gives a live news item under the existing "Aktuelles" index (every test
database has the Harz pages loaded) and `ContentPageFactory(parent=page)` a page anywhere.
`content_page(parent, **kw)` is the same as a plain function.
"""

from __future__ import annotations

import datetime as dt

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils.text import slugify
from factory.django import DjangoModelFactory

from openkreis.catalog.tests.factories import LifeEventFactory
from openkreis.portal.models import (
    ContentPage,
    HomePage,
    LifeEventIndexPage,
    LifeEventPage,
    NewsIndexPage,
    NewsPage,
)


class PageFactory(DjangoModelFactory):
    """Base of the page factories: `parent` is where the page goes in the tree."""

    class Meta:
        abstract = True

    parent = None
    title = factory.Sequence(lambda n: f"Testseite {n}")
    slug = factory.LazyAttribute(lambda o: slugify(o.title))
    live = True

    @classmethod
    def _create(cls, model_class, *args, parent=None, **kwargs):
        page = model_class(*args, **kwargs)
        parent.add_child(instance=page)
        return page


class ContentPageFactory(PageFactory):
    """A plain page under the home page."""

    class Meta:
        model = ContentPage

    parent = factory.LazyFunction(lambda: HomePage.objects.get())
    body = factory.LazyAttribute(lambda o: [{"type": "paragraph", "value": f"<p>{o.title}</p>"}])


class NewsPageFactory(PageFactory):
    """A news item under "Aktuelles" (pass live=False for a draft awaiting approval)."""

    class Meta:
        model = NewsPage

    parent = factory.LazyFunction(lambda: NewsIndexPage.objects.get())
    title = factory.Sequence(lambda n: f"Meldung {n}")
    teaser = "Kurz gemeldet"
    date = factory.LazyFunction(lambda: dt.date(2026, 12, 1))


class LifeEventPageFactory(PageFactory):
    """The page of a new life event under "Lebenslagen"."""

    class Meta:
        model = LifeEventPage

    parent = factory.LazyFunction(lambda: LifeEventIndexPage.objects.get())
    life_event = factory.SubFactory(LifeEventFactory)
    title = factory.SelfAttribute("life_event.name")
    slug = factory.SelfAttribute("life_event.slug")


def content_page(parent, **kwargs) -> ContentPage:
    """A live content page under `parent` (see ContentPageFactory for the defaults)."""
    return ContentPageFactory(parent=parent, **kwargs)


class EditorialUserFactory(DjangoModelFactory):
    """A Wagtail user of the editorial team: staff, in the group `group` ("Editors" by
    default; "Moderators" approve). No e-mail address and no second factor."""

    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"redaktion-{n}")
    password = factory.django.Password("x")
    is_staff = True

    @factory.post_generation
    def group(self, create, extracted, **kwargs):
        if create:
            self.groups.add(Group.objects.get(name=extracted or "Editors"))
