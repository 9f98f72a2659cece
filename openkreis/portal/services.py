"""The portal's public functions: the tenant's editorial pages (from tenants/<slug>/pages.yaml)
and the demo accounts of the administration.

Pages are created once: after that they belong to the editors, so a second load
never overwrites their edits.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.contrib.auth.models import Group
from django.db import transaction
from wagtail.models import Page, Site

from openkreis.catalog.models import LifeEvent
from openkreis.core.loader import LoadReport, read_yaml
from openkreis.core.models import Tenant
from openkreis.core.staff import add_staff, ensure_totp

from .models import (
    ContentPage,
    HomePage,
    LifeEventIndexPage,
    LifeEventPage,
    NewsIndexPage,
    NewsPage,
)

# username, group, password, superuser, TOTP secret (base32), description. Staff log in
# with a second factor: add the secret to an authenticator app (or use `oathtool --totp -b`).
DEMO_USERS = [
    (
        "admin",
        None,
        "harz-admin-demo-2026",
        True,
        "HARZADMINDEMOAAAAAAAAAAAAAAAAAAA",
        "Administrator",
    ),
    (
        "redaktion",
        "Editors",
        "harz-redaktion-demo-2026",
        False,
        "HARZREDAKTIONDEMOAAAAAAAAAAAAAAA",
        "Redaktion (drafts, no publishing)",
    ),
    (
        "freigabe",
        "Moderators",
        "harz-freigabe-demo-2026",
        False,
        "HARZFREIGABEDEMOAAAAAAAAAAAAAAAA",
        "Freigabe (approves and publishes)",
    ),
]


def _body(paragraphs: list) -> list[dict]:
    blocks = []
    for item in paragraphs or []:
        if isinstance(item, dict) and "heading" in item:
            blocks.append({"type": "heading", "value": item["heading"]})
        else:
            blocks.append({"type": "paragraph", "value": f"<p>{item}</p>"})
    return blocks


def _child(parent: Page, slug: str, page: Page, report: LoadReport) -> Page:
    existing = parent.get_children().filter(slug=slug).first()
    if existing is not None:
        return existing.specific
    page.slug = slug
    parent.add_child(instance=page)
    page.save_revision().publish()
    report.created += 1
    return page


@transaction.atomic
def ensure_pages(tenant: Tenant, folder: Path) -> LoadReport:
    """Create the home page tree of a tenant if it does not exist yet."""
    report = LoadReport()
    path = folder / "pages.yaml"
    data = read_yaml(path) if path.exists() else {}
    root = Page.get_first_root_node()
    if root is None:  # Wagtail's migrations create it; a flushed database has none
        root = Page.add_root(instance=Page(title="Root", slug="root", content_type=None))
    home = HomePage.objects.first()
    if home is None:
        home = HomePage(
            title=data.get("home_title", tenant.name),
            slug="start",
            intro=data.get("home_intro", ""),
            intro_en=data.get("home_intro_en", ""),
        )
        root.add_child(instance=home)
        home.save_revision().publish()
        report.created += 1
    _ensure_site_root(home, tenant, report)
    for spec in data.get("content_pages", []):
        _child(
            home,
            spec["slug"],
            ContentPage(title=spec["title"], body=_body(spec.get("body"))),
            report,
        )
    index = _child(
        home,
        "lebenslagen",
        LifeEventIndexPage(title=data.get("life_events_title", "Lebenslagen")),
        report,
    )
    for event in LifeEvent.objects.filter(tenant=tenant).order_by("position"):
        _child(index, event.slug, LifeEventPage(title=event.name, life_event=event), report)
    news = _child(
        home, "aktuelles", NewsIndexPage(title=data.get("news_title", "Aktuelles")), report
    )
    for spec in data.get("news", []):
        _child(
            news,
            spec["slug"],
            NewsPage(
                title=spec["title"],
                teaser=spec["teaser"],
                body=_body(spec.get("body")),
                date=dt.date.fromisoformat(str(spec["date"])),
            ),
            report,
        )
    return report


def _ensure_site_root(home: HomePage, tenant: Tenant, report: LoadReport) -> None:
    """The default site serves the tenant's home page; Wagtail's welcome page goes."""
    site = Site.objects.filter(is_default_site=True).first()
    if site is None:
        Site.objects.create(
            hostname="localhost", root_page=home, is_default_site=True, site_name=tenant.name
        )
        report.created += 1
        return
    if site.root_page_id == home.pk and site.site_name == tenant.name:
        return
    old_root = site.root_page
    site.root_page, site.site_name = home, tenant.name
    site.save()
    report.updated += 1
    if old_root.pk != home.pk and not isinstance(old_root.specific, HomePage):
        old_root.delete()  # Wagtail's "Welcome" placeholder


def ensure_demo_users() -> list[tuple[str, str, str]]:
    """Demo logins for `make run`: (username, "password + TOTP secret", description).
    Passwords and second factors are set only when missing."""
    created = []
    for username, group_name, password, superuser, secret, description in DEMO_USERS:
        user = add_staff(username, f"{username}@example.org", password)
        if not user.is_staff or user.is_superuser != superuser:
            user.is_staff, user.is_superuser = True, superuser
            user.save(update_fields=["is_staff", "is_superuser"])
        if group_name:
            user.groups.add(Group.objects.get(name=group_name))
        ensure_totp(user, secret)
        created.append((username, f"{password}  TOTP secret {secret}", description))
    return created


def load_demo_users(tenant: Tenant, folder: Path, report: LoadReport) -> None:
    """Demo step: the administration's demo logins, listed for the person running `make run`."""
    report.write("\nDemo logins (local demo only, change them for anything real):")
    for username, password, description in ensure_demo_users():
        report.write(f"  {description:<40} {username} / {password}")
