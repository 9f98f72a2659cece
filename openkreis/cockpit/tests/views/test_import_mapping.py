"""Issue 15: real event logs (activities not named in German) mapped in the UI give lead
time and deadline adherence, checked against an independent computation with pandas on
the generated logs (not on anything the importer read)."""

import datetime as dt
import re

import pandas as pd
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from openkreis.cockpit import aggregates, engine, read
from openkreis.cockpit.models import CaseFact, ImportBatch, ImportSource
from openkreis.core.models import Event
from openkreis.core.testing import login_staff, make_staff

from .. import eventlogs

pytestmark = pytest.mark.django_db
DAY = 86400


@pytest.fixture
def manager(client, harz):
    user, secret = make_staff("map-chef", "landrat", "manager")
    login_staff(client, user, secret)
    return user


def upload(client, name, content, **fields):
    r = client.post("/cockpit/import/", {"file": SimpleUploadedFile(name, content), **fields})
    assert r.status_code == 302, r.content.decode()[:2000]
    return r["Location"]


def start(client, url, capture, **roles):
    with capture(execute=True):
        r = client.post(url, {"action": "start", **roles})
    assert r.status_code == 302, r.content.decode()[:3000]
    return ImportBatch.objects.get(pk=int(url.rstrip("/").rsplit("/", 1)[-1]))


def stored_leads(batch) -> pd.Series:
    facts = CaseFact.objects.filter(source=batch.source, decided_at__isnull=False)
    return pd.Series(
        {f.subject.rsplit(":", 1)[-1]: f.lead_seconds for f in facts}, dtype="int64"
    ).sort_index()


def headline(service):
    f = read.Filters(
        period="month", start=dt.date(2010, 1, 1), end=dt.date(2012, 12, 31), service=service
    )
    return read.headline(f)


def test_bpic2012_first_to_last_event_equals_pandas(
    client, manager, django_capture_on_commit_callbacks
):
    """The Done criterion: a BPIC-2012-shaped XES (A_*/O_*/W_* activities, lifecycle
    transitions), start = first event, end = last event chosen in the mapping step: the
    stored lead times, median, p90 and mean are those pandas computes first → last."""
    url = upload(
        client, "financial_log.xes", eventlogs.bpic2012_xes(), service="kredit", source="BPIC 2012"
    )
    page = client.get(url).content.decode()
    assert "Wo beginnt und endet ein Fall?" in page
    assert 'value="A_SUBMITTED"' in page and "W_Completeren aanvraag" in page
    assert "Die ersten Zeilen der Datei" in page and "Beispiel: Fall 173688" in page
    batch = start(
        client, url, django_capture_on_commit_callbacks, start="__first__", end="__last__"
    )
    assert batch.status == "done" and batch.skipped == 0

    rows = [
        (case, activity, at)
        for case, _attrs, events in eventlogs.bpic2012_traces()
        for activity, _lc, at, _res in events
    ]
    df = pd.DataFrame(rows, columns=["case", "activity", "at"])
    df["at"] = pd.to_datetime(df["at"], utc=True)
    span = df.groupby("case")["at"].agg(["min", "max"])
    lead = (span["max"] - span["min"]).dt.total_seconds()
    assert batch.events == len(df) and batch.cases == len(span)

    # every case, to the second (CaseFact keeps whole seconds), and exactly in the engine
    assert stored_leads(batch).to_dict() == lead.round().astype("int64").sort_index().to_dict()
    evs = [aggregates.to_ev(e) for e in Event.objects.filter(data__source=batch.source)]
    exact = engine.lead_time(list(engine.fold_all(evs).values()))
    assert exact["median"] == pytest.approx(lead.quantile(0.5), abs=1e-6)
    assert exact["p90"] == pytest.approx(lead.quantile(0.9), abs=1e-6)
    assert exact["mean"] == pytest.approx(lead.mean(), abs=1e-6)
    rounded = lead.round()
    facts = list(
        CaseFact.objects.filter(source=batch.source).values_list("lead_seconds", flat=True)
    )
    assert engine.median(facts) == rounded.quantile(0.5)
    assert engine.percentile(facts, 0.9) == rounded.quantile(0.9)
    # the dashboard: median and p90 over whole hours (its histogram), the mean exact
    h = headline("kredit")
    assert h["n_decided"] == len(span)
    assert h["median_lead_days"] == (rounded // 3600).quantile(0.5) / 24
    assert h["p90_lead_days"] == (rounded // 3600).quantile(0.9) / 24
    assert h["mean_lead_days"] == pytest.approx(rounded.mean() / DAY)


def test_running_example_with_named_start_end_and_reopening(
    client, manager, django_capture_on_commit_callbacks
):
    """van der Aalst's running example: start 'register request', end 'pay compensation'
    or 'reject request', 'reinitiate request' reopens; target 7 days after the start."""
    url = upload(
        client, "running-example.xes", eventlogs.running_example(), service="entschaedigung"
    )
    batch = start(
        client,
        url,
        django_capture_on_commit_callbacks,
        start="register request",
        end=["pay compensation", "reject request"],
        reopened=["reinitiate request"],
        target_days="7",
    )
    assert batch.status == "done" and batch.events == 42 and batch.cases == 6
    xml = eventlogs.running_example().decode()
    rows = []
    for trace in xml.split("<trace>")[1:]:
        case = re.search(r'key="concept:name" value="([^"]+)"', trace).group(1)
        for ev in trace.split("<event>")[1:]:
            activity = re.search(r'key="concept:name" value="([^"]+)"', ev).group(1)
            at = re.search(r'key="time:timestamp" value="([^"]+)"', ev).group(1)
            rows.append((case, activity, at))
    df = pd.DataFrame(rows, columns=["case", "activity", "at"])
    df["at"] = pd.to_datetime(df["at"], utc=True)
    first = df[df.activity == "register request"].groupby("case")["at"].min()
    end = df[df.activity.isin(["pay compensation", "reject request"])].groupby("case")["at"].max()
    lead = (end - first).dt.total_seconds().astype("int64").sort_index()
    assert stored_leads(batch).to_dict() == lead.to_dict()
    reopened = df[df.activity == "reinitiate request"].groupby("case").size()
    facts = {f.subject.rsplit(":", 1)[-1]: f for f in CaseFact.objects.filter(source=batch.source)}
    assert {c: f.reopened for c, f in facts.items() if f.reopened} == reopened.to_dict()
    on_time = (lead <= 7 * DAY).sum()
    assert sum(1 for f in facts.values() if f.on_time) == on_time
    h = headline("entschaedigung")
    assert h["deadline_rate"] == pytest.approx(on_time / len(lead))
    assert 0 < h["deadline_rate"] < 1


def test_permit_csv_columns_then_roles_and_the_mapping_is_remembered(
    client, manager, django_capture_on_commit_callbacks
):
    """A building-permit CSV with Dutch activity names: columns first (the first rows of
    the file shown), then roles with one example case; the second file of the same
    source is offered the same mapping."""
    content = eventlogs.permit_csv()
    url = upload(
        client, "permits.csv", content, service="omgevingsvergunning", source="GM1 Omgeving"
    )
    page = client.get(url).content.decode()
    assert "Welche Spalte enthält was?" in page and "Die ersten Zeilen der Datei" in page
    assert 'value="case:concept:name" selected' in page
    r = client.post(
        url,
        {"case_id": "case:concept:name", "activity": "concept:name", "timestamp": "time:timestamp"},
    )
    assert r.status_code == 302
    page = client.get(url).content.decode()
    assert eventlogs.PERMIT_START in page and "Wo beginnt und endet ein Fall?" in page
    roles = {
        "start": eventlogs.PERMIT_START,
        "end": [eventlogs.PERMIT_END],
        "requests": [eventlogs.PERMIT_REQUEST],
        "target_days": "56",
    }
    # the example follows the roles as posted, before anything is imported
    r = client.post(url, {"action": "preview", **roles})
    assert r.status_code == 200 and "Zählt als" in r.content.decode()
    assert "Ende (Entscheidung)" in r.content.decode()
    assert ImportBatch.objects.get().status == "uploaded"
    batch = start(client, url, django_capture_on_commit_callbacks, **roles)
    assert batch.status == "done"

    df = pd.DataFrame(eventlogs.permit_rows(), columns=["case", "activity", "at", "res", "gm"])
    df["at"] = pd.to_datetime(df["at"], utc=True)
    first = df[df.activity == eventlogs.PERMIT_START].groupby("case")["at"].min()
    end = df[df.activity == eventlogs.PERMIT_END].groupby("case")["at"].max()
    lead = (end - first.loc[end.index]).dt.total_seconds().round().astype("int64").sort_index()
    assert stored_leads(batch).to_dict() == lead.to_dict()
    open_cases = set(first.index) - set(end.index)
    assert open_cases
    assert set(
        CaseFact.objects.filter(source=batch.source, decided_at__isnull=True).values_list(
            "subject", flat=True
        )
    ) == {f"import:{batch.pk}:{c}" for c in open_cases}
    requests = df[df.activity == eventlogs.PERMIT_REQUEST].groupby("case").size()
    assert dict(
        CaseFact.objects.filter(source=batch.source, requests__gt=0).values_list(
            "subject", "requests"
        )
    ) == {f"import:{batch.pk}:{c}": n for c, n in requests.items()}
    h = headline("omgevingsvergunning")
    assert h["deadline_rate"] == pytest.approx((lead <= 56 * DAY).mean())

    source = ImportSource.objects.get(name="GM1 Omgeving")
    assert source.mapping["roles"]["end"] == [eventlogs.PERMIT_END]
    url2 = upload(client, "permits-2.csv", content, source="GM1 Omgeving")
    page = client.get(url2).content.decode()
    assert 'value="time:timestamp" selected' in page
    client.post(
        url2,
        {"case_id": "case:concept:name", "activity": "concept:name", "timestamp": "time:timestamp"},
    )
    page = client.get(url2).content.decode()
    assert re.search(r'value="besluit verzonden"[^>]*checked', page)
    assert re.search(r'value="verzoek om aanvullende gegevens"[^>]*checked', page)
    assert 'value="56"' in page


@pytest.mark.parametrize(
    "roles,message",
    [
        ({"start": "__first__", "end": ["__last__", "decide"]}, "entweder das letzte Ereignis"),
        ({"start": "decide", "end": ["decide"]}, "kann nicht zugleich"),
        ({"start": "__first__"}, "Dieses Feld muss ausgefüllt werden"),
        ({"start": "gibt es nicht", "end": ["__last__"]}, "keine gültige Auswahl"),
    ],
)
def test_contradicting_roles_give_a_german_400(client, manager, roles, message):
    url = upload(client, "running-example.xes", eventlogs.running_example())
    r = client.post(url, {"action": "start", **roles})
    assert r.status_code == 400 and message in r.content.decode()
    assert ImportBatch.objects.get().status == "uploaded"
