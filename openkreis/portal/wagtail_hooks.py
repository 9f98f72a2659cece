"""Four-eyes publishing in Wagtail's admin (issue 16 F9): nobody publishes their own change.

The concept's rule: an editorial change goes live only after a second person approved it.
The "Moderators approval" workflow covers every page, but a moderator (and a superuser) could
still press "Publish" in the editor — publishing what they had just written — or approve a
workflow on a change they wrote themselves. Now:

- The editor (create, edit, revert) offers no "Publish": what it would publish is what the
  person sends, their own change. They submit it to the workflow instead.
- "Approve" is not offered to anyone who wrote a revision of the page since it was last
  published (a new page: any revision).
- A direct POST is refused all the same — publishing from the editor, approving in the
  editor, publishing copies, the bulk "publish" of pages with one's own revisions: back to
  the page with the reason, nothing saved. The workflow's last step refuses too
  (WAGTAIL_FINISH_WORKFLOW_ACTION points at `publish_after_second_person`): that catches
  the workflow action view and an approval that saves the approver's own edits first
  (Wagtail answers its PermissionDenied with the admin's "no permission" message).

Wagtail reads WAGTAIL_FINISH_WORKFLOW_ACTION while it defines its models, so this module
imports no models at the top.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _
from wagtail import hooks

FOUR_EYES = _(
    "Four-eyes rule: nobody publishes their own change. Submit it for approval; "
    "another member of the editorial team approves and publishes it."
)


def own_unpublished_change(page, user) -> bool:
    """`user` wrote a revision of `page` since it was last published (any revision of a
    page that was never published)."""
    if page is None or user is None or not getattr(page, "pk", None):
        return False
    revisions = page.revisions.all()
    live = page.live_revision
    if live is not None:
        revisions = revisions.filter(created_at__gt=live.created_at)
    return revisions.filter(user_id=user.pk).exists()


def publish_after_second_person(workflow_state, user=None):
    """The workflow's last step: publish the approved revision — unless the approver wrote
    part of the change (then nothing is published: PermissionDenied, rolled back)."""
    from wagtail.models import Page
    from wagtail.workflows import publish_workflow_state

    content = workflow_state.content_object
    if user is not None and isinstance(content, Page) and own_unpublished_change(content, user):
        raise PermissionDenied(FOUR_EYES)
    publish_workflow_state(workflow_state, user=user)


@hooks.register("construct_page_action_menu")
def no_publishing_of_own_changes(menu_items, request, context):
    page = context.get("page")
    own = own_unpublished_change(page, request.user)
    menu_items[:] = [
        item
        for item in menu_items
        if item.name != "action-publish" and not (own and item.name == "approve")
    ]


def _refused(request, back: str):
    """Back to where the person was, with the reason (Wagtail's message area), status 302."""
    from django.shortcuts import redirect
    from wagtail.admin import messages

    messages.error(request, FOUR_EYES)
    return redirect(back)


def _publishes_in_editor(request, page=None) -> bool:
    if request.method != "POST":
        return False
    if request.POST.get("action-publish"):
        return True
    return bool(
        request.POST.get("action-workflow-action")
        and request.POST.get("workflow-action-name") == "approve"
        and own_unpublished_change(page, request.user)
    )


@hooks.register("before_edit_page")
def refuse_publishing_own_edit(request, page):
    if _publishes_in_editor(request, page):
        return _refused(request, request.path)


@hooks.register("before_create_page")
def refuse_publishing_new_page(request, parent_page, page_class):
    if _publishes_in_editor(request):
        return _refused(request, request.path)


@hooks.register("before_copy_page")
def refuse_publishing_copies(request, page):
    if request.method == "POST" and request.POST.get("publish_copies"):
        return _refused(request, request.path)


@hooks.register("before_bulk_action")
def refuse_bulk_publishing_own_changes(request, action_type, objects, action_class_instance):
    from wagtail.models import Page

    if request.method != "POST" or action_type != "publish":
        return None
    if any(isinstance(o, Page) and own_unpublished_change(o, request.user) for o in objects):
        return _refused(request, "/admin/pages/")
    return None
