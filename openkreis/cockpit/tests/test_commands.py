"""manage.py cockpit_import: the same import as the upload page, from the command line,
compressed files included; the source's mapping is reused."""

import pytest
from django.core.management import CommandError, call_command

from openkreis.cockpit.models import CaseFact, ImportBatch

from . import eventlogs

pytestmark = pytest.mark.django_db


def leads(batch):
    return sorted(
        CaseFact.objects.filter(source=batch.source).values_list("subject", "lead_seconds")
    )


def test_cockpit_import_of_a_gzip_log_and_the_source_mapping_reused(harz, tmp_path, capsys):
    path = tmp_path / "financial_log.xes.gz"
    path.write_bytes(eventlogs.gz(eventlogs.bpic2012_xes(cases=30)))
    call_command(
        "cockpit_import", str(path), "--source", "BPIC 2012", "--service", "kredit",
        "--start", "A_SUBMITTED", "--end", "A_APPROVED", "--end", "A_DECLINED",
        "--end", "A_CANCELLED",
    )  # fmt: skip
    first = ImportBatch.objects.get()
    out = capsys.readouterr().out
    assert "Fertig" in out and f"{first.events} Ereignisse" in out
    assert first.status == "done" and first.format == "xes"
    assert first.mapping["roles"]["start"] == "A_SUBMITTED"
    decided = CaseFact.objects.filter(source=first.source, decided_at__isnull=False).count()
    assert 0 < decided <= 30
    call_command("cockpit_import", str(path), "--source", "BPIC 2012", "--service", "kredit")
    second = ImportBatch.objects.exclude(pk=first.pk).get()
    assert second.mapping["roles"] == first.mapping["roles"]
    strip = [(s.rsplit(":", 1)[-1], lead) for s, lead in leads(first)]
    assert strip == [(s.rsplit(":", 1)[-1], lead) for s, lead in leads(second)]


def test_cockpit_import_of_a_csv_guesses_the_columns(harz, tmp_path):
    path = tmp_path / "permits.csv.gz"
    path.write_bytes(eventlogs.gz(eventlogs.permit_csv(cases=10)))
    call_command("cockpit_import", str(path), "--end", eventlogs.PERMIT_END)
    batch = ImportBatch.objects.get()
    assert batch.status == "done" and batch.mapping["case_id"] == "case:concept:name"


@pytest.mark.parametrize(
    "name,content,args,message",
    [
        ("x.xes", eventlogs.running_example(), ["--end", "gibt es nicht"], "nicht in der Datei"),
        ("x.pdf", b"%PDF", [], "Nur .xes"),
        ("x.xes", eventlogs.truncated(eventlogs.running_example()), [], "abgebrochen"),
    ],
)
def test_cockpit_import_refuses_with_a_message(harz, tmp_path, name, content, args, message):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(CommandError, match=message):
        call_command("cockpit_import", str(path), *args)
    assert not CaseFact.objects.exists()
