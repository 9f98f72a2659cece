"""The Werkstatt's guides (Wagtail pages) and four-eyes publishing through Wagtail's
workflow API: an author cannot publish, a reviewer cannot approve what he submitted,
another reviewer can."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from wagtail.models import Page, WorkflowState

from openkreis.learning import pages
from openkreis.learning.pages import FourEyesApprovalTask, GuideIndexPage, GuidePage

from .factories import learner

HARZ = Path(settings.BASE_DIR) / "tenants" / "harz"


@pytest.fixture
def index(db):
    pages.ensure_guides(HARZ)
    return GuideIndexPage.objects.get()


def _member(name: str, group: str):
    user = learner(name)
    user.is_staff = True
    user.save()
    user.groups.add(Group.objects.get(name=group))
    return user


def _draft(index, author) -> GuidePage:
    page = GuidePage(title="Passwörter sicher verwalten", slug="passwoerter", topic="Sicherheit")
    index.add_child(instance=page)
    page.live = False
    page.save()
    page.save_revision(user=author)
    return page


def test_set_up_makes_index_groups_workflow_and_guides_once(index):
    assert index.get_parent().specific_class.__name__ == "HomePage"
    slugs = set(GuidePage.objects.child_of(index).live().values_list("slug", flat=True))
    assert {"vereinssoftware-auswaehlen", "dsgvo-verein-grundlagen"} <= slugs
    workflow = index.get_workflow()
    assert workflow.name == "Vier-Augen-Prinzip"
    task = workflow.tasks.get().specific
    assert isinstance(task, FourEyesApprovalTask)
    assert [g.name for g in task.groups.all()] == ["Werkstatt-Redaktion (Freigabe)"]
    again = pages.ensure_guides(HARZ)
    assert again.created == 0
    assert GuideIndexPage.objects.count() == 1
    assert GuidePage.objects.count() == len(slugs)


def test_guides_are_shown_on_the_werkstatt_page_and_as_pages(client, index):
    guide = GuidePage.objects.get(slug="smartphone-sicher-einrichten")
    response = client.get(guide.url)
    assert response.status_code == 200
    text = response.content.decode()
    assert "Bildschirmsperre einrichten" in text and "20. November 2026" in text
    assert client.get(index.url).status_code == 200
    werkstatt = client.get(reverse("learning:werkstatt")).content.decode()
    assert guide.title in werkstatt


def test_an_author_may_edit_but_not_publish(index):
    author = _member("autorin", pages.AUTHORS)
    perms = index.permissions_for_user(author)
    assert perms.can_add_subpage() and perms.can_edit()
    assert not perms.can_publish()
    assert not perms.can_publish_subpage()
    reviewer = _member("pruefer", pages.REVIEWERS)
    assert index.permissions_for_user(reviewer).can_publish()


def test_the_submitter_cannot_approve_his_own_guide_another_reviewer_can(index):
    reviewer = _member("pruefer-a", pages.REVIEWERS)
    other = _member("pruefer-b", pages.REVIEWERS)
    page = _draft(index, reviewer)
    state = index.get_workflow().start(page, reviewer)
    assert isinstance(state, WorkflowState)
    task = state.current_task_state.task.specific
    # the submitter is offered no approval and is refused when he tries
    assert "approve" not in [a[0] for a in task.get_actions(page, reviewer)]
    with pytest.raises(PermissionDenied):
        task.on_action(state.current_task_state, reviewer, "approve")
    page.refresh_from_db()
    assert not page.live
    # a second reviewer approves: the guide is published
    assert "approve" in [a[0] for a in task.get_actions(page, other)]
    task.on_action(state.current_task_state, other, "approve")
    page.refresh_from_db()
    assert page.live
    state.refresh_from_db()
    assert state.status == WorkflowState.STATUS_APPROVED


def test_an_author_submits_and_a_reviewer_publishes(index):
    author = _member("autorin-2", pages.AUTHORS)
    reviewer = _member("pruefer-c", pages.REVIEWERS)
    page = _draft(index, author)
    state = index.get_workflow().start(page, author)
    task = state.current_task_state.task.specific
    assert task.get_actions(page, author) == []  # not a member of the reviewers
    task.on_action(state.current_task_state, reviewer, "approve")
    page.refresh_from_db()
    assert page.live


def test_the_reviewers_pages_are_not_every_page(index):
    reviewer = _member("pruefer-d", pages.REVIEWERS)
    home = Page.objects.get(pk=index.get_parent().pk)
    assert not home.permissions_for_user(reviewer).can_edit()
