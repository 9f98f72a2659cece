"""StoredJSONField: the event log's data kept as the JSON text on PostgreSQL (`json`), read
back whole exactly, and every JSON lookup still working (on SQLite a plain JSONField)."""

import pytest
from django.db import DataError, connection, transaction
from django.db.models import Count
from django.db.models.fields.json import KeyTextTransform
from django.utils import timezone

from openkreis.cockpit.models import CaseFact
from openkreis.core.models import Event

pytestmark = pytest.mark.django_db
on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the column types are PostgreSQL's"
)


def event(subject: str, **data) -> Event:
    return Event.objects.create(
        kind="test.kind", occurred_at=timezone.now(), subject=subject, data=data
    )


@on_postgresql
def test_the_columns_keep_the_text():
    with connection.cursor() as cur:
        cur.execute(
            "SELECT format_type(atttypid, atttypmod) FROM pg_attribute"
            " WHERE attrelid = 'core_event'::regclass AND attname = 'data'"
        )
        assert cur.fetchone()[0] == "json"
        cur.execute(
            "SELECT format_type(atttypid, atttypmod) FROM pg_attribute"
            " WHERE attrelid = %s::regclass AND attname = 'steps'",
            [CaseFact._meta.db_table],
        )
        assert cur.fetchone()[0] == "text"


def test_values_read_back_exactly():
    value = {
        "ümlaut": 'Prüfung € \t \\ " \n',
        "float": 1738281927.5545626,
        "tiny": 5e-324,
        "big": 2**63 + 1,
        "list": [1, None, True, {"a": []}],
    }
    e = event("case:1", **value)
    assert Event.objects.get(pk=e.pk).data == value
    assert list(Event.objects.filter(pk=e.pk).values_list("data", flat=True)) == [value]


def test_key_lookups_and_grouping_by_a_key():
    a = event("case:a", service="bau", n=1, nested={"unit": "amt-bau"})
    b = event("case:b", service="kfz", n=2, nested={"unit": "amt-kfz"})
    c = event("case:c", service="bau", n=0)
    ids = [a.pk, b.pk, c.pk]
    mine = Event.objects.filter(pk__in=ids)

    def subjects(qs):
        return sorted(qs.values_list("subject", flat=True))

    assert subjects(mine.filter(data__service="bau")) == ["case:a", "case:c"]
    assert subjects(mine.filter(data__n=0)) == ["case:c"]
    assert subjects(mine.filter(data__n__gte=1)) == ["case:a", "case:b"]
    assert subjects(mine.filter(data__service__in=["kfz", "x"])) == ["case:b"]
    assert subjects(mine.filter(data__nested__unit="amt-kfz")) == ["case:b"]
    assert subjects(mine.filter(data__has_key="nested")) == ["case:a", "case:b"]
    assert subjects(mine.filter(data__nested__isnull=True)) == ["case:c"]
    assert subjects(mine.filter(data__service__startswith="k")) == ["case:b"]
    # GROUP BY a key's value (json has no equality: the lookup reads the column as jsonb)
    rows = mine.values("data__service").annotate(k=Count("id")).order_by("data__service")
    assert [(r["data__service"], r["k"]) for r in rows] == [("bau", 2), ("kfz", 1)]
    texts = mine.annotate(s=KeyTextTransform("service", "data")).values("s").annotate(k=Count("id"))
    assert sorted((r["s"], r["k"]) for r in texts) == [("bau", 2), ("kfz", 1)]


@on_postgresql
def test_whole_value_lookups_on_postgresql():
    a = event("case:a", service="bau", tags=["x", "y"])
    event("case:b", service="kfz")
    mine = Event.objects.filter(subject__in=["case:a", "case:b"])
    assert [e.pk for e in mine.filter(data__contains={"tags": ["y"]})] == [a.pk]
    assert [e.pk for e in mine.filter(data={"service": "bau", "tags": ["x", "y"]})] == [a.pk]
    assert mine.filter(data__contained_by={"service": "kfz", "other": 1}).count() == 1
    assert mine.filter(data__has_keys=["service", "tags"]).count() == 1
    assert mine.filter(data__has_any_keys=["tags", "nothing"]).count() == 1


def test_text_lookups_on_the_whole_value_and_values_that_are_not_objects():
    a = event("case:a", service="Bauamt")
    text = Event.objects.create(
        kind="test.kind", occurred_at=timezone.now(), subject="case:s", data="123"
    )
    listed = Event.objects.create(
        kind="test.kind", occurred_at=timezone.now(), subject="case:l", data=["x", 2]
    )
    # a JSON string at the top is decoded once (not read as the number 123)
    assert Event.objects.get(pk=text.pk).data == "123"
    assert Event.objects.get(pk=listed.pk).data == ["x", 2]
    mine = Event.objects.filter(pk__in=[a.pk, text.pk, listed.pk])
    assert [e.pk for e in mine.filter(data__icontains="BAUAMT")] == [a.pk]
    assert [e.pk for e in mine.filter(data__startswith='{"service"')] == [a.pk]
    assert [e.pk for e in mine.filter(data__iexact='"123"')] == [text.pk]
    assert mine.filter(data__isnull=False).count() == 3
    assert [e.pk for e in mine.filter(data="123")] == [text.pk]


@on_postgresql
def test_a_nul_character_is_refused_as_jsonb_refused_it():
    with pytest.raises(DataError), transaction.atomic():
        event("case:n", name="a\x00b")
    kept = event("case:n", name="a\\u0000b")  # a backslash and "u0000": no NUL
    assert Event.objects.get(pk=kept.pk).data == {"name": "a\\u0000b"}
