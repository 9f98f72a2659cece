"""The staff gate for the API: the same three checks as the desk's pages (logged in, second
factor proven in this session, a desk role). Object scoping stays in the querysets."""

from django.utils.translation import gettext_lazy as _
from rest_framework import permissions

from openkreis.core import staff

DESK_ROLES = (staff.Role.CASEWORKER, staff.Role.TEAM_LEAD)


class DeskStaffWithMFA(permissions.BasePermission):
    message = _("Staff only: log in with your second factor (TOTP) and a desk role.")

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not getattr(user, "is_authenticated", False):
            return False
        return staff.has_role(user, *DESK_ROLES) and staff.mfa_verified(request._request)
