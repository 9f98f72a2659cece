"""County data of the Digitaler Führerschein (owner: L1): tenants/<slug>/learning/modules/*.yaml,
one file per module, named after the module's slug.

    title: Smartphone-Grundlagen          # title_en, summary, summary_en optional
    order: 10
    required: true                        # needed for the certificate
    pass_mark: 70                         # percent of right answers to pass
    questions_per_quiz: 8                 # drawn at random from the bank
    minutes: 30
    lessons:
      - {slug, title, title_en, body, body_en, links: [{title, url}], exercise, exercise_en}
    questions:
      - key: …
        kind: single | multiple | ordering | matching
        text: …                           # text_en, explanation, explanation_en optional
        options: [{key, text, text_en}]
        pairs: [{key, text, text_en}]     # matching only: the right-hand side
        answer: "a" | ["a", "c"] | ["c", "a", "b"] | {"a": "x", "b": "y"}

A mistake raises TenantDataError naming the file and the entry; the step is idempotent
(modules by slug, lessons by (module, slug), questions by (module, key)); lessons and
questions no longer in the file are removed or deactivated (questions keep their rows,
attempts refer to them).
"""

from __future__ import annotations

import re
from pathlib import Path

from django.db import transaction

from openkreis.core.loader import LoadReport, TenantDataError, read_yaml, upsert

from . import markup
from .models import Lesson, Module, Question

FOLDER = Path("learning") / "modules"
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")
MODULE_KEYS = {
    "title", "title_en", "summary", "summary_en", "order", "required", "pass_mark",
    "questions_per_quiz", "minutes", "published", "lessons", "questions",
}  # fmt: skip
LESSON_KEYS = {"slug", "title", "title_en", "body", "body_en", "links", "exercise", "exercise_en"}
QUESTION_KEYS = {
    "key", "kind", "text", "text_en", "options", "pairs", "answer", "explanation",
    "explanation_en",
}  # fmt: skip
KINDS = {choice.value for choice in Question.Kind}


def _error(path: Path, where: str, message: str) -> TenantDataError:
    return TenantDataError(f"{path}: {where}: {message}")


def load(tenant, folder: Path, report: LoadReport) -> None:
    """The county-data step "learning": every module file of the folder."""
    base = Path(folder) / FOLDER
    if not base.is_dir():
        return
    for path in sorted(base.glob("*.yaml")):
        load_module_file(path, report)


@transaction.atomic
def load_module_file(path: Path, report: LoadReport) -> Module:
    """Validate one module file completely, then write it."""
    spec = parse_module(path, read_yaml(path))
    module = upsert(Module, report, {"slug": spec["slug"]}, spec["values"])
    lesson_slugs = []
    for order, lesson in enumerate(spec["lessons"], start=1):
        values = {key: value for key, value in lesson.items() if key != "slug"}
        upsert(
            Lesson, report, {"module": module, "slug": lesson["slug"]}, {**values, "order": order}
        )
        lesson_slugs.append(lesson["slug"])
    gone = Lesson.objects.filter(module=module).exclude(slug__in=lesson_slugs)
    if gone.exists():
        report.deleted += gone.delete()[0]
    keys = []
    for question in spec["questions"]:
        values = {key: value for key, value in question.items() if key != "key"}
        upsert(
            Question, report, {"module": module, "key": question["key"]}, {**values, "active": True}
        )
        keys.append(question["key"])
    report.deleted += (
        Question.objects.filter(module=module, active=True)
        .exclude(key__in=keys)
        .update(active=False)
    )
    return module


def _text(path, where, item, key, *, required=False, limit=None) -> str:
    value = item.get(key)
    value = "" if value is None else str(value).strip()
    if required and not value:
        raise _error(path, where, f"{key} is missing")
    if limit and len(value) > limit:
        raise _error(path, where, f"{key} is longer than {limit} characters")
    return value


def _int(path, where, data, key, default, low, high) -> int:
    value = data.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise _error(path, where, f"{key} must be a whole number from {low} to {high}")
    return value


def parse_module(path: Path, data) -> dict:
    """The checked contents of one module file (raises TenantDataError)."""
    slug = path.stem
    if not SLUG.match(slug) or len(slug) > 80:
        raise _error(path, "file name", "must be the module's slug (a-z, 0-9, '-')")
    if not isinstance(data, dict):
        raise _error(path, "file", "must be a mapping (title, lessons, questions, …)")
    unknown = set(data) - MODULE_KEYS
    if unknown:
        raise _error(path, "file", f"unknown keys {sorted(unknown)}")
    where = "module"
    values = {
        "title": _text(path, where, data, "title", required=True, limit=200),
        "title_en": _text(path, where, data, "title_en", limit=200),
        "summary": _text(path, where, data, "summary"),
        "summary_en": _text(path, where, data, "summary_en"),
        "order": _int(path, where, data, "order", 0, 0, 100_000),
        "required": bool(data.get("required", True)),
        "published": bool(data.get("published", True)),
        "pass_mark": _int(path, where, data, "pass_mark", 70, 1, 100),
        "questions_per_quiz": _int(path, where, data, "questions_per_quiz", 8, 1, 50),
        "minutes": _int(path, where, data, "minutes", 30, 1, 600),
    }
    lessons = _lessons(path, data.get("lessons"))
    questions = _questions(path, data.get("questions"))
    if len(questions) < values["questions_per_quiz"]:
        raise _error(
            path,
            "questions",
            f"{len(questions)} questions, fewer than questions_per_quiz "
            f"({values['questions_per_quiz']})",
        )
    return {"slug": slug, "values": values, "lessons": lessons, "questions": questions}


def _lessons(path: Path, items) -> list[dict]:
    if not isinstance(items, list) or not items:
        raise _error(path, "lessons", "a list of lessons is needed")
    seen: set[str] = set()
    result = []
    for number, item in enumerate(items, start=1):
        where = f"lessons[{number}]"
        if not isinstance(item, dict):
            raise _error(path, where, "expected {slug, title, body, …}")
        unknown = set(item) - LESSON_KEYS
        if unknown:
            raise _error(path, where, f"unknown keys {sorted(unknown)}")
        slug = str(item.get("slug") or "")
        if not SLUG.match(slug) or len(slug) > 80 or slug == "quiz":
            raise _error(path, where, f"slug {slug!r} must be a-z, 0-9, '-' (not 'quiz')")
        if slug in seen:
            raise _error(path, where, f"slug {slug!r} is used twice")
        seen.add(slug)
        where = f"{where} ({slug})"
        links = item.get("links") or []
        if not isinstance(links, list):
            raise _error(path, where, "links must be a list of {title, url}")
        clean_links = []
        for link in links:
            if not isinstance(link, dict) or not link.get("title") or not link.get("url"):
                raise _error(path, where, "every link needs a title and a url")
            if not markup.allowed_url(str(link["url"])):
                raise _error(path, where, f"link {link['url']!r}: only https:// or /paths")
            clean_links.append({"title": str(link["title"]), "url": str(link["url"])})
        result.append(
            {
                "slug": slug,
                "title": _text(path, where, item, "title", required=True, limit=200),
                "title_en": _text(path, where, item, "title_en", limit=200),
                "body": _text(path, where, item, "body", required=True),
                "body_en": _text(path, where, item, "body_en"),
                "links": clean_links,
                "exercise": _text(path, where, item, "exercise"),
                "exercise_en": _text(path, where, item, "exercise_en"),
            }
        )
    return result


def _choices(path, where, items, name) -> list[dict]:
    if not isinstance(items, list) or len(items) < 2:
        raise _error(path, where, f"{name} must be a list of at least two {{key, text}}")
    seen: set[str] = set()
    result = []
    for item in items:
        if not isinstance(item, dict):
            raise _error(path, where, f"every entry of {name} needs a key and a text")
        key = str(item.get("key") or "")
        if not SLUG.match(key) or key in seen:
            raise _error(path, where, f"{name}: key {key!r} is invalid or used twice")
        seen.add(key)
        text = _text(path, where, item, "text", required=True)
        result.append({"key": key, "text": text, "text_en": _text(path, where, item, "text_en")})
    return result


def _questions(path: Path, items) -> list[dict]:
    if not isinstance(items, list) or not items:
        raise _error(path, "questions", "a list of questions is needed")
    seen: set[str] = set()
    result = []
    for number, item in enumerate(items, start=1):
        where = f"questions[{number}]"
        if not isinstance(item, dict):
            raise _error(path, where, "expected {key, kind, text, options, answer}")
        unknown = set(item) - QUESTION_KEYS
        if unknown:
            raise _error(path, where, f"unknown keys {sorted(unknown)}")
        key = str(item.get("key") or "")
        if not SLUG.match(key) or len(key) > 80:
            raise _error(path, where, f"key {key!r} must be a-z, 0-9, '-'")
        if key in seen:
            raise _error(path, where, f"key {key!r} is used twice")
        seen.add(key)
        where = f"{where} ({key})"
        kind = item.get("kind")
        if kind not in KINDS:
            raise _error(path, where, f"unknown kind {kind!r} (one of {sorted(KINDS)})")
        options = _choices(path, where, item.get("options"), "options")
        pairs = _choices(path, where, item.get("pairs"), "pairs") if kind == "matching" else []
        answer = _answer(path, where, kind, item.get("answer"), options, pairs)
        result.append(
            {
                "key": key,
                "kind": kind,
                "text": _text(path, where, item, "text", required=True),
                "text_en": _text(path, where, item, "text_en"),
                "options": options,
                "pairs": pairs,
                "answer": answer,
                "explanation": _text(path, where, item, "explanation"),
                "explanation_en": _text(path, where, item, "explanation_en"),
            }
        )
    return result


def _answer(path, where, kind, answer, options, pairs):
    keys = [option["key"] for option in options]
    if kind == "single":
        if not isinstance(answer, str) or answer not in keys:
            raise _error(path, where, f"answer {answer!r} is not among the options {keys}")
        return answer
    if kind == "multiple":
        if not isinstance(answer, list) or not answer:
            raise _error(path, where, "answer must be a list of option keys")
        wrong = [key for key in answer if key not in keys]
        if wrong or len(set(answer)) != len(answer):
            raise _error(path, where, f"answer keys {wrong or answer} are not among the options")
        return sorted(answer)
    if kind == "ordering":
        if not isinstance(answer, list) or sorted(map(str, answer)) != sorted(keys):
            raise _error(path, where, f"answer must be a permutation of the options {keys}")
        return [str(key) for key in answer]
    right = [pair["key"] for pair in pairs]
    if (
        not isinstance(answer, dict)
        or sorted(map(str, answer)) != sorted(keys)
        or sorted(map(str, answer.values())) != sorted(right)
    ):
        raise _error(
            path, where, f"matching answer must pair every option {keys} with one of {right}"
        )
    return {str(left): str(value) for left, value in answer.items()}
