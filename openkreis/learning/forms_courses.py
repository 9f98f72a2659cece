"""The quiz form (owner: L1): one page with all drawn questions, no JavaScript needed —
radio buttons (single), checkboxes (multiple), a number select per step (ordering) and a
select per item (matching). Unanswered questions are allowed (they count as wrong)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import courses
from .models import Question, QuizAttempt


def _text(item: dict) -> str:
    class _Row:
        text = item.get("text", "")
        text_en = item.get("text_en", "")

    return courses.localized(_Row, "text")


class QuizForm(forms.Form):
    """Fields per drawn question; `blocks` lists them per question for the template."""

    def __init__(self, attempt: QuizAttempt, entries, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.attempt = attempt
        self.blocks = []
        given = attempt.answers
        for number, (entry, question) in enumerate(entries, start=1):
            if question is None:
                continue
            key = question.key
            options = {o["key"]: o for o in question.options}
            ordered = [options[k] for k in entry["order"] if k in options]
            names = []
            if question.kind in (Question.Kind.SINGLE, Question.Kind.MULTIPLE):
                choices = [(o["key"], _text(o)) for o in ordered]
                name = f"q-{key}"
                if question.kind == Question.Kind.SINGLE:
                    field = forms.ChoiceField(
                        choices=choices, required=False, widget=forms.RadioSelect
                    )
                else:
                    field = forms.MultipleChoiceField(
                        choices=choices, required=False, widget=forms.CheckboxSelectMultiple
                    )
                field.initial = given.get(key)
                self.fields[name] = field
                names.append(name)
            elif question.kind == Question.Kind.ORDERING:
                numbers = [("", "–")] + [(str(n), str(n)) for n in range(1, len(ordered) + 1)]
                previous = given.get(key) or []
                for option in ordered:
                    name = f"q-{key}-{option['key']}"
                    field = forms.ChoiceField(choices=numbers, required=False, label=_text(option))
                    if option["key"] in previous:
                        field.initial = str(previous.index(option["key"]) + 1)
                    self.fields[name] = field
                    names.append(name)
            else:
                pairs = {p["key"]: p for p in question.pairs}
                right = [("", "–")] + [
                    (k, _text(pairs[k])) for k in entry.get("pair_order", []) if k in pairs
                ]
                previous = given.get(key) or {}
                for option in ordered:
                    name = f"q-{key}-{option['key']}"
                    field = forms.ChoiceField(choices=right, required=False, label=_text(option))
                    field.initial = previous.get(option["key"], "")
                    self.fields[name] = field
                    names.append(name)
            self.blocks.append(
                {
                    "number": number,
                    "question": question,
                    "text": courses.localized(question, "text"),
                    "kind": question.kind,
                    "hint": KIND_HINTS[question.kind],
                    "fields": [self[name] for name in names],
                    "ordered": ordered,
                }
            )

    def clean(self):
        cleaned = super().clean()
        answers = {}
        for block in self.blocks:
            question = block["question"]
            key = question.key
            if question.kind in (Question.Kind.SINGLE, Question.Kind.MULTIPLE):
                value = cleaned.get(f"q-{key}")
                if value:
                    answers[key] = list(value) if question.kind == "multiple" else value
            elif question.kind == Question.Kind.ORDERING:
                numbers = {
                    option["key"]: cleaned.get(f"q-{key}-{option['key']}")
                    for option in block["ordered"]
                }
                filled = {k: int(v) for k, v in numbers.items() if v}
                if not filled:
                    continue
                if len(filled) != len(numbers) or len(set(filled.values())) != len(filled):
                    self.add_error(
                        f"q-{key}-{block['ordered'][0]['key']}",
                        _("Question %(number)s: give every step a different number.")
                        % {"number": block["number"]},
                    )
                    continue
                answers[key] = sorted(filled, key=filled.get)
            else:
                pairs = {
                    option["key"]: cleaned.get(f"q-{key}-{option['key']}")
                    for option in block["ordered"]
                }
                pairs = {k: v for k, v in pairs.items() if v}
                if pairs:
                    answers[key] = pairs
        cleaned["answers"] = answers
        return cleaned


KIND_HINTS = {
    Question.Kind.SINGLE: gettext_lazy("Choose one answer."),
    Question.Kind.MULTIPLE: gettext_lazy("Choose all answers that are right."),
    Question.Kind.ORDERING: gettext_lazy("Number the steps: 1 comes first."),
    Question.Kind.MATCHING: gettext_lazy("Choose the right partner for each item."),
}
