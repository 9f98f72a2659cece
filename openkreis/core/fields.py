"""Model fields shared by the apps."""

from __future__ import annotations

import json
import re
from functools import cache

from django.db import DataError, models
from django.db.models import lookups as builtin
from django.db.models.fields.json import KeyTransform, KeyTransformFactory
from django.db.models.functions import Cast

# the JSON escape of a NUL character (an odd number of backslashes before "u0000")
_NUL = re.compile(r"(?<!\\)(?:\\\\)*\\u0000")
# lookups on the whole value that need jsonb's operators or equality; the text lookups
# (startswith, iexact, icontains, regex, …) read `json` as text as they read `jsonb`
_NEEDS_JSONB = (
    builtin.PostgresOperatorLookup,  # contains, contained_by, has_key(s), has_any_keys
    builtin.Exact,
    builtin.In,
    builtin.GreaterThan,
    builtin.GreaterThanOrEqual,
    builtin.LessThan,
    builtin.LessThanOrEqual,
    builtin.Range,
)


class StoredJSONField(models.JSONField):
    """A JSONField whose PostgreSQL column keeps the JSON text as it was written (`json`)
    instead of converting it to PostgreSQL's binary form (`jsonb`) on the way in and back
    to text on every way out. For values written often and read back whole in bulk: the
    event log's `data` (issue 26: the cockpit's full recompute reads ten million of them at
    a million cases; as `jsonb` turning them back into text cost the server 12 of the
    read's 22 CPU seconds, docs/scaling.md). PostgreSQL still checks the syntax on the way
    in (`json`; `pg_type = "text"` skips that too, cockpit.models.TextJSONField).

    Lookups work as on a JSONField (`data__key=…`, `data__key__in`, `has_key`, `contains`,
    GROUP BY a key): on PostgreSQL they read the column as `jsonb` (`(data)::jsonb -> 'key'`),
    which converts only the rows the query looks at — keep such queries to rows already
    narrowed by an index (a kind, a subject, a time range). The text lookups (`startswith`,
    `icontains`, …) read the text as on `jsonb`. Read back through the project's PostgreSQL
    backend, which hands `json` over as text as Django has `jsonb` handed over
    (core/db/postgresql), so a value is decoded exactly once. A NUL character (`\\u0000`) is
    refused as `jsonb` refused it (`json` would take it, and every cast to `jsonb` would then
    fail on that row). Elsewhere (SQLite) a plain JSONField, which is text there anyway."""

    pg_type = "json"

    def db_type(self, connection):
        return self.pg_type if connection.vendor == "postgresql" else super().db_type(connection)

    def get_db_prep_value(self, value, connection, prepared=False):
        if connection.vendor != "postgresql":
            return super().get_db_prep_value(value, connection, prepared)
        if not prepared:
            value = self.get_prep_value(value)
        # as JSONField.get_db_prep_value does: a JSON Value's value, other expressions as
        # they are, None as JSON null (SQL NULL comes from get_db_prep_save); the text goes
        # as an untyped literal, which PostgreSQL reads as the column's type (or as jsonb
        # beside a lookup's cast)
        if isinstance(value, models.Value) and isinstance(value.output_field, models.JSONField):
            value = value.value
        elif hasattr(value, "as_sql"):
            return value
        text = json.dumps(value, cls=self.encoder)
        if "\\u0000" in text and _NUL.search(text):
            raise DataError("unsupported Unicode escape sequence: JSON text with \\u0000")
        return text

    def from_db_value(self, value, expression, connection):
        # the project's backend hands `json` (and Django's `jsonb`) over as text; a driver
        # that decodes it itself gives the value
        if value is None or isinstance(value, str):
            return super().from_db_value(value, expression, connection)
        return value

    def get_transform(self, name):
        transform = super().get_transform(name)
        if isinstance(transform, KeyTransformFactory):
            return _JsonbKeyFactory(name)
        return transform

    def get_lookup(self, lookup_name):
        lookup = super().get_lookup(lookup_name)
        if lookup is not None and issubclass(lookup, _NEEDS_JSONB):
            return _on_jsonb(lookup)
        return lookup


def _as_jsonb(sql: str, connection) -> str:
    return f"({sql})::jsonb" if connection.vendor == "postgresql" else sql


class _JsonbKeyTransform(KeyTransform):
    """`data__key`: the column read as jsonb first (json has no equality, so no GROUP BY or
    `=` on its values)."""

    def preprocess_lhs(self, compiler, connection):
        lhs, params, keys = super().preprocess_lhs(compiler, connection)
        return _as_jsonb(lhs, connection), params, keys


class _JsonbKeyFactory(KeyTransformFactory):
    def __call__(self, *args, **kwargs):
        return _JsonbKeyTransform(self.key_name, *args, **kwargs)


@cache
def _on_jsonb(lookup: type) -> type:
    """The lookup on the whole field (exact, contains, has_key, …) with the column read as
    jsonb."""

    def process_lhs(self, compiler, connection, lhs=None):
        sql, params = super(cls, self).process_lhs(compiler, connection, lhs)
        return _as_jsonb(sql, connection), params

    cls = type(lookup.__name__, (lookup,), {"process_lhs": process_lhs})
    return cls


def comparable(name: str) -> Cast:
    """The whole JSON value of a StoredJSONField column, for GROUP BY or DISTINCT (PostgreSQL's
    `json` has no equality; its `jsonb` form has, and compares objects whatever the order of
    their keys). Elsewhere the stored text."""
    return Cast(name, models.JSONField())
