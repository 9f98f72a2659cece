"""Four-eyes publishing: an editor drafts, a second person approves before it goes live."""

import pytest
from wagtail.models import Page, Workflow

from openkreis.core.staff import add_staff, ensure_totp
from openkreis.core.testing import login_staff
from openkreis.portal.models import NewsIndexPage, NewsPage

from .factories import EditorialUserFactory, NewsPageFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor(harz):
    return EditorialUserFactory(username="ed", password="x", group="Editors")


@pytest.fixture
def moderator(harz):
    return EditorialUserFactory(username="mo", password="x", group="Moderators")


def test_editor_cannot_publish_and_approval_publishes(client, editor, moderator):
    news_index = NewsIndexPage.objects.get()
    assert not news_index.permissions_for_user(editor).can_publish_subpage()

    page = NewsPageFactory(
        parent=news_index,
        title="Neue Sprechzeiten",
        slug="neue-sprechzeiten",
        teaser="Ab Dezember",
        date="2026-12-01",
        live=False,
    )
    revision = page.save_revision(user=editor)
    workflow = page.get_workflow()
    assert workflow is not None and workflow.active
    state = workflow.start(page, editor)
    assert state.status == "in_progress"
    page.refresh_from_db()
    assert not page.live
    assert client.get("/aktuelles/neue-sprechzeiten/").status_code == 404

    task_state = state.current_task_state
    task = task_state.task.specific
    assert moderator.groups.filter(pk__in=task.groups.all()).exists()
    assert not editor.groups.filter(pk__in=task.groups.all()).exists()
    task.on_action(task_state, moderator, "approve")
    page.refresh_from_db()
    assert page.live and page.live_revision_id == revision.id
    assert client.get("/aktuelles/neue-sprechzeiten/").status_code == 200


def test_rejection_keeps_page_offline(client, editor, moderator):
    news_index = NewsIndexPage.objects.get()
    page = NewsPageFactory(
        parent=news_index,
        title="Entwurf",
        slug="entwurf",
        teaser="t",
        date="2026-12-01",
        live=False,
    )
    page.save_revision(user=editor)
    state = page.get_workflow().start(page, editor)
    task_state = state.current_task_state
    task_state.task.specific.on_action(task_state, moderator, "reject")
    page.refresh_from_db()
    assert not page.live
    state.refresh_from_db()
    assert state.status == "needs_changes"


def test_default_workflow_covers_the_whole_site():
    workflow = Workflow.objects.get(name="Moderators approval")
    assert workflow.active
    root = Page.get_first_root_node()
    assert workflow.workflow_pages.filter(page=root).exists()


def test_editor_in_admin_sees_submit_not_publish(client, editor):
    ensure_totp(editor, "EDITORTESTAAAAAAAAAAAAAAAAAAAAAA")
    add_staff(editor.username, "ed@example.org", None)  # a verified address for the login
    login_staff(client, editor, "EDITORTESTAAAAAAAAAAAAAAAAAAAAAA", password="x")
    page = NewsPage.objects.first()
    response = client.get(f"/admin/pages/{page.id}/edit/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "action-submit" in html or "Submit to" in html
    assert 'name="action-publish"' not in html
