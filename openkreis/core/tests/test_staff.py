"""The staff gate: login, a second factor in this session, and a fitting role."""

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.test import RequestFactory

from openkreis.core import staff
from openkreis.core.models import OrgUnit, StaffMembership
from openkreis.core.testing import STAFF_PASSWORD, login_staff, make_staff

from .factories import StaffFactory

pytestmark = pytest.mark.django_db


@staff.staff_required(StaffMembership.Role.CASEWORKER)
def caseworker_view(request):
    return HttpResponse("ok")


def _request(client, user):
    """A request carrying the client's session, as the view would see it."""
    request = RequestFactory().get("/sachbearbeitung/")
    request.session = SessionStore(client.session.session_key)
    request.user = user
    return request


def test_anonymous_is_sent_to_login(harz):
    from django.contrib.auth.models import AnonymousUser

    request = RequestFactory().get("/sachbearbeitung/")
    request.user = AnonymousUser()
    response = caseworker_view(request)
    assert response.status_code == 302
    assert response["Location"].startswith("/konto/login/?next=/sachbearbeitung/")


def test_user_without_role_is_refused(client, harz):
    user, secret = make_staff("pforte", "kfz-zulassung", StaffMembership.Role.FRONT_DESK)
    login_staff(client, user, secret)
    with pytest.raises(PermissionDenied):
        caseworker_view(_request(client, user))


def test_staff_without_second_factor_must_set_one_up(client, harz):
    unit = OrgUnit.objects.get(key="kfz-zulassung")
    user = staff.add_staff("neu", "neu@example.org", STAFF_PASSWORD, unit, ["caseworker"])
    login = client.post("/konto/login/", {"login": "neu", "password": STAFF_PASSWORD})
    assert login.status_code == 302
    response = caseworker_view(_request(client, user))
    assert response.status_code == 302
    assert response["Location"].startswith("/konto/2fa/totp/activate/")


def test_password_alone_is_not_enough_when_a_second_factor_exists(client, harz):
    user, _secret = make_staff("sb1", "kfz-zulassung", StaffMembership.Role.CASEWORKER)
    client.force_login(user)  # e.g. a password-only login elsewhere
    response = caseworker_view(_request(client, user))
    assert response.status_code == 302
    assert response["Location"].startswith("/konto/login/")


def test_password_and_totp_open_the_staff_page(client, harz):
    user, secret = make_staff("sb2", "kfz-zulassung", StaffMembership.Role.CASEWORKER)
    login_staff(client, user, secret)
    assert caseworker_view(_request(client, user)).content == b"ok"


def test_wrong_totp_code_keeps_the_door_shut(client, harz):
    user, _secret = make_staff("sb3", "kfz-zulassung", StaffMembership.Role.CASEWORKER)
    client.post("/konto/login/", {"login": "sb3", "password": STAFF_PASSWORD})
    response = client.post("/konto/2fa/authenticate/", {"code": "000000"})
    assert response.status_code == 200  # the form again, with an error
    assert not staff.mfa_verified(_request(client, user))


def test_units_include_sub_units(harz):
    user = StaffFactory(username="leitung", unit="dezernat-2", role=StaffMembership.Role.TEAM_LEAD)
    units = staff.unit_ids_for(user, [StaffMembership.Role.TEAM_LEAD])
    keys = set(OrgUnit.objects.filter(id__in=units).values_list("key", flat=True))
    assert {"dezernat-2", "ordnungsamt-kreis", "fahrerlaubnisbehoerde", "gesundheitsamt"} <= keys
    assert "kreiskasse" not in keys and "jugendamt" not in keys
    assert staff.unit_ids_for(user, [StaffMembership.Role.CASEWORKER]) == set()


def test_roles_in_unit_says_what_unit_ids_for_says_for_every_unit(
    harz, django_assert_max_num_queries
):
    """`roles_in_unit` walks up from the unit instead of down from every membership: the same
    answer for every unit of the county, with and without a page's snapshot, in fewer
    queries (one for the memberships, one per level above the unit while needed)."""
    Role = StaffMembership.Role
    lead = StaffFactory(username="rl-lead", unit="dezernat-2", role=Role.TEAM_LEAD)
    StaffMembership.objects.create(
        user=lead, org_unit=OrgUnit.objects.get(key="kfz-zulassung"), role=Role.CASEWORKER
    )
    StaffMembership.objects.create(
        user=lead, org_unit=OrgUnit.objects.get(key="gesundheitsamt"), role=Role.AUDITOR
    )
    nobody = StaffFactory(username="rl-none", unit="jugendamt", role=Role.MANAGER)
    roles = [Role.CASEWORKER, Role.TEAM_LEAD, Role.AUDITOR]
    units = list(OrgUnit.objects.all())
    assert len(units) > 10
    seen = set()
    for user in (lead, nobody):
        for unit in units:
            expected = {r for r in roles if unit.pk in staff.unit_ids_for(user, [r])}
            with django_assert_max_num_queries(4):
                assert staff.roles_in_unit(user, unit, roles) == expected, unit.key
            seen.add(frozenset(expected))
            staff._take_snapshot(user)
            assert staff.roles_in_unit(user, unit, roles) == expected, unit.key
            delattr(user, staff.SNAPSHOT)
    # the walk met no role, one, and two at once (a unit above and the unit itself)
    assert frozenset() in seen and frozenset({Role.TEAM_LEAD}) in seen
    assert frozenset({Role.TEAM_LEAD, Role.CASEWORKER}) in seen
    assert frozenset({Role.TEAM_LEAD, Role.AUDITOR}) in seen
    assert staff.roles_in_unit(None, units[0], roles) == set()


def test_logging_in_shows_no_signed_in_banner_but_logging_out_confirms(client, harz):
    """Issue 14.8: banners are for what a person must read; "signed in as …" is not."""
    from allauth.account.models import EmailAddress
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_user("leser", "leser@example.org", STAFF_PASSWORD)
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    page = client.post("/konto/login/", {"login": "leser", "password": STAFF_PASSWORD}, follow=True)
    assert page.status_code == 200 and 'class="banner' not in page.content.decode()
    out = client.post("/konto/logout/", follow=True).content.decode()
    assert 'class="banner banner-success"' in out and "abgemeldet" in out


def test_a_code_from_the_step_before_still_counts_but_only_once(harz):
    """A code typed just as the authenticator changes it is accepted (one step of drift,
    RFC 6238 §5.2) — it failed browser logins on a busy machine; reuse is still refused."""
    import time

    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, hotp_value

    user, secret = make_staff("drift", "kfz-zulassung", StaffMembership.Role.CASEWORKER)
    totp = TOTP(Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP))
    previous = format_hotp_value(hotp_value(secret, int(time.time()) // 30 - 1))
    assert totp.validate_code(previous) is True
    assert totp.validate_code(previous) is False
