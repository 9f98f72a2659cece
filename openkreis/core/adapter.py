"""allauth's account adapter: staff start at their workplace, citizens where they were going."""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter

from . import staff


class AccountAdapter(DefaultAccountAdapter):
    def get_login_redirect_url(self, request):
        """After logging in (password and second factor) without a `next` address, a staff
        member lands on their first area (desk, mail room, counter, cockpit…), not on the
        public home page."""
        return staff.landing_url(request.user) or super().get_login_redirect_url(request)

    def add_message(
        self,
        request,
        level,
        message_template=None,
        message_context=None,
        extra_tags="",
        message=None,
    ):
        """No banner that only says "signed in as …": the header already shows it, and a
        banner is kept for what a person needs to read (issue 14.8)."""
        if message_template == "account/messages/logged_in.txt":
            return
        super().add_message(
            request, level, message_template, message_context, extra_tags, message=message
        )
