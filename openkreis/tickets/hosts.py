"""Who acts for which host: a host is a company account (accounts.Company) with
accommodations; every member of the company sees and registers its stays. Every lookup goes
through these functions, so another company's accommodation, stay or ticket is simply not
found (404), as if it did not exist."""

from __future__ import annotations

from django.db.models import QuerySet

from openkreis.accounts.models import Company

from .models import Accommodation, Stay, Ticket


def companies_of(user) -> QuerySet[Company]:
    """The host companies the user is a member of (those with an accommodation)."""
    if not getattr(user, "is_authenticated", False):
        return Company.objects.none()
    return (
        Company.objects.filter(memberships__user=user, accommodations__isnull=False)
        .distinct()
        .order_by("name")
    )


def is_host(user) -> bool:
    """True for members of a company with an accommodation (the account menu's link)."""
    return companies_of(user).exists()


def accommodations_of(user) -> QuerySet[Accommodation]:
    if not getattr(user, "is_authenticated", False):
        return Accommodation.objects.none()
    return Accommodation.objects.filter(company__memberships__user=user).select_related(
        "municipality", "company"
    )


def accommodation_for(user, public_id) -> Accommodation:
    """The accommodation among the user's companies' (DoesNotExist otherwise)."""
    return accommodations_of(user).get(public_id=public_id)


def stays_of(user) -> QuerySet[Stay]:
    if not getattr(user, "is_authenticated", False):
        return Stay.objects.none()
    return Stay.objects.filter(accommodation__company__memberships__user=user).select_related(
        "accommodation__municipality"
    )


def stay_for(user, public_id) -> Stay:
    return stays_of(user).get(public_id=public_id)


def tickets_of(user) -> QuerySet[Ticket]:
    if not getattr(user, "is_authenticated", False):
        return Ticket.objects.none()
    return Ticket.objects.filter(guest__stay__accommodation__company__memberships__user=user)
