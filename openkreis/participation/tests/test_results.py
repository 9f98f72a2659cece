"""Results (results.py, views_results.py): counts, shares, scale mean and median, Borda
points, small-cell suppression (primary and secondary), texts for the unit's staff only, the
map grid, who sees the page, the CSV and the DCAT-AP.de open-data metadata."""

from __future__ import annotations

import json

import pytest
from django.utils import timezone

from openkreis.core.testing import login_staff, make_staff
from openkreis.participation import results
from openkreis.participation.models import Question, Survey

from . import _p3data as data

pytestmark = pytest.mark.django_db
PAST = timezone.now() - timezone.timedelta(days=1)


@pytest.fixture
def closed(harz):
    """A closed survey: 21 ballots (18 Wernigerode, 3 Thale) with every kind of question."""
    s = data.survey(
        audience=Survey.Audience.PUBLIC,
        opens_at=PAST - timezone.timedelta(days=20),
        closes_at=PAST,
    )
    single = data.question(s, Question.Kind.SINGLE, "Wie oft fahren Sie Rad?", ("a", "b", "c"))
    multi = data.question(s, Question.Kind.MULTIPLE, "Wofür?", ("x", "y"))
    scale = data.question(
        s,
        Question.Kind.SCALE,
        "Wie zufrieden?",
        scale_min=1,
        scale_max=5,
        scale_min_label="gar nicht",
        scale_max_label="sehr",
    )
    rank = data.question(s, Question.Kind.RANKING, "Was zuerst?", ("r0", "r1", "r2"))
    text = data.question(s, Question.Kind.TEXT, "Was noch?")
    point = data.question(s, Question.Kind.POINT, "Wo fehlt ein Radweg?")
    small = data.question(s, Question.Kind.SINGLE, "Selten gefragt", ("s",))
    wr, thale = data.municipality("Wernigerode"), data.municipality("Thale")
    o = {q.id: {opt.key: opt for opt in q.options.all()} for q in (single, multi, rank, small)}
    for i in range(21):
        answers = [
            {"question": single, "option": o[single.id]["a" if i < 12 else "b" if i < 18 else "c"]}
        ]
        if i < 10:
            answers.append({"question": multi, "option": o[multi.id]["x"]})
        if i < 2:
            answers.append({"question": multi, "option": o[multi.id]["y"]})
        answers.append({"question": scale, "number": 1 if i < 2 else 3 if i < 7 else 5})
        if i < 10:
            answers += [
                {"question": rank, "option": o[rank.id]["r0"], "number": 1},
                {"question": rank, "option": o[rank.id]["r1"], "number": 2},
                {"question": rank, "option": o[rank.id]["r2"], "number": 3},
            ]
        elif i < 15:
            answers += [
                {"question": rank, "option": o[rank.id]["r1"], "number": 1},
                {"question": rank, "option": o[rank.id]["r0"], "number": 2},
            ]
        if i < 6:
            answers.append({"question": text, "text": f"Geheimer Hinweis Nummer {i}"})
        if i < 7:
            answers.append({"question": point, "lat": 51.8351 + i * 0.0001, "lon": 10.7851})
        elif i < 9:
            answers.append({"question": point, "lat": 51.7051, "lon": 11.0051})
        if i < 3:
            answers.append({"question": small, "option": o[small.id]["s"]})
        data.ballot(s, wr if i < 18 else thale, answers)
    return s


def _by_label(qr):
    return {r.label: r for r in qr.rows}


def test_counts_shares_and_small_cells(closed, django_assert_max_num_queries):
    with django_assert_max_num_queries(12):
        res = results.compute(closed)
    assert res.ballots == 21 and res.k == 5
    # 18 and 3 by municipality: Thale's 3 hidden, and Wernigerode's too (21 − 18 = 3)
    assert {r.label: r.count for r in res.municipalities} == {"Wernigerode": None, "Thale": None}
    single, multi, scale, rank, text, point, small = res.questions
    rows = _by_label(single)
    assert single.respondents == 21
    assert rows["a"].count == 12 and rows["a"].share == pytest.approx(57.1)
    # c (3) is below 5; b (6) is hidden too, or 21 − 12 − 6 would give c away
    assert rows["c"].count is None and rows["b"].count is None and rows["b"].share is None
    # multiple choice: the options do not add up to the respondents: only y is hidden
    assert {r.label: r.count for r in multi.rows} == {"x": 10, "y": None}
    assert multi.respondents == 10
    values = {r.label.split(" ")[0]: r.count for r in scale.rows}
    assert values == {"1": None, "2": 0, "3": None, "4": 0, "5": 14}
    assert scale.mean == pytest.approx(4.14, abs=0.01) and scale.median == 5
    assert scale.rows[0].label == "1 (gar nicht)" and scale.rows[-1].label == "5 (sehr)"
    # Borda: 3 points for a first place, 2 for a second, 1 for a third
    assert [(r.label, r.points, r.count) for r in rank.rows] == [
        ("r0", 40, 15),
        ("r1", 35, 15),
        ("r2", 10, 10),
    ]
    assert rank.rows[0].mean_rank == pytest.approx(1.33, abs=0.01)
    assert text.text_count == 6 and text.texts == []  # not for the public
    assert [c["count"] for c in point.cells] == [7] and point.hidden_points == 2
    assert small.respondents is None and small.rows == []


def test_staff_see_texts_and_small_map_cells(closed):
    res = results.compute(closed, staff=True)
    text, point = res.questions[4], res.questions[5]
    assert sorted(text.texts) == [f"Geheimer Hinweis Nummer {i}" for i in range(6)]
    assert [c["count"] for c in point.cells] == [7, 2] and point.cells[1]["small"]


def test_texts_need_min_group_answers_even_for_staff(closed):
    closed.min_group = 7
    closed.save()
    text = results.compute(closed, staff=True).questions[4]
    assert text.text_count == 6 and text.texts == []


def _url(s, tail="ergebnisse/"):
    return f"/beteiligung/umfragen/{s.key}/{tail}"


def test_the_public_page(client, closed):
    response = client.get(_url(closed))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Geheimer Hinweis" not in html
    assert "weniger als 5" in html or "fewer than 5" in html
    assert html.count('<svg class="chart"') >= 4 and '<th scope="row">a</th>' in html
    assert "<caption" in html and 'scope="col"' in html
    english = client.get("/en" + _url(closed))
    assert english.status_code == 200 and "fewer than 5" in english.content.decode()
    assert "Cycle paths in the Harz" in english.content.decode()


ROLES = {
    "editor": (data.UNIT, ["survey_editor"]),
    "other-editor": (data.OTHER_UNIT, ["survey_editor"]),
}


@pytest.mark.parametrize(
    "state, who, status",
    [
        ("closed", "anonymous", 200),
        ("closed", "citizen", 200),
        ("closed", "editor", 200),
        ("open", "anonymous", 404),
        ("open", "citizen", 404),
        ("open", "other-editor", 404),
        ("open", "editor", 200),
        ("draft", "anonymous", 404),
        ("draft", "other-editor", 404),
        ("draft", "editor", 200),
        ("hidden", "anonymous", 404),
        ("hidden", "editor", 200),
        ("archived", "anonymous", 200),
    ],
)
def test_who_sees_the_results(client, harz, django_user_model, state, who, status):
    fields = {
        "closed": {"closes_at": PAST},
        "open": {},
        "draft": {"status": Survey.Status.DRAFT},
        "hidden": {"closes_at": PAST, "results_public": False},
        "archived": {"closes_at": PAST, "status": Survey.Status.ARCHIVED},
    }[state]
    s = data.survey(**fields)
    q = data.question(s, Question.Kind.TEXT, "Was noch?")
    for i in range(5):
        data.ballot(s, None, [{"question": q, "text": f"Text {i}"}])
    if who == "citizen":
        client.force_login(django_user_model.objects.create_user("p3-r-citizen", password="x"))
    elif who != "anonymous":
        user, secret = make_staff(f"p3-r-{who}", ROLES[who][0], *ROLES[who][1])
        login_staff(client, user, secret)
    response = client.get(_url(s))
    assert response.status_code == status
    assert client.get(_url(s, "ergebnisse.csv")).status_code == status
    if status == 200:
        assert ("Text 3" in response.content.decode()) == (who == "editor")


def test_csv_export_has_the_same_suppression(client, closed):
    response = client.get(_url(closed, "ergebnisse.csv"))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8-sig")
    assert "Geheimer Hinweis" not in text
    lines = text.splitlines()
    assert lines[0].startswith("frage_nr;frage;art;antwort;anzahl")
    assert "1;Wie oft fahren Sie Rad?;single;a;12;57.1;" in lines
    assert "1;Wie oft fahren Sie Rad?;single;c;<5;;" in lines
    assert any(
        line.startswith("4;Was zuerst?;ranking;r0;15;") and line.endswith(";40") for line in lines
    )


def test_open_data_descriptions(client, closed, harz):
    open_survey = data.survey(key="p3-offen")
    one = client.get(_url(closed, "ergebnisse.jsonld"))
    assert one.status_code == 200 and one["Content-Type"] == "application/ld+json"
    dataset = json.loads(one.content)
    assert dataset["@type"] == "dcat:Dataset"
    assert dataset["dct:license"]["@id"] == "http://dcat-ap.de/def/licenses/dl-zero-de/2.0"
    dist = dataset["dcat:distribution"][0]
    assert dist["dcat:downloadURL"]["@id"].endswith(
        f"/beteiligung/umfragen/{closed.key}/ergebnisse.csv"
    )
    assert dist["dct:format"]["@id"].endswith("file-type/CSV")
    assert client.get(_url(open_survey, "ergebnisse.jsonld")).status_code == 404
    catalogue = json.loads(client.get("/beteiligung/opendata/katalog.jsonld").content)
    keys = {d["dct:identifier"] for d in catalogue["dcat:dataset"]}
    assert closed.key in keys and open_survey.key not in keys
    assert catalogue["@type"] == "dcat:Catalog"
