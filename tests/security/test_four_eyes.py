"""Four-eyes publishing in Wagtail (issue 16 F9): nobody publishes their own change — not
from the editor, not by approving their own submission, not by a direct POST. Two members of
the editorial team ("Moderators", who may approve): one writes, the other approves."""

from __future__ import annotations

import pytest
from wagtail.models import Page
from wagtail.test.utils.form_data import querydict_from_html

from openkreis.core.staff import add_staff, ensure_totp
from openkreis.core.testing import login_staff
from openkreis.portal.models import NewsIndexPage
from openkreis.portal.tests.factories import EditorialUserFactory, NewsPageFactory

pytestmark = pytest.mark.django_db

SECRETS = {
    "mo-anna": "MOANNATESTAAAAAAAAAAAAAAAAAAAAAA",
    "mo-bert": "MOBERTTESTAAAAAAAAAAAAAAAAAAAAAA",
}


def moderator(username: str):
    user = EditorialUserFactory(username=username, password="x", group="Moderators")
    ensure_totp(user, SECRETS[username])
    add_staff(username, f"{username}@example.org", None)  # a verified address for the login
    return user


@pytest.fixture
def anna(harz):
    return moderator("mo-anna")


@pytest.fixture
def bert(harz):
    return moderator("mo-bert")


@pytest.fixture
def news(harz):
    return NewsPageFactory(
        parent=NewsIndexPage.objects.get(),
        title="Sprechzeiten",
        slug="sprechzeiten-vier-augen",
        teaser="Alt",
        live=True,
    )


def log_in(client, user):
    login_staff(client, user, SECRETS[user.username], password="x")


def edit_form(client, page, **changes):
    """The editor's own form of `page`, as the browser would send it, with `changes`."""
    response = client.get(f"/admin/pages/{page.pk}/edit/")
    assert response.status_code == 200
    data = querydict_from_html(response.content.decode(), form_id="page-edit-form")
    data = data.copy()
    data.setdefault("body-count", "0")  # written by the StreamField's JavaScript
    for key, value in changes.items():
        data[key] = value
    return data


def live_teaser(page) -> str:
    return Page.objects.get(pk=page.pk).specific.teaser


def test_the_editor_offers_no_publish_to_a_moderator(client, anna, news):
    log_in(client, anna)
    html = client.get(f"/admin/pages/{news.pk}/edit/").content.decode()
    assert 'name="action-publish"' not in html
    assert 'name="action-submit"' in html  # submitting for approval is the way


def test_a_direct_publish_post_is_refused(client, anna, news):
    log_in(client, anna)
    data = edit_form(client, news, teaser="Neu von Anna")
    data["action-publish"] = "action-publish"
    response = client.post(f"/admin/pages/{news.pk}/edit/", data, follow=True)
    assert response.redirect_chain == [(f"/admin/pages/{news.pk}/edit/", 302)]
    assert "Vier-Augen-Prinzip" in response.content.decode()
    assert live_teaser(news) == "Alt"
    assert not news.revisions.filter(content__teaser="Neu von Anna").exists()  # nothing saved


def test_new_pages_are_not_published_by_their_author(client, anna):
    log_in(client, anna)
    index = NewsIndexPage.objects.get()
    response = client.post(
        f"/admin/pages/add/portal/newspage/{index.pk}/",
        {"title": "Neu", "slug": "neu", "action-publish": "action-publish"},
    )
    assert response.status_code == 302
    assert not index.get_children().filter(slug="neu").exists()


def _submit(client, user, page, teaser):
    """`user` edits the page and submits it to the moderators' workflow."""
    log_in(client, user)
    data = edit_form(client, page, teaser=teaser)
    data["action-submit"] = "action-submit"
    response = client.post(f"/admin/pages/{page.pk}/edit/", data)
    assert response.status_code == 302, response.content[:500]
    page.refresh_from_db()
    state = page.current_workflow_state
    assert state is not None and state.status == "in_progress"
    return state.current_task_state


def test_the_author_cannot_approve_their_own_change_the_other_can(client, anna, bert, news):
    task_state = _submit(client, anna, news, "Neu von Anna")
    assert live_teaser(news) == "Alt"

    html = client.get(f"/admin/pages/{news.pk}/edit/").content.decode()
    assert 'name="action-publish"' not in html
    # no "Approve and publish" for the author
    assert 'data-workflow-action-name="approve"' not in html

    approve = f"/admin/pages/workflow/action/{news.pk}/approve/{task_state.pk}/"
    response = client.post(approve, {"comment": ""})
    assert response.status_code == 302 and response["Location"] == "/admin/"  # no permission
    assert live_teaser(news) == "Alt"
    task_state.refresh_from_db()
    assert task_state.status == "in_progress"

    # approving from the editor (which would also save the author's form) is refused too
    data = edit_form(client, news)
    data["action-workflow-action"] = "true"
    data["workflow-action-name"] = "approve"
    response = client.post(f"/admin/pages/{news.pk}/edit/", data, follow=True)
    assert "Vier-Augen-Prinzip" in response.content.decode()
    assert live_teaser(news) == "Alt"

    client.logout()
    log_in(client, bert)
    html = client.get(f"/admin/pages/{news.pk}/edit/").content.decode()
    assert 'data-workflow-action-name="approve"' in html
    response = client.post(approve, {"comment": ""})
    assert response.status_code == 302 and response["Location"] != "/admin/"
    assert live_teaser(news) == "Neu von Anna"


def test_an_approver_who_changed_the_page_too_cannot_approve(client, anna, bert, news):
    """Bert edits Anna's submission (his own change now) and approves from the editor: the
    workflow refuses to publish; a third person has to approve."""
    _submit(client, anna, news, "Neu von Anna")
    client.logout()
    log_in(client, bert)
    data = edit_form(client, news, teaser="Von Bert geändert")
    data["action-workflow-action"] = "true"
    data["workflow-action-name"] = "approve"
    response = client.post(f"/admin/pages/{news.pk}/edit/", data)
    assert response.status_code == 302 and response["Location"] == "/admin/"  # no permission
    assert live_teaser(news) == "Alt"
    assert news.current_workflow_state.status == "in_progress"
