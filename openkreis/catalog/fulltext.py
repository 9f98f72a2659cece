"""One full-text search layer for the whole project: collections of documents (the
marketplace's products, …) that the project indexes and queries through one API, with the
engine behind a registry.

    collections.register("products", Collection(id="products", model=Product, fields={…}))
    index("products", pks=[…])                       # after writing rows
    rows = match("products", "akuschrauber", Product.objects.filter(active=True))
    rows.order_by("-relevance")                      # every row carries `relevance` (0..1]

Two backends (`backends`), chosen by the setting `OPENKREIS_FULLTEXT_BACKEND` or else by the
database vendor:

- **postgres** (on PostgreSQL): the database's own full-text search with the 'german'
  configuration. Each document carries a weighted `tsvector` (`setweight(to_tsvector('german',
  name), 'A') || …`, one UPDATE per batch) with a GIN index. The vocabulary of the collection
  (`catalog.SearchTerm`: the German stems of its documents, e.g. "akkuschraub") has a pg_trgm
  trigram index; a query word that is no known stem is matched against it — by similarity for
  typos ("akuschrauber" → "akkuschraub") and by suffix for compound words ("bohrer" →
  "steinbohr", "holzbohr": `term LIKE '%bohr'`). The county's synonyms are OR-ed in; every word
  of the query must match (an AND of OR-groups) and the last word also counts as a prefix
  (`:*`, for typing). Why in the database: there is one index shared by every web node and
  worker, updated in the same transaction as the rows, and a million products do not have to
  live in each process's memory (nor be rebuilt in each after every stock upload).
- **memory** (on SQLite, the demo and the tests): the catalogue's in-process engine
  (`catalog.search.SearchIndex`: Snowball stems, RapidFuzz typos, compounds, synonyms), built
  from the collection's rows and cached per collection until a cheap version check (row count
  and latest change) says the rows changed. Right for a few thousand documents.

The catalogue's own service search (catalog/search.py) stays the in-process engine: a county
has a few thousand services, and it ranks them with knowledge of the catalogue.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.conf import settings
from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    Count,
    FloatField,
    Max,
    Model,
    QuerySet,
    Value,
    When,
)
from django.db.models.expressions import RawSQL

from openkreis.core.registry import Registry

from .models import SearchTerm
from .search import FIELD_WEIGHTS, STOPWORDS, SearchIndex, stem

WEIGHTS = ("A", "B", "C", "D")
# A document's texts per weight, as the in-memory engine's fields: A is the name, B what
# the thing is (brand, category), C a summary, D the running text.
MEMORY_FIELDS = {"A": "name", "B": "keywords", "C": "summary", "D": "description"}
WORD_RE = re.compile(r"[0-9a-zäöüß]+")
MAX_WORDS = 6
BATCH = 5000
MAX_EXPANSIONS = 64  # stems a last word's prefix is replaced by (see match_tsquery)
# ts_rank weights of D, C, B, A
RANK_WEIGHTS = "{0.1, 0.3, 0.5, 1.0}"


@dataclass
class Collection:
    """A set of documents the search layer indexes: rows of `model`, their texts `fields`
    (field name → weight "A".."D"), the vector in `vector_field` (PostgreSQL), the county's
    `synonyms` (a callable returning word groups) and `filter` (a callable returning the
    queryset of rows worth indexing; default: all)."""

    id: str
    model: type[Model]
    fields: dict[str, str]
    vector_field: str = "search_vector"
    synonyms: Callable[[], list[list[str]]] = field(default=lambda: [])
    filter: Callable[[], QuerySet] | None = None

    def rows(self) -> QuerySet:
        return self.filter() if self.filter is not None else self.model._default_manager.all()

    def synonym_groups(self) -> list[list[str]]:
        return [[str(w) for w in group if str(w).strip()] for group in (self.synonyms() or [])]


collections: Registry[Collection] = Registry("full-text collections")


class FulltextBackend(Protocol):
    def index(self, collection: Collection, pks: Iterable[int] | None) -> int: ...

    def match(
        self, collection: Collection, query: str, queryset: QuerySet, limit: int
    ) -> QuerySet: ...


def query_words(query: str) -> list[str]:
    """The words of a query, lower case, at most MAX_WORDS."""
    return WORD_RE.findall((query or "").lower())[:MAX_WORDS]


# -- PostgreSQL -------------------------------------------------------------------------


class PostgresBackend:
    """PostgreSQL full-text search ('german') + trigram similarity on the vocabulary."""

    label = "PostgreSQL full-text search"
    # a vocabulary stem this similar to an unknown query word counts as its typo
    min_similarity = 0.35
    fuzzy_terms = 3
    compound_terms = 25

    def __init__(self) -> None:
        self._synonym_cache: dict[str, list[set[str]]] = {}

    def _vector_sql(self, collection: Collection) -> str:
        qn = connection.ops.quote_name
        parts = [
            f"setweight(to_tsvector('german', coalesce({qn(name)}::text, '')), '{weight}')"
            for name, weight in collection.fields.items()
            if weight in WEIGHTS
        ]
        return " || ".join(parts) or "''::tsvector"

    def index(self, collection: Collection, pks: Iterable[int] | None) -> int:
        model = collection.model
        table = connection.ops.quote_name(model._meta.db_table)
        pk_col = connection.ops.quote_name(model._meta.pk.column)
        vector = connection.ops.quote_name(model._meta.get_field(collection.vector_field).column)
        rows = collection.rows()
        if pks is not None:
            rows = rows.filter(pk__in=list(pks))
        ids = list(rows.order_by("pk").values_list("pk", flat=True))
        done = 0
        with connection.cursor() as cursor:
            for start in range(0, len(ids), BATCH):
                batch = ids[start : start + BATCH]
                cursor.execute(
                    f"UPDATE {table} SET {vector} = {self._vector_sql(collection)} "  # noqa: S608 - the models' tables
                    f"WHERE {pk_col} = ANY(%s)",
                    [batch],
                )
                done += cursor.rowcount
                # the batch's stems into the vocabulary (approximate document counts)
                cursor.execute(
                    f"INSERT INTO {SearchTerm._meta.db_table} (collection, term, documents) "  # noqa: S608 - the models' tables
                    f"SELECT %s, lexeme, count(*) FROM {table}, unnest({vector}) "
                    f"WHERE {pk_col} = ANY(%s) AND length(lexeme) <= 100 GROUP BY lexeme "
                    "ON CONFLICT (collection, term) DO NOTHING",
                    [collection.id, batch],
                )
        return done

    # -- query ----------------------------------------------------------------------
    def _stems(self, cursor, texts: list[str]) -> list[str]:
        """The German stem of each word ('' for a stop word), as the 'german' configuration
        makes it."""
        if not texts:
            return []
        cursor.execute(
            "SELECT coalesce((ts_lexize('german_stem', w))[1], '') "
            "FROM unnest(%s::text[]) WITH ORDINALITY AS t(w, n) ORDER BY n",
            [texts],
        )
        return [row[0] for row in cursor.fetchall()]

    def _synonym_stems(self, cursor, groups: list[list[str]]) -> list[set[str]]:
        """The stems of each synonym group (one query, then kept until the groups change)."""
        key = repr(groups)
        cached = self._synonym_cache.get(key)
        if cached is None:
            words = [_words_of_group(group) for group in groups]
            flat = self._stems(cursor, [w for group in words for w in group])
            cached, start = [], 0
            for group in words:
                cached.append({s for s in flat[start : start + len(group)] if s})
                start += len(group)
            if len(self._synonym_cache) > 8:
                self._synonym_cache.clear()
            self._synonym_cache[key] = cached
        return cached

    def _alternatives(
        self, cursor, collection_id: str, stem: str, prefixes: list[str]
    ) -> tuple[set[str], list[str] | None]:
        """(vocabulary stems a query stem may mean: itself, compounds ending in it, or —
        when it is no known word (not even, as the last word, the start of one) — its
        nearest spellings; the vocabulary's stems starting with one of `prefixes`, None
        when more than MAX_EXPANSIONS). One query: the vocabulary's trigram and pattern
        indexes answer each part."""
        table = SearchTerm._meta.db_table
        long = len(stem) >= 4
        last = bool(prefixes)
        patterns = [like_escape(p) + "%" for p in prefixes] or [""]
        starts = " OR ".join(["term LIKE %s"] * len(patterns))
        cursor.execute(
            f"WITH k AS (SELECT EXISTS (SELECT 1 FROM {table} WHERE collection = %s AND term = %s)"  # noqa: S608 - the models' tables
            f" OR (%s AND EXISTS (SELECT 1 FROM {table} WHERE collection = %s AND term LIKE %s))"
            " AS known), "
            f"c AS (SELECT ARRAY(SELECT term FROM {table} WHERE %s AND collection = %s "
            "AND term LIKE %s ORDER BY documents DESC LIMIT %s) AS terms) "
            "SELECT c.terms, CASE WHEN NOT k.known AND cardinality(c.terms) = 0 AND %s THEN "
            f"ARRAY(SELECT term || ' ' || similarity(term, %s) FROM {table} "
            "WHERE collection = %s AND term %% %s ORDER BY similarity(term, %s) DESC, "
            "documents DESC LIMIT %s) END, "
            f"CASE WHEN %s THEN ARRAY(SELECT term FROM {table} WHERE collection = %s "
            f"AND ({starts}) ORDER BY term LIMIT %s) END FROM k, c",
            [
                collection_id, stem, last, collection_id, like_escape(stem) + "%",
                long, collection_id, "%" + like_escape(stem), self.compound_terms,
                long, stem, collection_id, stem, stem, self.fuzzy_terms,
                last, collection_id, *patterns, MAX_EXPANSIONS + 1,
            ],
        )  # fmt: skip
        compounds, fuzzy, expansions = cursor.fetchone()
        found = {stem, *compounds}
        if fuzzy:
            rows = [(t, float(s)) for t, s in (row.rsplit(" ", 1) for row in fuzzy)]
            rows = [(t, s) for t, s in rows if s >= self.min_similarity]
            # only the nearest spellings ("akuschraub" → "akkuschraub", not "schraub")
            found.update(t for t, s in rows if s >= rows[0][1] - 0.1)
        if expansions is not None and len(expansions) > MAX_EXPANSIONS:
            expansions = None
        return found, expansions

    def groups(self, collection: Collection, query: str) -> list[QueryGroup]:
        """The query's words as stems, one OR-group per word (stop words left out): a
        document matches when it matches every group (see tsquery)."""
        words = query_words(query)
        if not words:
            return []
        groups = collection.synonym_groups()
        found = []
        with connection.cursor() as cursor:
            stems = self._stems(cursor, words)
            synonym_stems = self._synonym_stems(cursor, groups)
            for position, (word, stem) in enumerate(zip(words, stems, strict=True)):
                if not stem:
                    continue  # a stop word ("und", "für")
                last = position == len(words) - 1
                prefixes = [stem] if last else []
                if last and not word.startswith(stem):  # "schuhe:*" is within "schuh:*"
                    prefixes.append(word)
                options, expansions = self._alternatives(cursor, collection.id, stem, prefixes)
                exact = {stem}
                for group in synonym_stems:
                    if stem in group:
                        exact |= group
                    if options & group:
                        options |= group
                found.append(QueryGroup(sorted(options), sorted(exact), prefixes, expansions))
        return found

    def tsquery(self, collection: Collection, query: str) -> tuple[str, str]:
        """The query as two tsquery texts over stems (('', '') when no word is left): an AND
        of one OR-group per word — `full` with the word, its synonyms, the compounds ending
        in it and its typo corrections; `strict` without compounds and typo corrections
        (a document matching it ranks higher). The last word also counts as a prefix."""
        return tsquery_of(self.groups(collection, query))

    def match(
        self,
        collection: Collection,
        query: str,
        queryset: QuerySet,
        limit: int,
        groups: list[QueryGroup] | None = None,
    ):
        if groups is None:
            groups = self.groups(collection, query)
        full, strict = tsquery_of(groups)
        if not full:
            return queryset.none().annotate(relevance=Value(0.0, output_field=FloatField()))
        vector = connection.ops.quote_name(
            collection.model._meta.get_field(collection.vector_field).column
        )
        column = f"{connection.ops.quote_name(collection.model._meta.db_table)}.{vector}"
        matches = RawSQL(  # noqa: S611 - the model's table and column, the query a parameter
            f"{column} @@ to_tsquery('simple', %s)",
            [match_tsquery(groups)],
            output_field=BooleanField(),
        )
        # ts_rank normalised to 0..1 (32: rank / (rank + 1)), the name (A) counting most;
        # half of it from the strict query, so the word itself beats a typo or compound
        rank = RawSQL(  # noqa: S611
            f"(ts_rank('{RANK_WEIGHTS}', {column}, to_tsquery('simple', %s), 32)"
            f" + ts_rank('{RANK_WEIGHTS}', {column}, to_tsquery('simple', %s), 32)) / 2",
            [full, strict],
            output_field=FloatField(),
        )
        return queryset.annotate(_fts=matches).filter(_fts=True).annotate(relevance=rank)


@dataclass
class QueryGroup:
    """One word of a query as the PostgreSQL engine matches it: any of `terms` (the stem,
    its synonyms, compounds ending in it, typo corrections), ranked higher when one of
    `exact` (the stem and its synonyms); the last word also as a prefix (`prefixes`)."""

    terms: list[str]
    exact: list[str]
    prefixes: list[str]
    # the vocabulary's stems that start with a prefix (None: more than MAX_EXPANSIONS, or
    # not looked up): the same documents match them as the prefixes, but an index scan
    # for named stems skips ahead where one for a prefix collects every entry
    expansions: list[str] | None = None


def tsquery_of(groups: list[QueryGroup]) -> tuple[str, str]:
    """(full, strict) tsquery texts of the groups for ranking: see PostgresBackend.tsquery."""
    full, strict = [], []
    for group in groups:
        prefixes = [_lexeme(p) + ":*" for p in group.prefixes]
        full.append(_group([_lexeme(t) for t in group.terms] + prefixes))
        strict.append(_group([_lexeme(t) for t in group.exact] + prefixes))
    return " & ".join(full), " & ".join(strict)


def match_tsquery(groups: list[QueryGroup]) -> str:
    """The tsquery text that decides which documents match: `full` of tsquery_of, with each
    prefix replaced by the vocabulary's stems it stands for when they were few (every stem
    of an indexed document is in the vocabulary, so the same documents match; testing a
    handful of named stems is cheaper than a prefix, in the index and in a vector)."""
    full = []
    for group in groups:
        if group.expansions is None:
            tail = [_lexeme(p) + ":*" for p in group.prefixes]
        else:
            tail = [_lexeme(t) for t in group.expansions]
        full.append(_group([_lexeme(t) for t in group.terms] + tail))
    return " & ".join(full)


def _group(terms: list[str]) -> str:
    return "(" + " | ".join(dict.fromkeys(terms)) + ")"


def like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _lexeme(term: str) -> str:
    """A stem as a tsquery operand (quoted: stems are letters and digits, but be safe)."""
    return "'" + term.replace("\\", "").replace("'", "") + "'"


def _words_of_group(group: list[str]) -> list[str]:
    """The one-word entries of a synonym group. A multi-word entry ("Harzer Roller") is left
    out: word by word it would make every "Roller" (a scooter) a synonym of "Käse"."""
    return [words[0] for words in (query_words(w) for w in group) if len(words) == 1]


# -- in memory --------------------------------------------------------------------------


class MemoryBackend:
    """The catalogue's in-process engine over a collection's rows (SQLite, small data)."""

    label = "In-process index"

    def __init__(self) -> None:
        self._indexes: dict[str, tuple[tuple, SearchIndex]] = {}
        self._lock = threading.Lock()

    def version(self, collection: Collection) -> tuple:
        rows = collection.rows()
        stamp = (
            Max("updated_at")
            if any(f.name == "updated_at" for f in collection.model._meta.fields)
            else Max("pk")
        )
        values = rows.aggregate(n=Count("pk"), last=stamp, top=Max("pk"))
        return (values["n"], values["last"], values["top"], repr(collection.synonym_groups()))

    def index_for(self, collection: Collection) -> SearchIndex:
        version = self.version(collection)
        cached = self._indexes.get(collection.id)
        if cached and cached[0] == version:
            return cached[1]
        with self._lock:
            cached = self._indexes.get(collection.id)
            if cached and cached[0] == version:
                return cached[1]
            entries = []
            names = list(collection.fields)
            for values in collection.rows().values("pk", *names).iterator():
                entry: dict[str, Any] = {"id": values["pk"], "slug": "", "name": ""}
                for name, weight in collection.fields.items():
                    key = MEMORY_FIELDS.get(weight, "description")
                    text = str(values.get(name) or "")
                    entry[key] = f"{entry.get(key, '')} {text}".strip()
                entry["name"] = entry.get("name", "")
                entries.append(entry)
            index = SearchIndex.build(entries, collection.synonym_groups())
            self._indexes[collection.id] = (version, index)
            return index

    def index(self, collection: Collection, pks: Iterable[int] | None) -> int:
        # The index is rebuilt on the next query (the version changed); nothing to store.
        self._indexes.pop(collection.id, None)
        rows = collection.rows()
        if pks is not None:
            rows = rows.filter(pk__in=list(pks))
        return rows.count()

    def match(self, collection: Collection, query: str, queryset: QuerySet, limit: int):
        index = self.index_for(collection)
        size = min(limit, max(len(index.documents), 1))
        hits = index.search(query, limit=size)
        if not hits:
            # The engine measures typos against the written word; a long word's ending
            # ("akuschrauber" → "akkuschraub") is more than two edits away. Retry the stems.
            stemmed = " ".join(stem(w) for w in query_words(query))
            if stemmed != " ".join(query_words(query)):
                hits = index.search(stemmed, limit=size)
        hits = self._with_every_word(index, query, hits, size)
        if not hits:
            return queryset.none().annotate(relevance=Value(0.0, output_field=FloatField()))
        top = max(hit.score for hit in hits) or 1.0
        whens = [When(pk=hit.id, then=Value(hit.score / top)) for hit in hits]
        return queryset.filter(pk__in=[hit.id for hit in hits]).annotate(
            relevance=Case(*whens, default=Value(0.0), output_field=FloatField())
        )

    @staticmethod
    def _with_every_word(index: SearchIndex, query: str, hits: list, size: int) -> list:
        """Only the hits that match every word: the engine, built for the service search,
        falls back to documents with some of the words when none has all."""
        words = [w for w in query_words(query) if w not in STOPWORDS]
        if len(words) < 2 or not hits:
            return hits
        keep = {hit.id for hit in hits}
        for position, word in enumerate(words):
            last = position == len(words) - 1
            found = {h.id for h in index.search(word, limit=size, as_prefix=last)}
            if not found:
                found = {h.id for h in index.search(stem(word), limit=size, as_prefix=last)}
            keep &= found
        return [hit for hit in hits if hit.id in keep]

    def reset(self) -> None:
        with self._lock:
            self._indexes.clear()


backends: Registry[FulltextBackend] = Registry("full-text backends")
backends.register("postgres", PostgresBackend())
backends.register("memory", MemoryBackend())

assert set(MEMORY_FIELDS.values()) <= set(FIELD_WEIGHTS)  # the engine knows these fields


def active_backend() -> FulltextBackend:
    """The configured backend (OPENKREIS_FULLTEXT_BACKEND), else by the database vendor."""
    chosen = getattr(settings, "OPENKREIS_FULLTEXT_BACKEND", "") or (
        "postgres" if connection.vendor == "postgresql" else "memory"
    )
    return backends[chosen]


def index(collection_id: str, pks: Iterable[int] | None = None) -> int:
    """(Re)compute the search data of a collection's documents (all, or those with `pks`)
    and add their words to the vocabulary. Returns how many documents were indexed. Call it
    after writing rows (imports, the stock API)."""
    return active_backend().index(collections[collection_id], pks)


def query_groups(collection_id: str, query: str) -> list[QueryGroup] | None:
    """The query's OR-groups of stems as the PostgreSQL engine matches them (pass them on to
    `match(…, groups=…)` to resolve the words once), or None when the active engine has no
    such groups (the in-memory one)."""
    backend = active_backend()
    if not isinstance(backend, PostgresBackend):
        return None
    return backend.groups(collections[collection_id], query)


def match(
    collection_id: str,
    query: str,
    queryset: QuerySet | None = None,
    limit: int = 5000,
    groups: list[QueryGroup] | None = None,
) -> QuerySet:
    """The rows of `queryset` (default: the collection's rows) that match every word of
    `query`, annotated with `relevance` (0..1, higher is better). Unordered: the caller ranks
    (by relevance alone: `.order_by("-relevance")`). `limit` caps the in-memory engine's
    candidates; on PostgreSQL the caller slices."""
    collection = collections[collection_id]
    rows = collection.rows() if queryset is None else queryset
    backend = active_backend()
    if groups is not None and isinstance(backend, PostgresBackend):
        return backend.match(collection, query, rows, limit, groups=groups)
    return backend.match(collection, query, rows, limit)


__all__ = [
    "Collection",
    "active_backend",
    "backends",
    "collections",
    "index",
    "like_escape",
    "match",
    "query_groups",
    "query_words",
    "tsquery_of",
]
