"""The audit chain sealed in batches (services.seal_audit, issue 26): writers only append,
the sealer links; tampering with sealed entries and with entries not sealed yet is found by
verify_audit_chain, the auditor's page and the nightly task."""

import threading

import pytest
from django.db import connection, transaction

from openkreis.cases import services
from openkreis.cases.models import AuditEntry, AuditSeal
from openkreis.cases.services.audit import _entry_hash, _leaf_of, _link_hash
from openkreis.core.tests.factories import StaffFactory

from .factories import login_as, open_demo_case, pdf_bytes

pytestmark = pytest.mark.django_db


def _entries(n: int, tag: str = "t") -> list[AuditEntry]:
    return [services.audit("test.entry", detail={"n": i, "tag": tag}) for i in range(n)]


def _sql(statement: str, params=()) -> None:
    """Tampering behind the application's back (save() and delete() refuse)."""
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def _sealed_chain(harz, n: int = 5) -> list[AuditEntry]:
    entries = _entries(n)
    services.seal_audit()
    return [AuditEntry.objects.get(pk=e.pk) for e in entries]


# -- writing and sealing ----------------------------------------------------------------------
def test_writers_only_append_and_the_sealer_links_in_id_order(harz):
    case = open_demo_case()
    entry = services.audit("case.read", case=case)
    assert entry.seq is None and entry.hash is None and entry.prev_hash == ""
    assert entry.leaf == _leaf_of(entry)  # the writer's hash of what the entry says
    services.seal_audit()
    head = AuditEntry.objects.filter(seq__isnull=False).order_by("-seq").first()
    assert head.pk == entry.pk
    assert not AuditEntry.objects.filter(seq__isnull=True).exists()
    chain = list(AuditEntry.objects.order_by("seq"))
    assert [e.seq for e in chain] == list(range(1, len(chain) + 1))
    for before, after in zip(chain, chain[1:], strict=False):
        assert after.prev_hash == before.hash and after.pk > before.pk
    seal = AuditSeal.objects.order_by("-last_seq").first()
    assert (seal.last_seq, seal.entry_id, seal.hash) == (head.seq, head.pk, head.hash)
    assert services.seal_audit() == 0  # nothing new: no empty seal
    assert services.verify_audit_chain(seal=False)[1] is None


def test_an_entry_committed_after_higher_ids_were_sealed_is_sealed_later(harz):
    """Ids come from a sequence and are not committed in id order. The chain's order is
    the order of sealing, so an entry whose transaction commits late (here: a lower id
    appearing after higher ones were sealed) is sealed by the next run, at the end."""
    _entries(3)
    services.seal_audit()
    late = AuditEntry(pk=AuditEntry.objects.order_by("id").first().pk - 1, at=harz_now())
    late.action, late.actor, late.detail = "test.late", "system", {}
    late.leaf = _leaf_of(late)
    AuditEntry.objects.bulk_create([late])
    assert services.seal_audit() == 1
    late.refresh_from_db()
    assert late.seq == AuditEntry.objects.order_by("-seq").first().seq
    assert services.verify_audit_chain(seal=False)[1] is None


def harz_now():
    from django.utils import timezone

    return timezone.now()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_sealer_seals_what_is_committed_and_leaves_what_is_in_flight():
    """A real late commit (PostgreSQL: SQLite has one writer at a time): a transaction
    holds an entry with a lower id while a higher one commits and is sealed."""
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL")
    written, go_on = threading.Event(), threading.Event()
    slow: list[AuditEntry] = []

    def slow_writer():
        try:
            with transaction.atomic():
                slow.append(services.audit("test.slow"))
                written.set()
                go_on.wait(10)
        finally:
            connection.close()

    thread = threading.Thread(target=slow_writer)
    thread.start()
    written.wait(10)
    fast = services.audit("test.fast")
    assert fast.pk > slow[0].pk
    services.seal_audit()
    go_on.set()
    thread.join()
    fast.refresh_from_db()
    assert fast.seq is not None and not AuditEntry.objects.get(pk=slow[0].pk).seq
    services.seal_audit()
    assert AuditEntry.objects.get(pk=slow[0].pk).seq == fast.seq + 1
    assert services.verify_audit_chain(seal=False)[1] is None


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_writers_and_sealers_keep_one_intact_chain():
    """Writers and two sealers at once: one chain, every entry sealed exactly once (the
    old design let two writers fork the chain: nothing made prev_hash unique)."""
    errors = []

    def writer(n):
        try:
            for i in range(10):
                services.audit("test.concurrent", detail={"w": n, "i": i})
        except Exception as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    def sealer():
        try:
            for _ in range(5):
                services.seal_audit()
        except Exception as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    threads += [threading.Thread(target=sealer) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    services.seal_audit()
    seqs = list(AuditEntry.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, len(seqs) + 1))
    assert AuditEntry.objects.filter(action="test.concurrent").count() == 40
    assert services.verify_audit_chain(seal=False)[1] is None


def test_entries_chained_before_sealing_existed_still_verify(harz):
    """Migration 0009 numbered the old chain and kept its hashes (no leaf): they verify
    with the old formula, and sealing goes on after them."""
    services.seal_audit()
    head = AuditEntry.objects.filter(seq__isnull=False).order_by("-seq").first()
    prev, seq = (head.hash, head.seq) if head else (services.GENESIS, 0)
    for i in range(3):
        entry = AuditEntry(at=harz_now(), actor="system", action="test.old", detail={"i": i})
        entry.seq, entry.prev_hash = seq + 1 + i, prev
        entry.hash = prev = _entry_hash(prev, entry.at, "system", "test.old", "", {"i": i})
        entry.save()
    _entries(2)
    assert services.verify_audit_chain()[1] is None
    old = AuditEntry.objects.filter(action="test.old").order_by("seq")[1]
    AuditEntry.objects.filter(pk=old.pk).update(actor="mallory")
    assert services.verify_audit_chain()[1].pk == old.pk


# -- tampering with sealed entries ------------------------------------------------------------
def test_a_changed_sealed_entry_is_found(harz):
    chain = _sealed_chain(harz)
    AuditEntry.objects.filter(pk=chain[2].pk).update(detail={"n": 99, "tag": "t"})
    assert services.verify_audit_chain()[1].pk == chain[2].pk


def test_a_changed_leaf_of_a_sealed_entry_is_found(harz):
    chain = _sealed_chain(harz)
    AuditEntry.objects.filter(pk=chain[1].pk).update(leaf="0" * 64)
    assert services.verify_audit_chain()[1].pk == chain[1].pk


def test_a_deleted_sealed_entry_is_found(harz):
    chain = _sealed_chain(harz)
    _sql("DELETE FROM cases_auditentry WHERE id = %s", [chain[2].pk])
    assert services.verify_audit_chain()[1].pk == chain[3].pk


def test_an_entry_inserted_into_the_sealed_chain_is_found(harz):
    chain = _sealed_chain(harz)
    # make room after entry 2 and put a forged entry there, hashed correctly on its own
    _sql("UPDATE cases_auditentry SET seq = seq + 1000000 WHERE seq > %s", [chain[2].seq])
    _sql("UPDATE cases_auditentry SET seq = seq - 999999 WHERE seq > 1000000")
    forged = AuditEntry(at=harz_now(), actor="mallory", action="test.forged", detail={})
    forged.leaf = _leaf_of(forged)
    forged.seq, forged.prev_hash = chain[2].seq + 1, chain[2].hash
    forged.save()
    AuditEntry.objects.filter(pk=forged.pk).update(
        hash=_link_hash(chain[2].hash, forged.seq, forged.pk, forged.leaf)
    )
    assert services.verify_audit_chain()[1].pk == chain[3].pk  # no longer linked to it


def test_reordered_sealed_entries_are_found(harz):
    chain = _sealed_chain(harz)
    a, b = chain[1], chain[3]
    _sql("UPDATE cases_auditentry SET seq = -1 WHERE id = %s", [a.pk])
    _sql("UPDATE cases_auditentry SET seq = %s WHERE id = %s", [a.seq, b.pk])
    _sql("UPDATE cases_auditentry SET seq = %s WHERE id = %s", [b.seq, a.pk])
    assert services.verify_audit_chain()[1].pk == b.pk


def test_swapped_contents_of_sealed_entries_are_found(harz):
    """The chain hash covers the id: moving what entries say between rows is found even
    when every other column moves along."""
    chain = _sealed_chain(harz)
    a, b = chain[1], chain[2]
    for row, other in ((a, b), (b, a)):
        AuditEntry.objects.filter(pk=row.pk).update(
            at=other.at, actor=other.actor, detail=other.detail, leaf=other.leaf
        )
    assert services.verify_audit_chain()[1].pk == a.pk


def test_a_rewritten_stretch_of_the_chain_is_found_by_the_seal_heads(harz):
    """Someone who knows the formula changes an entry and recomputes every hash after it:
    the chain is consistent again, but no longer passes through the recorded head."""
    chain = _sealed_chain(harz)
    AuditEntry.objects.filter(pk=chain[1].pk).update(actor="mallory")
    prev = chain[0].hash
    for entry in AuditEntry.objects.filter(seq__gte=chain[1].seq).order_by("seq"):
        leaf = _leaf_of(entry)
        new = _link_hash(prev, entry.seq, entry.pk, leaf)
        AuditEntry.objects.filter(pk=entry.pk).update(leaf=leaf, prev_hash=prev, hash=new)
        prev = new
    _count, broken = services.verify_audit_chain()
    assert broken is not None and broken.pk == chain[-1].pk


def test_cut_off_sealed_entries_are_found_by_the_seal_heads(harz):
    chain = _sealed_chain(harz)
    _sql("DELETE FROM cases_auditentry WHERE seq >= %s", [chain[3].seq])
    _count, broken = services.verify_audit_chain()
    assert broken is not None and broken.pk == chain[-1].pk and broken.action == "audit.missing"


# -- tampering with entries not sealed yet ----------------------------------------------------
def test_a_changed_unsealed_entry_is_found_and_never_sealed(harz):
    services.seal_audit()
    entries = _entries(4)
    AuditEntry.objects.filter(pk=entries[1].pk).update(actor="mallory")
    assert services.verify_audit_chain(seal=False)[1].pk == entries[1].pk
    # sealing links the others and leaves the changed one out, where every check finds it
    assert services.seal_audit() == 3
    assert AuditEntry.objects.get(pk=entries[1].pk).seq is None
    assert services.verify_audit_chain()[1].pk == entries[1].pk
    assert services.audit_chain_status(fresh=True)["broken_id"] == entries[1].pk


def test_an_entry_inserted_without_the_writers_hash_is_found(harz):
    services.seal_audit()
    _entries(2)
    forged = AuditEntry.objects.create(at=harz_now(), actor="mallory", action="case.read")
    assert services.verify_audit_chain(seal=False)[1].pk == forged.pk
    assert services.verify_audit_chain()[1].pk == forged.pk


def test_reordered_unsealed_entries_are_found(harz):
    """The order of entries not sealed yet is their time: swapping it changes what the
    leaf hashes say."""
    services.seal_audit()
    a, b = _entries(2)
    AuditEntry.objects.filter(pk=a.pk).update(at=b.at)
    AuditEntry.objects.filter(pk=b.pk).update(at=a.at)
    assert services.verify_audit_chain(seal=False)[1].pk == a.pk


def test_the_auditor_page_shows_a_tampered_unsealed_entry(client, harz):
    case = open_demo_case()
    entry = AuditEntry.objects.get(case_ref=case.file_number, action="case.opened")
    assert entry.seq is None
    AuditEntry.objects.filter(pk=entry.pk).update(actor="mallory")
    login_as(client, "auditor")
    response = client.get("/sachbearbeitung/protokoll/", {"pruefen": "1"})
    chain = response.context["chain"]
    assert not chain["intact"] and chain["broken_id"] == entry.pk
    assert f"Nr. {entry.pk}" in response.content.decode()


def test_the_beat_task_seals(harz):
    from django.conf import settings

    from openkreis.cases import tasks

    entries = _entries(3)
    assert tasks.seal_audit.delay().get() >= 3
    assert all(AuditEntry.objects.get(pk=e.pk).seq for e in entries)
    schedule = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "openkreis.cases.tasks.seal_audit" in schedule


# -- the case's own entries -------------------------------------------------------------------
def test_open_case_writes_its_entries_with_its_file_number(harz):
    worker = StaffFactory(username="sb-seal")
    case = open_demo_case(documents=[("anlage.pdf", pdf_bytes(javascript=True))], actor=worker)
    assert not case.file_number.startswith("~")
    entries = AuditEntry.objects.filter(case_ref=case.file_number).order_by("id")
    assert [e.action for e in entries] == ["document.neutralised", "case.opened"]
    assert all(e.leaf == _leaf_of(e) for e in entries)
    assert not AuditEntry.objects.filter(case_ref__startswith="~").exists()
    assert services.verify_audit_chain()[1] is None
