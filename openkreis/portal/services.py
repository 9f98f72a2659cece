"""The portal's public functions: the tenant's editorial pages (from tenants/<slug>/pages.yaml)
and the demo accounts of the administration.

Pages are created once: after that they belong to the editors, so a second load
never overwrites their edits. Missing pages (a new entry in pages.yaml, a child added
to an existing page) are created on every load, so existing databases get them too.

`content_pages` entries have a `type` (default `content`): `content`, `accessibility_statement`,
`easy_language` (Leichte Sprache) or `sign_language` (DGS), and optional `children`. See
docs/accessibility.md for the accessibility pages.

Also the feedback on accessibility: `report_barrier` stores a `BarrierReport` and mails it to
the statement's contact; `delete_old_barrier_reports` applies the retention period.
"""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from wagtail.models import Page, Site

from openkreis.catalog.models import LifeEvent
from openkreis.core.loader import LoadReport, TenantDataError, read_yaml
from openkreis.core.models import Tenant
from openkreis.core.staff import add_staff, ensure_totp

from .models import (
    AccessibilityStatementPage,
    BarrierReport,
    ConformityStatus,
    ContentPage,
    EasyLanguagePage,
    HomePage,
    LifeEventIndexPage,
    LifeEventPage,
    NewsIndexPage,
    NewsPage,
    SignLanguagePage,
)

log = logging.getLogger(__name__)

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
    """Blocks from pages.yaml: a string is a paragraph, {heading: …} a heading, {list: […]}
    a bulleted and {steps: […]} a numbered list."""
    blocks = []
    for item in paragraphs or []:
        if isinstance(item, dict) and "heading" in item:
            blocks.append({"type": "heading", "value": item["heading"]})
        elif isinstance(item, dict) and ("list" in item or "steps" in item):
            tag = "ul" if "list" in item else "ol"
            entries = "".join(f"<li>{entry}</li>" for entry in item.get("list") or item["steps"])
            blocks.append({"type": "paragraph", "value": f"<{tag}>{entries}</{tag}>"})
        else:
            blocks.append({"type": "paragraph", "value": f"<p>{item}</p>"})
    return blocks


def _child(parent: Page, slug: str, page: Page, report: LoadReport) -> Page:
    existing = parent.get_children().filter(slug=slug).first()
    if existing is not None:
        existing = existing.specific
        if type(existing) is type(page) or not _untouched_plain_page(existing):
            return existing
        # A plain page the loader made and nobody edited, now a page of its own type
        # (the accessibility statement was a ContentPage): replace it.
        existing.delete()
        report.deleted += 1
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
    for number, spec in enumerate(data.get("content_pages") or [], start=1):
        _ensure_page(home, spec, path, f"content_pages[{number}]", report)
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


def _untouched_plain_page(page: Page) -> bool:
    """A ContentPage whose every revision came from the loader (no editor saved it)."""
    return isinstance(page, ContentPage) and not page.revisions.exclude(user=None).exists()


def _ensure_page(parent: Page, spec: Any, path: Path, where: str, report: LoadReport) -> Page:
    """One entry of `content_pages` (and, recursively, its `children`)."""
    if not isinstance(spec, dict) or not spec.get("slug") or not spec.get("title"):
        raise TenantDataError(f"{path}: {where} needs a slug and a title")
    kind = spec.get("type", "content")
    build = PAGE_TYPES.get(kind)
    if build is None:
        raise TenantDataError(
            f"{path}: {where} ({spec['slug']}): unknown type {kind!r}, "
            f"one of {', '.join(PAGE_TYPES)}"
        )
    try:
        page = build(spec, parent)
    except (KeyError, TypeError, ValueError) as exc:
        raise TenantDataError(f"{path}: {where} ({spec['slug']}): {exc!r}") from exc
    page = _child(parent, str(spec["slug"]), page, report)
    for number, child in enumerate(spec.get("children") or [], start=1):
        _ensure_page(page, child, path, f"{where}.children[{number}]", report)
    return page


def _date(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def _lines(value: Any, separator: str = "\n\n") -> str:
    """A text field from a list of paragraphs (blank line between) or one string."""
    return separator.join(value) if isinstance(value, list) else str(value or "")


def _html(paragraphs: Any) -> str:
    """Rich text from a list of paragraphs (or one string); the text may carry links."""
    items = paragraphs if isinstance(paragraphs, list) else [paragraphs] if paragraphs else []
    return "".join(f"<p>{item}</p>" for item in items)


def _content(spec: dict, parent: Page) -> Page:
    return ContentPage(title=spec["title"], body=_body(spec.get("body")))


def _statement(spec: dict, parent: Page) -> Page:
    contact, enforcement = spec["contact"], spec["enforcement"]
    status = spec.get("status", ConformityStatus.PARTIAL)
    if status not in ConformityStatus.values:
        raise ValueError(f"status must be one of {', '.join(ConformityStatus.values)}")
    barriers = [
        {
            "type": "barrier",
            "value": {
                "what": item["what"],
                "reason": item.get("reason", ""),
                "alternative": item.get("alternative", ""),
            },
        }
        for item in spec.get("barriers") or []
    ]
    return AccessibilityStatementPage(
        title=spec["title"],
        intro=_lines(spec.get("intro")),
        legal_basis=spec.get("legal_basis", ""),
        status=status,
        standard=spec.get("standard")
        or AccessibilityStatementPage._meta.get_field("standard").default,
        barriers=barriers,
        prepared_on=_date(spec["prepared_on"]),
        reviewed_on=_date(spec["reviewed_on"]),
        method=_lines(spec.get("method")),
        contact_name=contact["name"],
        contact_role=contact.get("role", ""),
        contact_email=contact["email"],
        contact_phone=str(contact.get("phone", "")),
        contact_address=_lines(contact.get("address"), "\n"),
        answer_weeks=int(spec.get("answer_weeks", 6)),
        enforcement_text=_lines(enforcement.get("text")),
        enforcement_name=enforcement["name"],
        enforcement_address=_lines(enforcement.get("address"), "\n"),
        enforcement_email=enforcement.get("email", ""),
        enforcement_phone=str(enforcement.get("phone", "")),
        enforcement_website=enforcement.get("website", ""),
    )


def _easy_language(spec: dict, parent: Page) -> Page:
    standard = None
    if spec.get("standard") is not None:  # a path below the home page; "" is the home page
        home = HomePage.objects.first()
        standard = home
        for slug in str(spec["standard"]).strip("/").split("/"):
            if slug and standard is not None:
                standard = standard.get_children().filter(slug=slug).first()
        if standard is None:
            raise ValueError(f"standard: no page /{str(spec['standard']).strip('/')}/")
    return EasyLanguagePage(
        title=spec["title"],
        body=_body(spec.get("body")),
        standard_page=standard,
        standard_url=spec.get("standard_url", ""),
    )


def _sign_language(spec: dict, parent: Page) -> Page:
    return SignLanguagePage(
        title=spec["title"],
        intro=_html(spec.get("intro")),
        no_videos_text=_html(spec.get("no_videos")),
        contact=_html(spec.get("contact")),
    )


PAGE_TYPES = {
    "content": _content,
    "accessibility_statement": _statement,
    "easy_language": _easy_language,
    "sign_language": _sign_language,
}


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


# ------------------------------------------------------------------ feedback on accessibility


def accessibility_statement() -> AccessibilityStatementPage | None:
    """The live accessibility statement of the portal (there is one per site)."""
    return AccessibilityStatementPage.objects.live().public().order_by("path").first()


def report_barrier(
    *, page_url: str, description: str, name: str = "", email: str = "", user=None
) -> BarrierReport:
    """Store a reported barrier and mail it to the statement's contact after commit.

    The report is kept when the mail fails (logged, `mailed_at` stays empty): the contact
    can read it in the admin, and nothing the citizen wrote is lost."""
    report = BarrierReport.objects.create(
        page_url=page_url[:500],
        description=description,
        name=name,
        email=email,
        user=user if user is not None and user.is_authenticated else None,
    )
    statement = accessibility_statement()
    recipient = statement.contact_email if statement else ""
    if recipient:
        transaction.on_commit(lambda: _mail_report(report.pk, recipient))
    else:
        log.warning("barrier report %s: no accessibility contact to mail it to", report.pk)
    return report


def _mail_report(report_id: int, recipient: str) -> None:
    report = BarrierReport.objects.filter(pk=report_id).first()
    if report is None:
        return
    # The contact reads German; the citizen's words go in as they are (plain text mail).
    body = "\n".join(
        [
            "Über das Formular „Barriere melden“ im Serviceportal ist eine Meldung eingegangen.",
            "",
            f"Seite: {report.page_url}",
            f"Eingegangen: {timezone.localtime(report.created_at):%d.%m.%Y %H:%M} Uhr",
            f"Name: {report.name or '(nicht angegeben)'}",
            "E-Mail für die Antwort: "
            + (report.email or "(nicht angegeben – keine Antwort möglich)"),
            "",
            "Beschreibung:",
            report.description,
            "",
            f"Meldung Nr. {report.pk}. Bitte antworten Sie innerhalb der Frist aus der "
            "Erklärung zur Barrierefreiheit.",
        ]
    )
    try:
        send_mail(
            f"Barriere gemeldet: {report.page_url}"[:150],
            body,
            settings.DEFAULT_FROM_EMAIL,
            [recipient],
            fail_silently=False,
        )
    except Exception:  # a mail server that is down must not lose the stored report
        log.exception("barrier report %s: mail to the accessibility contact failed", report_id)
        return
    BarrierReport.objects.filter(pk=report_id).update(mailed_at=timezone.now())


def barrier_report_retention_days() -> int:
    """How long a barrier report is kept: OPENKREIS_BARRIER_REPORT_RETENTION_DAYS, 365."""
    return int(getattr(settings, "OPENKREIS_BARRIER_REPORT_RETENTION_DAYS", 365))


def delete_old_barrier_reports(*, today: dt.date | None = None, dry_run: bool = False) -> int:
    """Delete reports older than the retention period; returns how many (would) go."""
    days = barrier_report_retention_days()
    now = (
        timezone.now()
        if today is None
        else timezone.make_aware(dt.datetime.combine(today, dt.time()))
    )
    old = BarrierReport.objects.filter(created_at__lt=now - dt.timedelta(days=days))
    count = old.count()
    if not dry_run:
        old.delete()
    return count


class BarrierReportData:
    """`core.personal_data` plugin: a logged-in citizen's reports, exported and erased with
    the account."""

    def export(self, user) -> list[dict]:
        return [
            {
                "created_at": r.created_at.isoformat(),
                "page_url": r.page_url,
                "description": r.description,
                "name": r.name,
                "email": r.email,
            }
            for r in BarrierReport.objects.filter(user=user)
        ]

    def erase(self, user) -> None:
        BarrierReport.objects.filter(user=user).delete()
