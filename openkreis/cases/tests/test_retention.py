"""Retention (services.retention): cases past their period are deleted with their personal
data and documents; the anonymous events stay."""

import datetime as dt

import pytest
from django.utils import timezone

from openkreis.cases import services
from openkreis.cases.models import Case
from openkreis.core.models import Event
from openkreis.core.tests.factories import StaffFactory

from .factories import open_demo_case

pytestmark = pytest.mark.django_db


def test_retention_deletes_personal_data_and_keeps_events(harz):
    case = open_demo_case()
    worker = StaffFactory(username="sb-ret")
    case = services.transition(case, "claim", actor=worker)
    services.transition(case, "decide", actor=worker, outcome="granted")
    Case.objects.filter(pk=case.pk).update(retain_until=timezone.localdate() - dt.timedelta(1))
    assert services.delete_expired(dry_run=True) == [case.file_number]
    assert Case.objects.filter(pk=case.pk).exists()
    assert services.delete_expired(dry_run=False) == [case.file_number]
    assert not Case.objects.filter(pk=case.pk).exists()
    assert Event.objects.filter(subject=f"case:{case.pk}", kind="case.deleted").exists()
    assert Event.objects.filter(subject=f"case:{case.pk}", kind="case.received").exists()
