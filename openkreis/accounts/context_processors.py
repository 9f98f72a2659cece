def mailbox(request):
    """The number of unread mailbox messages for the header (one indexed COUNT, only for
    logged-in users)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"mailbox_unread": 0}
    from .services import unread_count

    return {"mailbox_unread": unread_count(user)}


def _header_strings():  # pragma: no cover - never called
    """The header links base.html shows for accounts; listed here so that makemessages puts
    them into this app's catalogue (base.html is shared, its catalogue is the project's)."""
    from django.utils.translation import gettext_noop, ngettext

    return [
        gettext_noop("Log in"),
        gettext_noop("Log out"),
        gettext_noop("My account"),
        gettext_noop("Mailbox"),
        ngettext("%(n)s new", "%(n)s new", 1),
    ]
