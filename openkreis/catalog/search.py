"""Service search: typo-tolerant, synonym-aware, German-stemmed, fast enough for autocomplete.

A county's catalogue holds hundreds to a few thousand services; even a generated
one of 10,000 fits in a few megabytes. So the index lives in each web process,
built from the database with maintained libraries (Snowball's German stemmer,
RapidFuzz's C++ edit distance) and rebuilt when the catalogue changes. The
`SearchBackend` interface is the seam for an external engine (OpenSearch, the
PostgreSQL full-text index) should a state-wide catalogue ever need one.

Ranking, in words: every query word that names a thing must be found in a service
(exactly, as a prefix while typing, inside a compound word, as a synonym, or with
one or two typos); matches in the name count most, then keywords, the summary, the
life events and the office's name, then the description; rare words count more
than common ones (idf); popular services win ties.

Words that say what people want to do with the thing ("verlängern", "zahlen",
"beantragen", "verloren" — INTENT_WORDS) are optional and weigh little: "Reisepass
verlängern" finds "Reisepass beantragen" although no service says "verlängern"
next to "Reisepass", and a service that only says "verlängern" never beats one
about the passport. Only when no service matches the thing at all do they count as
full words again ("Portemonnaie verloren" still finds the lost-property office).
"""

from __future__ import annotations

import bisect
import contextlib
import functools
import heapq
import math
import re
import threading
import time
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from operator import itemgetter

import snowballstemmer
from django.conf import settings
from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from openkreis.core.registry import Registry

FOLD = str.maketrans({"ä": "a", "ö": "o", "ü": "u", "ß": "ss"})
WORD_RE = re.compile(r"[0-9a-zäöüß]+")
CASED_WORD_RE = re.compile(r"[0-9A-Za-zÄÖÜäöüß]+")
STOPWORDS = frozenset(
    (
        "der die das den dem des ein eine einer eines einem einen und oder ich mich mir mein "
        "meine meinen meiner du sie wir ihr es er fur für von vom zu zum zur im in am an auf mit "
        "bei wie was wo wer wann wird werden ist sind bin hat habe haben kann muss will mochte "
        "möchte brauche bekomme nach aus als auch nicht kein keine the a an of to for"
    ).split()
)
FIELD_WEIGHTS = {
    "name": 3.0,
    "keywords": 2.4,
    "summary": 1.0,
    "life_events": 0.9,
    "unit": 0.7,
    "topic": 0.4,
    "description": 0.35,
}
MAX_QUERY_WORDS = 8
MEMO_SIZE = 4096
_EMPTY: frozenset[int] = frozenset()
_stemmer = snowballstemmer.stemmer("german")


def fold(text: str) -> str:
    """Lower-case, fold umlauts and strip accents (é → e)."""
    text = text.lower().translate(FOLD)
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def words(text: str) -> list[str]:
    return WORD_RE.findall(text.lower())


@functools.lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """German Snowball stem, then umlaut-folded (so 'Führerscheine' → 'fuhrerschein')."""
    return fold(_stemmer.stemWord(word))


# Running text, where a lower-case word is no noun: "passen" (to fit) is not "Pass" although
# both stem to "pass". In the other fields (name, keywords, …) every word counts.
PROSE_FIELDS = ("summary", "description")

# Words that say "how", not "what": they do not make a service name more specific.
GENERIC_NAME_TERMS = frozenset(stem(w) for w in ("beantragen", "antrag", "stellen", "erhalten"))

# What people want to do with a thing, as they type it after the thing ("Reisepass
# verlängern", "Hundesteuer zahlen"). German, like the stemmer: the same for every
# county, so a constant next to STOPWORDS rather than county data.
INTENT_WORDS = (
    "beantragen beantragung antrag stellen erhalten bekommen kriegen holen abholen machen "
    "verlängern verlängerung erneuern erneuerung ersetzen ersatz neu "
    "zahlen bezahlen zahlung überweisen ändern änderung aktualisieren "
    "verloren verlust gestohlen weg kaputt "
    "anmelden anmeldung abmelden abmeldung ummelden ummeldung melden anzeigen "
    "online formular"
).split()
INTENT_TERMS = frozenset(stem(w) for w in INTENT_WORDS) | frozenset(fold(w) for w in INTENT_WORDS)
_INTENT_FOLDED = sorted({fold(w) for w in INTENT_WORDS})
_INTENT_LONG = [w for w in _INTENT_FOLDED if len(w) >= 8]
# An intent word multiplies the score of a service that has the thing by at most
# 1 + INTENT_BONUS (when the service's name says it too; less for keywords, the summary,
# the description): it orders services about the thing, it never makes one a hit.
INTENT_BONUS = 0.8
# A query that is exactly one of a service's keyword phrases ("Ausweis verloren",
# "Hund abmelden": the county wrote down what people type) multiplies its score by this.
PHRASE_BONUS = 2.0


@functools.lru_cache(maxsize=4096)
def is_intent(word: str, as_prefix: bool = False) -> bool:
    """Is this query word an intent word ("verlängern"), a typo of one, or its start?"""
    plain = fold(word)
    if stem(word) in INTENT_TERMS or plain in INTENT_TERMS:
        return True
    if as_prefix and len(plain) >= 3:
        start = bisect.bisect_left(_INTENT_FOLDED, plain)
        if start < len(_INTENT_FOLDED) and _INTENT_FOLDED[start].startswith(plain):
            return True
    if len(plain) >= 8:  # "verlängen", "beantargen"; shorter words are too often things
        found = process.extractOne(plain, _INTENT_LONG, scorer=Levenshtein.distance, score_cutoff=1)
        return found is not None
    return False


def terms(text: str) -> list[str]:
    return [stem(w) for w in words(text) if w not in STOPWORDS]


@dataclass
class Document:
    """What the index keeps per service; the view fetches the rest from the database."""

    id: int
    slug: str
    name: str
    popularity: int
    folded_name: str
    name_size: int = 1
    boost: float = 1.0
    name_en: str = ""


@dataclass
class WordMatch:
    """What one query word found: score and strength (0..1) per service, names it hit."""

    best: dict[int, float]
    strength: dict[int, float]
    named: set[int]


@dataclass
class Hit:
    id: int
    slug: str
    name: str
    score: float
    name_en: str = ""

    def display_name(self, language: str) -> str:
        return self.name_en if language.startswith("en") and self.name_en else self.name


@dataclass
class SearchIndex:
    documents: list[Document] = field(default_factory=list)
    postings: dict[str, dict[int, float]] = field(default_factory=dict)
    name_postings: dict[str, frozenset[int]] = field(default_factory=dict)
    phrases: dict[frozenset[str], set[int]] = field(default_factory=dict)
    vocabulary: list[str] = field(default_factory=list)
    idf: dict[str, float] = field(default_factory=dict)
    synonyms: dict[str, set[str]] = field(default_factory=dict)
    # Per noun synonym term ("pass" from "Pass"): the services that have it only as a
    # lower-case word in running text ("passen") — a synonym does not reach those.
    lowercase_only: dict[str, frozenset[int]] = field(default_factory=dict)
    phrase_synonyms: list[tuple[str, set[str]]] = field(default_factory=list)
    _truncated: dict[int, list[str]] = field(default_factory=dict)
    _memo: dict[tuple, list[Hit]] = field(default_factory=dict)

    @classmethod
    def build(cls, entries: list[dict], synonym_groups: list[list[str]]) -> SearchIndex:
        """entries: dicts with id, slug, name, popularity and one text per FIELD_WEIGHTS key;
        optionally `phrases`, the keywords as the county wrote them (a list)."""
        index = cls()
        postings: dict[str, dict[int, float]] = defaultdict(dict)
        phrases: dict[frozenset[str], set[int]] = defaultdict(set)
        noun_synonyms = {
            stem(w.strip())
            for group in synonym_groups
            for w in group
            if " " not in w.strip() and w.strip()[:1].isupper()
        }
        lowercase_only: dict[str, set[int]] = defaultdict(set)
        for pos, entry in enumerate(entries):
            strong: set[str] = set()
            weak: set[str] = set()
            for field_name in FIELD_WEIGHTS:
                text = entry.get(field_name) or ""
                if field_name not in PROSE_FIELDS:
                    strong.update(t for t in terms(text) if t in noun_synonyms)
                    continue
                for raw in CASED_WORD_RE.findall(text):
                    term = stem(raw.lower())
                    if term in noun_synonyms:
                        (strong if raw[0].isupper() else weak).add(term)
            for term in weak - strong:
                lowercase_only[term].add(pos)
            for phrase in entry.get("phrases") or ():
                key = frozenset(terms(phrase))
                if len(key) > 1:
                    phrases[key].add(pos)
            index.documents.append(
                Document(
                    id=entry["id"],
                    slug=entry["slug"],
                    name=entry["name"],
                    popularity=int(entry.get("popularity") or 0),
                    folded_name=fold(entry["name"]),
                    name_size=max(1, len(set(terms(entry["name"])) - GENERIC_NAME_TERMS)),
                    boost=1 + int(entry.get("popularity") or 0) / 100,
                    name_en=entry.get("name_en") or "",
                )
            )
            for field_name, weight in FIELD_WEIGHTS.items():
                for term in set(terms(entry.get(field_name) or "")):
                    if postings[term].get(pos, 0.0) < weight:
                        postings[term][pos] = weight
        index.postings = dict(postings)
        index.phrases = dict(phrases)
        index.lowercase_only = {t: frozenset(p) for t, p in lowercase_only.items()}
        name_weight = FIELD_WEIGHTS["name"]
        index.name_postings = {
            term: frozenset(pos for pos, weight in docs.items() if weight >= name_weight)
            for term, docs in index.postings.items()
        }
        index.vocabulary = sorted(index.postings)
        total = max(len(entries), 1)
        index.idf = {t: math.log(1 + total / len(p)) for t, p in index.postings.items()}
        for group in synonym_groups:
            single = {stem(w) for w in group if " " not in w.strip()}
            phrases = [fold(w.strip()) for w in group if " " in w.strip()]
            all_terms = set(single)
            for phrase in phrases:
                all_terms.update(terms(phrase))
            for term in single:
                index.synonyms.setdefault(term, set()).update(all_terms - {term})
            for phrase in phrases:
                index.phrase_synonyms.append((phrase, all_terms))
        return index

    # -- candidate terms for one query word -------------------------------------------
    def _prefix_terms(self, term: str, limit: int = 40) -> list[str]:
        start = bisect.bisect_left(self.vocabulary, term)
        found = []
        for candidate in self.vocabulary[start : start + limit]:
            if not candidate.startswith(term):
                break
            found.append(candidate)
        return found

    def _truncated_vocabulary(self, length: int) -> list[str]:
        if length not in self._truncated:
            self._truncated[length] = [v[:length] for v in self.vocabulary]
        return self._truncated[length]

    def _fuzzy_terms(self, term: str, as_prefix: bool) -> dict[str, float]:
        if len(term) < 4:
            return {}
        max_distance = 1 if len(term) < 8 else 2
        found: dict[str, float] = {}
        for candidate, distance, _ in process.extract(
            term,
            self.vocabulary,
            scorer=Levenshtein.distance,
            score_cutoff=max_distance,
            limit=8,
        ):
            found[candidate] = 0.75 - 0.12 * distance
        if as_prefix and 4 <= len(term) <= 14:
            truncated = self._truncated_vocabulary(len(term))
            for _, distance, idx in process.extract(
                term,
                truncated,
                scorer=Levenshtein.distance,
                score_cutoff=max_distance,
                limit=12,
            ):
                candidate = self.vocabulary[idx]
                found[candidate] = max(found.get(candidate, 0.0), 0.65 - 0.12 * distance)
        return found

    def candidates(self, word: str, as_prefix: bool) -> dict[str, float]:
        """Index terms a query word may mean, each with a confidence 0..1."""
        return self._candidates(word, as_prefix)[0]

    def _candidates(self, word: str, as_prefix: bool) -> tuple[dict[str, float], set[str]]:
        """candidates(), and the terms among them reached only through a synonym."""
        term, plain = stem(word), fold(word)
        found: dict[str, float] = {}
        for exact in (term, plain):
            if exact in self.postings:
                found[exact] = 1.0
        if as_prefix and len(plain) >= 2:
            for candidate in self._prefix_terms(plain):
                found.setdefault(candidate, 0.85)
        compounds: set[str] = set()
        if len(term) >= 4:
            # Compounds: "steuer" finds "hundesteuer", "zulassung" finds "kfzzulassung".
            for candidate in self._infix_terms(term):
                if candidate not in found:
                    found[candidate] = 0.6
                    compounds.add(candidate)
        if not any(score >= 0.85 for score in found.values()):
            for candidate, score in self._fuzzy_terms(plain, as_prefix).items():
                found[candidate] = max(found.get(candidate, 0.0), score)
                compounds.discard(candidate)
        # A synonym means the same thing: "führersch…" reaches "Fahrerlaubnis" too. Not the
        # synonyms of a compound the word is only part of: "Reisepass" is inside
        # "Kinderreisepass", but the child's synonyms ("Ausweis Kind") are not the passport's.
        seeds = {term: 1.0, plain: 1.0}
        seeds.update((c, score) for c, score in found.items() if c not in compounds)
        via_synonym: set[str] = set()
        for candidate, score in seeds.items():
            for synonym in self.synonyms.get(candidate, ()):
                if synonym in self.postings and found.get(synonym, 0.0) < score:
                    if synonym not in found:
                        via_synonym.add(synonym)
                    found[synonym] = score
        return found, via_synonym

    def _infix_terms(self, term: str) -> list[str]:
        return [v for v in self.vocabulary if len(v) > len(term) + 2 and term in v][:30]

    # -- query ----------------------------------------------------------------------------
    def _word_matches(self, word: str, as_prefix: bool, intent: bool) -> WordMatch:
        """One query word: what it names and, per service, its best score (a word that
        must match) or how strongly the service says it (an intent word, 0..1)."""
        best: dict[int, float] = {}
        strength: dict[int, float] = {}
        named: set[int] = set()
        top_weight = FIELD_WEIGHTS["name"]
        found, via_synonym = self._candidates(word, as_prefix)
        for term, confidence in found.items():
            # A noun synonym ("Pass") does not reach a verb of the same stem ("passen").
            skip = self.lowercase_only.get(term, _EMPTY) if term in via_synonym else _EMPTY
            if intent:
                share = confidence / top_weight
                for pos, weight in self.postings[term].items():
                    if pos not in skip and share * weight > strength.get(pos, 0.0):
                        strength[pos] = share * weight
            else:
                idf = self.idf[term]
                for pos, weight in self.postings[term].items():
                    if pos in skip:
                        continue
                    value = confidence * weight * idf
                    if value > best.get(pos, 0.0):
                        best[pos] = value
            named |= self.name_postings.get(term, _EMPTY)
        return WordMatch(best, strength, named)

    def _rank(
        self, per_word: list[WordMatch], intent: list[bool], extra_terms: set[str]
    ) -> dict[int, float]:
        """Score every service that matches the required words (see the module docstring)."""
        scores: dict[int, float] = defaultdict(float)
        matched: dict[int, int] = defaultdict(int)
        in_name: dict[int, int] = defaultdict(int)
        bonus: dict[int, float] = defaultdict(float)
        intent_count = sum(intent)
        for match, optional in zip(per_word, intent, strict=True):
            if optional:
                for pos, share in match.strength.items():
                    bonus[pos] += INTENT_BONUS * share / intent_count
            else:
                for pos, value in match.best.items():
                    scores[pos] += value
                    matched[pos] += 1
            # Did this word (or its synonym, or a typo of it) hit the service's name?
            for pos in match.named:
                in_name[pos] += 1
        wanted = max(len(intent) - sum(intent), 1)
        for term in extra_terms:
            for pos, weight in self.postings.get(term, {}).items():
                scores[pos] += 0.5 * weight * self.idf[term]
                matched[pos] = max(matched[pos], wanted)
        complete_only = any(m >= wanted for m in matched.values())
        documents = self.documents
        final: dict[int, float] = {}
        for pos, raw in scores.items():
            hits = matched.get(pos, 0)
            if hits < wanted and complete_only:
                continue
            doc = documents[pos]
            score = raw * (min(hits, wanted) / wanted) ** 2
            # How much of the name the query covers: "Baugenehmigung" prefers
            # "Baugenehmigung beantragen" to "Baugenehmigung im vereinfachten Verfahren".
            score *= 1 + 0.6 * min(in_name.get(pos, 0), doc.name_size) / doc.name_size
            final[pos] = score * doc.boost * (1 + bonus.get(pos, 0.0))
        return final

    def search(self, query: str, limit: int = 10, as_prefix: bool = True) -> list[Hit]:
        folded_query = " ".join(words(fold(query)))
        query_words = [w for w in words(query) if w not in STOPWORDS][:MAX_QUERY_WORDS]
        extra_terms: set[str] = set()
        for phrase, phrase_terms in self.phrase_synonyms:
            if phrase in folded_query:
                extra_terms |= phrase_terms
        if not query_words and not extra_terms:
            return []
        prefix = [as_prefix and i == len(query_words) - 1 for i in range(len(query_words))]
        intent = [is_intent(w, p) for w, p in zip(query_words, prefix, strict=True)]
        if all(intent):
            intent = [False] * len(query_words)  # nothing but intent words: each one counts
        per_word = [
            self._word_matches(w, p, i) for w, p, i in zip(query_words, prefix, intent, strict=True)
        ]
        final = self._rank(per_word, intent, extra_terms)
        if any(intent) and not final:
            # No service has the thing: fall back to every word counting in full.
            per_word = [
                self._word_matches(w, p, False) if i else match
                for w, p, i, match in zip(query_words, prefix, intent, per_word, strict=True)
            ]
            final = self._rank(per_word, [False] * len(query_words), extra_terms)
        for pos in self.phrases.get(frozenset(stem(w) for w in query_words), ()):
            if pos in final:
                final[pos] *= PHRASE_BONUS
        documents = self.documents
        # Take a few more than asked by score alone, then order exactly: score,
        # popularity, name — so equal scores come out the same way every time.
        top = heapq.nlargest(limit + 10, final.items(), key=itemgetter(1))
        top.sort(
            key=lambda item: (
                -round(item[1], 6),
                -documents[item[0]].popularity,
                documents[item[0]].name,
            )
        )
        return [
            Hit(
                id=documents[pos].id,
                slug=documents[pos].slug,
                name=documents[pos].name,
                score=round(score, 4),
                name_en=documents[pos].name_en,
            )
            for pos, score in top[:limit]
        ]

    def cached_search(self, query: str, limit: int = 10, as_prefix: bool = True) -> list[Hit]:
        """search() with a small per-index memory: people type the same prefixes all day."""
        key = (" ".join(query.lower().split()), limit, as_prefix)
        hits = self._memo.get(key)
        if hits is None:
            hits = self.search(query, limit=limit, as_prefix=as_prefix)
            if len(self._memo) >= MEMO_SIZE:
                # Another thread may evict at the same time; losing that race is harmless.
                with contextlib.suppress(KeyError, RuntimeError, StopIteration):
                    self._memo.pop(next(iter(self._memo)))
            self._memo[key] = hits
        return hits


class SearchBackend:
    """The interface a search engine implements for the portal."""

    def search(self, tenant_id: int, query: str, limit: int = 10, as_prefix: bool = True):
        raise NotImplementedError  # pragma: no cover - interface


class InProcessBackend(SearchBackend):
    """Keeps one SearchIndex per tenant in memory; rebuilds it when the catalogue changes."""

    recheck_seconds = 2.0

    def __init__(self) -> None:
        self._indexes: dict[int, tuple[tuple, SearchIndex]] = {}
        self._checked: dict[int, float] = {}
        self._lock = threading.Lock()

    def index_for(self, tenant_id: int) -> SearchIndex:
        from . import services  # the catalogue's reader; imported late to avoid a cycle

        now = time.monotonic()
        cached = self._indexes.get(tenant_id)
        if cached and now - self._checked.get(tenant_id, 0.0) < self.recheck_seconds:
            return cached[1]
        version = services.catalogue_version(tenant_id)
        self._checked[tenant_id] = now
        if cached and cached[0] == version:
            return cached[1]
        with self._lock:
            cached = self._indexes.get(tenant_id)
            if cached and cached[0] == version:
                return cached[1]
            entries, synonym_groups = services.search_entries(tenant_id)
            index = SearchIndex.build(entries, synonym_groups)
            self._indexes[tenant_id] = (version, index)
            return index

    def search(self, tenant_id: int, query: str, limit: int = 10, as_prefix: bool = True):
        return self.index_for(tenant_id).cached_search(query, limit=limit, as_prefix=as_prefix)

    def reset(self) -> None:
        with self._lock:
            self._indexes.clear()
            self._checked.clear()


# Search engines are plugins (core's registry pattern); the deployment picks one with
# OPENKREIS_SEARCH_BACKEND. A state-wide catalogue would register an OpenSearch or
# PostgreSQL full-text backend here under its own id.
search_backends: Registry[SearchBackend] = Registry("search backends")
backend: InProcessBackend = search_backends.register("memory", InProcessBackend())


def active_backend() -> SearchBackend:
    """The configured search backend (default: the in-process index, `memory`)."""
    return search_backends[getattr(settings, "OPENKREIS_SEARCH_BACKEND", "memory")]
