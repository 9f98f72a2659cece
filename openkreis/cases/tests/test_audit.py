"""The audit trail (services.audit): a SHA-256 hash chain, checked from the last intact
checkpoint on the auditor's page and as a whole every night."""

import pytest
from django.core.management import call_command

from openkreis.cases import services
from openkreis.cases.models import AuditEntry
from openkreis.core.tests.factories import StaffFactory

from .factories import open_demo_case

pytestmark = pytest.mark.django_db


def test_audit_chain_verifies_and_names_the_first_tampered_entry(harz):
    case = open_demo_case()
    worker = StaffFactory(username="sb-aud")
    services.transition(case, "claim", actor=worker)
    count, broken = services.verify_audit_chain()
    assert broken is None and count >= 2
    first = AuditEntry.objects.filter(case_ref=case.file_number).order_by("id").first()
    AuditEntry.objects.filter(pk=first.pk).update(actor="mallory")  # bypasses save()
    _count, broken = services.verify_audit_chain()
    assert broken is not None and broken.pk == first.pk
    with pytest.raises(Exception, match="broken at entry"):
        call_command("verify_audit")


def test_audit_check_from_the_checkpoint_and_the_whole_walk(harz):
    """The auditor's page walks only the entries after the last intact check; tampering
    before it is found by the whole walk ("check now", nightly verify_audit), and then
    every later check starts from the first entry again."""
    from openkreis.cases.models import AuditCheckpoint

    case = open_demo_case()
    worker = StaffFactory(username="sb-cp")
    services.transition(case, "claim", actor=worker)
    total, broken = services.verify_audit_chain()
    assert broken is None
    point = AuditCheckpoint.objects.get()
    assert point.count == total and point.entry_id == AuditEntry.objects.last().pk
    services.audit("case.read", actor=worker, case=case)
    count, broken = services.verify_audit_chain(from_checkpoint=True)
    assert broken is None and count == total + 1  # one entry read, the count goes on
    # an old entry changed (bypassing save): the partial walk cannot see it ...
    first = AuditEntry.objects.order_by("id").first()
    AuditEntry.objects.filter(pk=first.pk).update(actor="mallory")
    assert services.verify_audit_chain(from_checkpoint=True)[1] is None
    # ... the whole walk does, and removes the checkpoint, so later checks see it too
    assert services.verify_audit_chain()[1].pk == first.pk
    assert not AuditCheckpoint.objects.exists()
    assert services.verify_audit_chain(from_checkpoint=True)[1].pk == first.pk
    assert services.audit_chain_status(fresh=True)["intact"] is False


def test_audit_checkpoint_entry_changed_is_found(harz):
    from openkreis.cases.models import AuditCheckpoint

    case = open_demo_case()
    worker = StaffFactory(username="sb-cp2")
    services.transition(case, "claim", actor=worker)
    services.verify_audit_chain()
    anchor = AuditEntry.objects.get(pk=AuditCheckpoint.objects.get().entry_id)
    AuditEntry.objects.filter(pk=anchor.pk).update(hash="0" * 64)
    _count, broken = services.verify_audit_chain(from_checkpoint=True)
    assert broken is not None and broken.pk == anchor.pk


def test_nightly_task_walks_the_whole_chain(harz):
    from openkreis.cases import tasks

    case = open_demo_case()
    first = AuditEntry.objects.filter(case_ref=case.file_number).order_by("id").first()
    assert tasks.verify_audit_chain.delay().get()["intact"] is True
    AuditEntry.objects.filter(pk=first.pk).update(actor="mallory")
    assert tasks.verify_audit_chain.delay().get()["intact"] is False
