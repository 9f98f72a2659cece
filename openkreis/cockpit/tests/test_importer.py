"""The importer on its own (importer.py): resumable runs, and imported logs give the same
KPIs as the engine on the same events."""

import pytest

from openkreis.cockpit import aggregates, engine, importer
from openkreis.core.models import Event

from .factories import ImportBatchFactory

pytestmark = pytest.mark.django_db


def test_import_is_resumable(harz):
    batch = ImportBatchFactory(events=2, status="running")  # crashed after two events
    assert importer.run(batch.pk) == 4
    assert Event.objects.filter(data__source=batch.source).count() == 2  # only the rest


def test_imported_kpis_equal_the_engine_on_the_same_log(harz):
    batch = ImportBatchFactory(csv=True)
    importer.run(batch.pk)
    aggregates.refresh()
    evs = [aggregates.to_ev(e) for e in Event.objects.filter(data__source=batch.source)]
    facts = engine.fold_all(evs)
    assert engine.lead_time(list(facts.values()))["median"] == 7 * 86400


def test_a_finished_batch_is_not_run_again(harz):
    """A task delivered again after the batch finished writes nothing and keeps its state."""
    batch = ImportBatchFactory()
    assert importer.run(batch.pk) == 4
    assert importer.run(batch.pk) == 4
    batch.refresh_from_db()
    assert batch.status == "done"
    assert Event.objects.filter(data__source=batch.source).count() == 4
