"""Company membership by invitation (issue 16 F3): nobody becomes a member without consent,
the invitation form tells nothing about an address (account or not, whose), staff accounts
never join or create companies, and only the invited, verified address can accept."""

import datetime as dt

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from openkreis.accounts import services
from openkreis.accounts.models import CompanyInvitation, CompanyMembership
from openkreis.core.models import Event
from openkreis.core.tests.factories import StaffFactory

from .factories import CitizenFactory, join_company


@pytest.fixture
def boss(harz):
    return CitizenFactory(username="chefin", first_name="Clara", last_name="Chef")


@pytest.fixture
def company(boss):
    return services.create_company(boss, name="Harzer Holz GmbH")


def _invite(client, company, email, django_capture_on_commit_callbacks, role="member"):
    url = reverse("accounts:company", args=[company.public_id])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"action": "add", "email": email, "role": role})
    return response


def _token(message) -> str:
    return message.body.split("/firmen/einladung/")[1].split("/")[0]


def test_inviting_reveals_nothing_and_adds_nobody(
    client, boss, company, django_capture_on_commit_callbacks
):
    victim = CitizenFactory(username="opfer", first_name="Vera", last_name="Geheim")
    client.force_login(boss)
    mail.outbox.clear()
    known = _invite(client, company, victim.email, django_capture_on_commit_callbacks)
    unknown = _invite(client, company, "niemand@example.org", django_capture_on_commit_callbacks)
    # the same answer for an address with and without an account
    assert known.status_code == unknown.status_code == 302
    page_known = client.get(known["Location"]).content.decode()
    assert "Geheim" not in page_known and "Vera" not in page_known
    assert "Die Einladung wurde an diese Adresse geschickt" in page_known
    # a link goes to both addresses; nobody is a member yet
    assert sorted(m.to[0] for m in mail.outbox) == sorted([victim.email, "niemand@example.org"])
    assert not CompanyMembership.objects.filter(user=victim).exists()
    assert list(services.companies_of(victim)) == []
    client.force_login(victim)
    assert client.get(reverse("accounts:companies")).content.decode().count("Harzer Holz") == 0
    assert client.get(reverse("accounts:company", args=[company.public_id])).status_code == 404


def test_the_invitee_accepts_and_becomes_a_member(
    client, boss, company, django_capture_on_commit_callbacks
):
    clerk = CitizenFactory(username="buero", first_name="Bodo", last_name="Büro")
    client.force_login(boss)
    mail.outbox.clear()
    _invite(client, company, clerk.email.upper(), django_capture_on_commit_callbacks, "admin")
    token = _token(mail.outbox[0])
    assert "Harzer Holz GmbH" in mail.outbox[0].body
    assert CompanyInvitation.objects.get().token_hash != token  # only the hash is stored
    client.force_login(clerk)
    url = reverse("accounts:invitation", args=[token])
    page = client.get(url)
    assert page.status_code == 200 and "Harzer Holz GmbH" in page.content.decode()
    assert client.post(url, {"action": "accept"}).status_code == 302
    member = CompanyMembership.objects.get(company=company, user=clerk)
    assert member.role == "admin"
    event = Event.objects.get(kind="company.member_joined")
    assert event.subject == f"company:{company.pk}" and event.data == {"role": "admin"}
    # the link is used up
    assert client.get(url).status_code == 404
    assert client.post(url, {"action": "accept"}).status_code == 404
    client.force_login(boss)
    members = client.get(reverse("accounts:company", args=[company.public_id])).content.decode()
    assert "Bodo Büro" in members


def test_another_account_cannot_use_the_link(client, boss, company):
    clerk = CitizenFactory(username="buero")
    thief = CitizenFactory(username="dieb")
    _invitation, token = services.invite_member(company, actor=boss, email=clerk.email)
    client.force_login(thief)
    response = client.post(reverse("accounts:invitation", args=[token]), {"action": "accept"})
    assert response.status_code == 400
    assert "an eine andere E-Mail-Adresse" in response.content.decode()
    assert not CompanyMembership.objects.filter(user=thief).exists()
    # nor decline it for the invitee
    response = client.post(reverse("accounts:invitation", args=[token]), {"action": "decline"})
    assert response.status_code == 400
    assert services.invitation_for_token(token) is not None
    # an unconfirmed address of the invited spelling does not count either
    EmailAddress.objects.create(user=thief, email=clerk.email.upper(), verified=False)
    with pytest.raises(services.AccountError):
        services.accept_invitation(thief, token)


def test_staff_accounts_cannot_join_or_create_companies(client, boss, company):
    worker = StaffFactory(username="sb-firma", unit="auslaenderbehoerde")
    EmailAddress.objects.create(user=worker, email=worker.email, verified=True, primary=True)
    _invitation, token = services.invite_member(
        company, actor=boss, email=worker.email, role="admin"
    )
    client.force_login(worker)
    response = client.post(reverse("accounts:invitation", args=[token]), {"action": "accept"})
    assert response.status_code == 400 and "Dienstkonten" in response.content.decode()
    assert not CompanyMembership.objects.filter(user=worker).exists()
    created = client.post(reverse("accounts:companies"), {"name": "Dienst GmbH"})
    assert created.status_code == 400 and "Dienstkonten" in created.content.decode()


def test_unknown_expired_and_declined_links(client, boss, company):
    clerk = CitizenFactory(username="buero")
    client.force_login(clerk)
    assert client.get(reverse("accounts:invitation", args=["x" * 43])).status_code == 404
    assert client.get(reverse("accounts:invitation", args=["x" * 300])).status_code == 404
    invitation, token = services.invite_member(company, actor=boss, email=clerk.email)
    url = reverse("accounts:invitation", args=[token])
    assert client.post(url, {"action": "vielleicht"}).status_code == 400
    invitation.expires_at = timezone.now() - dt.timedelta(minutes=1)
    invitation.save()
    assert client.get(url).status_code == 404
    _invitation, token = services.invite_member(company, actor=boss, email=clerk.email)
    url = reverse("accounts:invitation", args=[token])
    assert client.post(url, {"action": "decline"}).status_code == 302
    assert client.get(url).status_code == 404
    assert not CompanyMembership.objects.filter(user=clerk).exists()


def test_a_new_invitation_replaces_the_old_link(boss, company):
    clerk = CitizenFactory(username="buero")
    _first, old = services.invite_member(company, actor=boss, email=clerk.email)
    _second, new = services.invite_member(company, actor=boss, email=clerk.email)
    assert services.invitation_for_token(old) is None
    assert services.accept_invitation(clerk, new).company == company


def test_only_administrators_invite_and_withdraw(
    client, boss, company, django_capture_on_commit_callbacks
):
    clerk = CitizenFactory(username="buero")
    join_company(company, admin=boss, user=clerk)
    client.force_login(clerk)
    mail.outbox.clear()
    response = _invite(client, company, "jemand@example.org", django_capture_on_commit_callbacks)
    assert response.status_code == 400 and "Administrator" in response.content.decode()
    assert mail.outbox == [] and not CompanyInvitation.objects.exists()
    invitation, _token = services.invite_member(company, actor=boss, email="jemand@example.org")
    url = reverse("accounts:company", args=[company.public_id])
    withdraw = {"action": "withdraw", "invitation": str(invitation.public_id)}
    assert client.post(url, withdraw).status_code == 400  # a member, not an administrator
    client.force_login(boss)
    assert "jemand@example.org" in client.get(url).content.decode()
    assert client.post(url, {"action": "withdraw", "invitation": "kaputt"}).status_code == 400
    assert client.post(url, withdraw).status_code == 302
    assert not CompanyInvitation.objects.filter(pk=invitation.pk).exists()
    assert client.post(url, withdraw).status_code == 400
    bad = client.post(url, {"action": "add", "email": "kein-mail", "role": "member"})
    assert bad.status_code == 400


def test_invitations_of_another_company_cannot_be_withdrawn(client, boss, company):
    other_boss = CitizenFactory(username="andere")
    other = services.create_company(other_boss, name="Andere GmbH")
    invitation, _token = services.invite_member(other, actor=other_boss, email="x@example.org")
    client.force_login(boss)
    url = reverse("accounts:company", args=[company.public_id])
    response = client.post(url, {"action": "withdraw", "invitation": str(invitation.public_id)})
    assert response.status_code == 400
    assert CompanyInvitation.objects.filter(pk=invitation.pk).exists()


def test_a_member_can_leave_but_not_the_last_administrator(client, boss, company):
    clerk = CitizenFactory(username="buero")
    join_company(company, admin=boss, user=clerk)
    url = reverse("accounts:company", args=[company.public_id])
    client.force_login(boss)
    response = client.post(url, {"action": "leave"})
    assert response.status_code == 400 and "mindestens eine" in response.content.decode()
    client.force_login(clerk)
    assert client.post(url, {"action": "leave"}).status_code == 302
    assert client.get(url).status_code == 404


def test_invitations_are_in_the_export_and_expired_ones_are_not_kept(boss, company):
    clerk = CitizenFactory(username="buero")
    invitation, _token = services.invite_member(company, actor=boss, email=clerk.email.upper())
    exported = services.export_data(clerk)["company_invitations"]
    assert exported == [
        {"company": "Harzer Holz GmbH", "role": "member", "expires_at": exported[0]["expires_at"]}
    ]
    invitation.expires_at = timezone.now() - dt.timedelta(days=1)
    invitation.save()
    services.invite_member(company, actor=boss, email="jemand@example.org")
    assert not CompanyInvitation.objects.filter(pk=invitation.pk).exists()
