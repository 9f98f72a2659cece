"""Who is staff, in which units, with which role — and the gate every staff page uses.

Staff pages need three things: a logged-in user, a second factor proven in this session
(TOTP through django-allauth's MFA), and a membership with a fitting role. Object-level
checks (is this case in one of my units?) use `unit_ids_for` in the owning app's queries.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import wraps
from typing import Any
from urllib.parse import quote

from allauth.account.authentication import get_authentication_records
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db import connections, router
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from .models import OrgUnit, StaffMembership
from .registry import Registry

Role = StaffMembership.Role


def memberships(user, roles: Iterable[str] | None = None) -> QuerySet[StaffMembership]:
    """The user's memberships, optionally only those with one of `roles`."""
    if not getattr(user, "is_authenticated", False):
        return StaffMembership.objects.none()
    qs = StaffMembership.objects.filter(user=user).select_related("org_unit")
    if roles:
        qs = qs.filter(role__in=list(roles))
    return qs


def has_role(user, *roles: str) -> bool:
    """True if the user holds any of `roles` in any unit."""
    snapshot = getattr(user, SNAPSHOT, None)
    if snapshot is not None:
        return any(not roles or role in roles for role, _unit in snapshot["rows"])
    return memberships(user, roles or None).exists()


# A staff page asks for the user's roles and units several times (the gate, the scope of every
# query, the navigation); staff_required reads memberships and the unit tree once for the
# request (two queries instead of one per question and tree level) and forgets them after it.
SNAPSHOT = "_openkreis_staff_snapshot"


def _take_snapshot(user) -> None:
    rows = list(StaffMembership.objects.filter(user=user).values_list("role", "org_unit_id"))
    setattr(user, SNAPSHOT, {"rows": rows, "children": None, "units": {}})


def _units_from_snapshot(snapshot: dict, roles: Iterable[str] | None) -> set[int]:
    key = frozenset(roles) if roles else None
    if key not in snapshot["units"]:
        direct = {unit for role, unit in snapshot["rows"] if key is None or role in key}
        result = set(direct)
        if direct:
            if snapshot["children"] is None:
                children: dict[int, list[int]] = {}
                for pk, parent in OrgUnit.objects.values_list("id", "parent_id"):
                    children.setdefault(parent, []).append(pk)
                snapshot["children"] = children
            frontier = list(direct)
            while frontier:
                child_ids = [c for u in frontier for c in snapshot["children"].get(u, ())]
                frontier = [c for c in child_ids if c not in result]
                result.update(frontier)
        snapshot["units"][key] = result
    return set(snapshot["units"][key])


def unit_ids_for(user, roles: Iterable[str] | None = None) -> set[int]:
    """Ids of the units the user may act in with `roles`, including all their sub-units."""
    snapshot = getattr(user, SNAPSHOT, None)
    if snapshot is not None:
        return _units_from_snapshot(snapshot, roles)
    direct = set(memberships(user, roles).values_list("org_unit_id", flat=True))
    if not direct:
        return set()
    result = set(direct)
    frontier = direct
    while frontier:  # the unit tree is shallow (Dezernat → Amt → Sachgebiet)
        children = set(OrgUnit.objects.filter(parent_id__in=frontier).values_list("id", flat=True))
        frontier = children - result
        result |= frontier
    return result


def roles_in_unit(user, unit: OrgUnit, roles: Iterable[str] | None = None) -> set[str]:
    """The roles (of `roles`) `user` holds for `unit`: a membership in it or in a unit above
    it — what `unit.pk in unit_ids_for(user, [role])` says for each role, in one query for
    the memberships (none within a staff page's snapshot) and one per level above `unit`
    only while a membership is still in a unit not passed yet."""
    if not getattr(user, "is_authenticated", False):
        return set()
    snapshot = getattr(user, SNAPSHOT, None)
    if snapshot is not None:
        rows = snapshot["rows"]
    else:
        rows = StaffMembership.objects.filter(user=user).values_list("role", "org_unit_id")
    wanted = set(roles) if roles else None
    by_unit: dict[int, set[str]] = {}
    for role, unit_id in rows:
        if wanted is None or role in wanted:
            by_unit.setdefault(unit_id, set()).add(role)
    held: set[str] = set()
    unit_id, parent_id, passed = unit.pk, unit.parent_id, set()
    while unit_id is not None and unit_id not in passed and set(by_unit) - passed:
        passed.add(unit_id)
        held |= by_unit.get(unit_id, set())
        unit_id = parent_id
        if unit_id is not None and set(by_unit) - passed:
            parent_id = (
                OrgUnit.objects.filter(pk=unit_id).values_list("parent_id", flat=True).first()
            )
    return held


def mfa_verified(request: HttpRequest) -> bool:
    """True if the second factor was proven in this session (not just a password)."""
    records = get_authentication_records(request, getattr(request, "user", None))
    return any(record.get("method") == "mfa" for record in records)


def has_mfa_device(user) -> bool:
    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


def staff_required(*roles: str) -> Callable:
    """Decorator for staff views: login, MFA in this session, and one of `roles`.

    Without a second factor set up, the user is sent to set one up; with one set up
    but not used for this session (e.g. a password-only login elsewhere), the session
    ends and the user logs in again through the MFA login. Without a fitting role: 403.
    """

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            user = request.user
            if user.is_authenticated:
                _take_snapshot(user)
            try:
                gate = staff_gate(request, roles)
                if gate is not None:
                    return gate
                return view(request, *args, **kwargs)
            finally:
                if hasattr(user, SNAPSHOT):
                    delattr(user, SNAPSHOT)

        return wrapped

    return decorator


def staff_gate(request: HttpRequest, roles: Iterable[str] = ()) -> HttpResponse | None:
    """None if the request may enter a staff page with `roles`, else the response to send."""
    user = request.user
    if not user.is_authenticated:
        return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
    if not has_role(user, *roles):
        raise PermissionDenied(role_reason(roles))
    return second_factor_gate(request)


def second_factor_gate(request: HttpRequest) -> HttpResponse | None:
    """None if a second factor was proven in this session; else where to go: set one up
    (none yet), or log in again through the MFA login (password-only session)."""
    if mfa_verified(request):
        return None
    here = request.get_full_path()
    if not has_mfa_device(request.user):
        return redirect(f"{settings.OPENKREIS_MFA_SETUP_URL}?next={quote(here)}")
    logout(request)
    return redirect_to_login(here, settings.LOGIN_URL)


def add_staff(
    username: str,
    email: str,
    password: str | None,
    unit: OrgUnit | None = None,
    roles: Iterable[str] = (),
    *,
    first_name: str = "",
    last_name: str = "",
):
    """Create or update a staff account with `roles` in `unit`; its e-mail counts as verified
    (the administration vouches for it). Returns the user. Idempotent."""
    from allauth.account.models import EmailAddress
    from django.contrib.auth import get_user_model

    user, created = get_user_model().objects.get_or_create(
        username=username,
        defaults={"email": email, "first_name": first_name, "last_name": last_name},
    )
    if created:
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save()
    EmailAddress.objects.update_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    for role in roles:
        StaffMembership.objects.get_or_create(user=user, org_unit=unit, role=role)
    return user


def ensure_totp(user, secret: str) -> None:
    """Give `user` a TOTP second factor with `secret` unless they have one (demo data)."""
    from allauth.mfa.totp.internal.auth import TOTP

    if not has_mfa_device(user):
        TOTP.activate(user, secret)


# -- staff areas (a port: each app registers the workplaces it offers) -------------------------
@dataclass(frozen=True)
class StaffArea:
    """A workplace for staff: the desk, the mail room, the counter, the cockpit, …"""

    label: Any  # a lazy translation
    url_name: str
    roles: tuple[str, ...]
    superuser: bool = False  # e.g. the editorial admin, for editors and administrators


staff_areas: Registry[StaffArea] = Registry("staff areas")


def areas_for(user) -> list[tuple[str, StaffArea]]:
    """The areas `user` may enter, in order (empty for citizens)."""
    if not getattr(user, "is_authenticated", False):
        return []
    snapshot = getattr(user, SNAPSHOT, None)
    held = _roles_held(user) if snapshot is None else {role for role, _ in snapshot["rows"]}
    return [
        (area_id, area)
        for area_id, area in staff_areas.items()
        if held.intersection(area.roles) or (area.superuser and user.is_staff)
    ]


def _roles_held(user) -> set[str]:
    """The user's roles in any unit. Asked for the navigation of every page a logged-in user
    sees (citizens hold none), so written as SQL: the ORM's compiling of the query took about
    ten times the CPU of the query itself (docs/scaling.md, "Submissions at peak")."""
    database = connections[router.db_for_read(StaffMembership)]
    table = database.ops.quote_name(StaffMembership._meta.db_table)
    with database.cursor() as cursor:
        cursor.execute(f"SELECT DISTINCT role FROM {table} WHERE user_id = %s", [user.pk])  # noqa: S608 - the model's table
        return {role for (role,) in cursor.fetchall()}


def landing_url(user) -> str | None:
    """Where a staff member starts after logging in: their first area (None: a citizen)."""
    areas = areas_for(user)
    return reverse(areas[0][1].url_name) if areas else None


def role_reason(roles: Iterable[str]) -> str:
    """Why a page is closed, for the 403 page: which roles it is for."""
    labels = [str(StaffMembership.Role(r).label) for r in roles if r in StaffMembership.Role.values]
    if not labels:
        return str(_("This page is for staff with a particular role."))
    return str(_("This page is for: %(roles)s.") % {"roles": ", ".join(labels)})
