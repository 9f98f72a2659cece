"""The interest test (Berufsorientierung): a RIASEC interest inventory, scoring and the
matching of a result to the occupational fields (docs/jobs.md "The interest test").

Instrument: the 60 work activities of the O*NET Interest Profiler Short Form (Rounds, Su,
Lewis & Rivkin 2010, "O*NET Interest Profiler Short Form Psychometric Characteristics",
National Center for O*NET Development; US Department of Labor, public domain), 10 per
Holland type, shown interleaved (R, I, A, S, E, C repeating, so no scale comes as a block).
The activities are translated to plain German by us (a few American examples made local: a
lorry instead of a truck, a "Kita" for the day-care centre). We use a three-point answer —
like (2) / unsure (1) / dislike (0) — as the paper O*NET Interest Profiler did (L / ? / D)
instead of the Short Form's five points: easier for young people and on a phone. A scale's
score is 0–20.

The code is the three types with the highest scores; ties are broken by the fixed order
R, I, A, S, E, C (and the result page says when there was a tie).

Matching a result to a field (whose Holland code has three letters, too): every letter both
codes share adds (4 − position in the person's code) × (4 − position in the field's code),
positions counted 1–3 — a shared first letter weighs 3 × 3 = 9, a person's first letter as
the field's third 3 × 1 = 3. Fields are listed by this weight (at least 1), then by their
order in the county data. Nothing here reads or writes the database except `matching_fields`
(which reads the fields).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

TYPES = "RIASEC"
ANSWERS = {"2": 2, "1": 1, "0": 0}  # like, unsure, dislike
MAX_SCORE = 20  # 10 items × 2

TYPE_NAMES = {
    "R": pgettext_lazy("Holland type", "Realistic"),
    "I": pgettext_lazy("Holland type", "Investigative"),
    "A": pgettext_lazy("Holland type", "Artistic"),
    "S": pgettext_lazy("Holland type", "Social"),
    "E": pgettext_lazy("Holland type", "Enterprising"),
    "C": pgettext_lazy("Holland type", "Conventional"),
}
TYPE_TEXTS = {
    "R": _("You like to work with your hands, with tools, machines, plants or animals."),
    "I": _("You like to find things out, to think problems through and to experiment."),
    "A": _("You like to create: to draw, write, make music or design."),
    "S": _("You like to help, teach, care for and advise people."),
    "E": _("You like to lead, persuade, sell and start things."),
    "C": _("You like order: to plan, keep records, calculate and work exactly."),
}


@dataclass(frozen=True)
class Item:
    number: int  # 1–60, the Short Form's order
    type: str  # R I A S E C
    text: str


# The O*NET Interest Profiler Short Form's 60 activities (our translation), by type; the
# test shows them interleaved R I A S E C R I A …
_ACTIVITIES = {
    "R": [
        _("Build kitchen cupboards"),
        _("Lay bricks or tiles"),
        _("Repair household appliances"),
        _("Raise fish in a fish farm"),
        _("Assemble electronic parts"),
        _("Drive a lorry to deliver parcels"),
        _("Test the quality of parts before they are shipped"),
        _("Repair and install locks"),
        _("Set up and operate machines that make products"),
        _("Put out forest fires"),
    ],
    "I": [
        _("Develop a new medicine"),
        _("Study ways to reduce water pollution"),
        _("Do chemical experiments"),
        _("Study the movement of the planets"),
        _("Examine blood samples under a microscope"),
        _("Find out the cause of a fire"),
        _("Develop a way to forecast the weather better"),
        _("Work in a biology laboratory"),
        _("Invent a replacement for sugar"),
        _("Do laboratory tests to identify diseases"),
    ],
    "A": [
        _("Write books or plays"),
        _("Play a musical instrument"),
        _("Compose or arrange music"),
        _("Draw pictures"),
        _("Create special effects for films"),
        _("Paint stage sets for plays"),
        _("Write scripts for films or TV programmes"),
        _("Perform jazz or tap dance"),
        _("Sing in a band"),
        _("Edit films"),
    ],
    "S": [
        _("Show someone an exercise routine"),
        _("Help people with personal or emotional problems"),
        _("Give people advice about their career"),
        _("Do rehabilitation therapy with people"),
        _("Do voluntary work for a charity"),
        _("Teach children to play a sport"),
        _("Teach sign language to people who are deaf or hard of hearing"),
        _("Help to lead a group therapy session"),
        _("Look after children at a day-care centre"),
        _("Teach a class at a secondary school"),
    ],
    "E": [
        _("Buy and sell shares"),
        _("Manage a shop"),
        _("Run a hair or beauty salon"),
        _("Manage a department of a large company"),
        _("Start your own business"),
        _("Negotiate contracts for a company"),
        _("Represent a client in a court case"),
        _("Market a new line of clothing"),
        _("Sell goods in a department store"),
        _("Manage a clothing shop"),
    ],
    "C": [
        _("Build a spreadsheet on the computer"),
        _("Check records or forms for mistakes"),
        _("Install software on a large computer network"),
        _("Work with a calculator"),
        _("Keep records of goods sent and received"),
        _("Calculate the wages of employees"),
        _("Count stock with a hand-held scanner"),
        _("Record rent payments"),
        _("Keep stock records"),
        _("Stamp, sort and hand out the post in an organisation"),
    ],
}

ITEMS: tuple[Item, ...] = tuple(
    Item(number=round_ * 6 + i + 1, type=t, text=_ACTIVITIES[t][round_])
    for round_ in range(10)
    for i, t in enumerate(TYPES)
)


class AnswerError(ValueError):
    """Some answers are missing or not one of the offered ones; `missing` lists item numbers."""

    def __init__(self, missing: list[int], invalid: list[int]):
        super().__init__(f"missing {missing}, invalid {invalid}")
        self.missing = missing
        self.invalid = invalid


def item_key(item: Item) -> str:
    return f"q{item.number}"


def read_answers(data) -> dict[int, int]:
    """The answers of a submitted test (`q1` … `q60` → "2" | "1" | "0"), all or AnswerError."""
    answers, missing, invalid = {}, [], []
    for item in ITEMS:
        raw = data.get(item_key(item))
        if raw in (None, ""):
            missing.append(item.number)
        elif raw not in ANSWERS:
            invalid.append(item.number)
        else:
            answers[item.number] = ANSWERS[raw]
    if missing or invalid:
        raise AnswerError(missing, invalid)
    return answers


def score(answers: dict[int, int]) -> dict[str, int]:
    """Sum of the answers per type: {"R": 0–20, …} in RIASEC order."""
    scores = dict.fromkeys(TYPES, 0)
    for item in ITEMS:
        scores[item.type] += answers[item.number]
    return scores


def code_of(scores: dict[str, int]) -> str:
    """The three strongest types, ties in RIASEC order."""
    ranked = sorted(TYPES, key=lambda t: (-scores[t], TYPES.index(t)))
    return "".join(ranked[:3])


def has_tie(scores: dict[str, int]) -> bool:
    """Whether the third letter (or an earlier one) was decided by the fixed order."""
    ranked = sorted(scores.values(), reverse=True)
    return ranked[2] == ranked[3] or ranked[0] == ranked[1] or ranked[1] == ranked[2]


def parse_scores(data) -> dict[str, int]:
    """Scores from a result URL's query (R=…&I=…): six whole numbers 0–20, or ValueError."""
    scores = {}
    for t in TYPES:
        raw = data.get(t)
        if raw is None or not str(raw).isdigit():
            raise ValueError(t)
        value = int(raw)
        if not 0 <= value <= MAX_SCORE:
            raise ValueError(t)
        scores[t] = value
    return scores


def overlap(person: str, field: str) -> int:
    """The matching weight of a person's code and a field's code (module docstring)."""
    weight = 0
    for i, letter in enumerate(person[:3]):
        j = field.find(letter)
        if 0 <= j < 3:
            weight += (3 - i) * (3 - j)
    return weight


def matching_fields(code: str, fields, limit: int = 5) -> list:
    """The fields (Field rows, in their order) with the highest overlap, at least 1."""
    weighted = [(overlap(code, f.riasec), index, f) for index, f in enumerate(fields)]
    weighted = [w for w in weighted if w[0] > 0]
    weighted.sort(key=lambda w: (-w[0], w[1]))
    result = []
    for weight, _index, f in weighted[:limit]:
        f.match = weight
        result.append(f)
    return result
