"""Taking part in a survey (owner: P2): one-time codes, one vote per person, receipts.

The code functions below are shared with the code letters (letters.py) and must stay as
they are: a code is 12 characters of an alphabet without look-alikes, shown in groups of
four ("ABCD-EFGH-JKLM", 60 bits); the database keeps only its HMAC (`code_hash`), keyed
with a secret derived from SECRET_KEY, so a copy of the table cannot be checked offline.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, field

from allauth.socialaccount.models import SocialAccount
from django import forms
from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from openkreis.core import event_kinds
from openkreis.core.services import record_event

from .models import (
    AccountParticipation,
    Answer,
    Ballot,
    ParticipationCode,
    Question,
    Survey,
)

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I
CODE_LENGTH = 12
RECEIPT_LENGTH = 10


def new_code() -> str:
    """A fresh participation code, grouped for reading: "ABCD-EFGH-JKLM"."""
    raw = "".join(secrets.choice(ALPHABET) for _i in range(CODE_LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, CODE_LENGTH, 4))


def normalise_code(text: str) -> str:
    """What the person typed → the bare code (upper case, no spaces or dashes; O→0 is not
    in the alphabet, so a typed O or 0 is read as… nothing: it stays and fails the lookup)."""
    return "".join(ch for ch in (text or "").upper() if ch.isalnum())


def code_hash(text: str) -> str:
    key = hashlib.sha256(b"openkreis-participation-code:" + settings.SECRET_KEY.encode()).digest()
    return hmac.new(key, normalise_code(text).encode(), hashlib.sha256).hexdigest()


def new_receipt() -> str:
    """The voter's random receipt code, stored with the ballot (never with the token)."""
    raw = "".join(secrets.choice(ALPHABET) for _i in range(RECEIPT_LENGTH))
    return f"{raw[:5]}-{raw[5:]}"


# -- the questionnaire ----------------------------------------------------------------------------

TEXT_MAX = 2000  # characters of a free-text answer
PLACE_MAX = 300  # characters of a place description (the point question without the map)


class VoteError(Exception):
    """A vote that is not counted; the message is for the person (in their language)."""


def _raw_list(data, name: str) -> list[str]:
    if data is None:
        return []
    if hasattr(data, "getlist"):
        return [v for v in data.getlist(name) if v != ""]
    value = data.get(name)
    if value in (None, ""):
        return []
    return [str(v) for v in value] if isinstance(value, list | tuple) else [str(value)]


def _raw(data, name: str) -> str:
    values = _raw_list(data, name)
    return values[0] if values else ""


@dataclass
class Item:
    """One question as the template shows it (values from what was posted: nothing typed is
    lost when the page comes back with errors)."""

    question: Question
    number: int
    name: str
    anchor: str  # the id of the first input (the error summary links there)
    options: list = field(default_factory=list)  # dicts: id, value, label, lang, checked
    ranks: list = field(default_factory=list)  # dicts: id, name, rank, selected
    scale: list = field(default_factory=list)  # dicts: id, value, checked
    value: str = ""
    lat: str = ""
    lon: str = ""
    condition: str = ""
    show_if: str = ""  # "q3:17 q3:18": the inputs whose choice shows this question (vote.js)
    error: str = ""

    @property
    def kind(self) -> str:
        return self.question.kind

    @property
    def label(self) -> str:
        return self.question.display_name

    @property
    def lang(self) -> str:
        return self.question.lang_of("name")

    @property
    def help(self) -> str:
        return self.question.display_summary

    @property
    def required(self) -> bool:
        return self.question.required

    @property
    def max_choices(self):
        return self.question.max_choices

    @property
    def min_label(self) -> str:
        return self.question._translated("scale_min_label")

    @property
    def max_label(self) -> str:
        return self.question._translated("scale_max_label")

    @property
    def describedby(self) -> str:
        """The ids of the help, the condition and the error (aria-describedby)."""
        parts = [
            (self.help, "hint"),
            (self.condition, "condition"),
            (self.error, "error"),
        ]
        return " ".join(f"{self.name}-{suffix}" for text, suffix in parts if text)

    @property
    def text_max(self) -> int:
        return TEXT_MAX

    @property
    def place_max(self) -> int:
        return PLACE_MAX


class QuestionnaireForm(forms.Form):
    """All questions of a survey on one page. The checks live in `clean` (per question, with
    the skip logic: a question whose condition is not met is neither required nor kept).
    Django's fields only parse the input; the page is drawn from `items()`."""

    def __init__(self, survey: Survey, data=None):
        super().__init__(data=data)
        self.survey = survey
        self.questions = list(
            survey.questions.order_by("position", "id").prefetch_related("options", "show_if")
        )
        self.numbers = {q.id: n for n, q in enumerate(self.questions, start=1)}
        self.by_option = {o.id: q for q in self.questions for o in q.options.all()}
        self.answers: dict[int, object] = {}
        self.hidden_questions: set[int] = set()
        self.item_errors: dict[int, str] = {}
        for q in self.questions:
            self._add_fields(q)

    def _add_fields(self, q: Question) -> None:
        name = f"q{q.id}"
        options = [(str(o.id), o.display_name) for o in q.options.all()]
        if q.kind == Question.Kind.SINGLE:
            self.fields[name] = forms.ChoiceField(choices=options, required=False)
        elif q.kind == Question.Kind.MULTIPLE:
            self.fields[name] = forms.MultipleChoiceField(choices=options, required=False)
        elif q.kind == Question.Kind.SCALE:
            self.fields[name] = forms.TypedChoiceField(
                choices=[(str(v), str(v)) for v in range(q.scale_min, q.scale_max + 1)],
                coerce=int,
                required=False,
                empty_value=None,
            )
        elif q.kind == Question.Kind.RANKING:
            for rank in range(1, self.rank_count(q) + 1):
                self.fields[f"{name}_{rank}"] = forms.ChoiceField(choices=options, required=False)
        elif q.kind == Question.Kind.TEXT:
            self.fields[name] = forms.CharField(max_length=TEXT_MAX, required=False)
        elif q.kind == Question.Kind.POINT:
            self.fields[name] = forms.CharField(max_length=PLACE_MAX, required=False)
            self.fields[f"{name}_lat"] = forms.FloatField(
                min_value=-90, max_value=90, required=False
            )
            self.fields[f"{name}_lon"] = forms.FloatField(
                min_value=-180, max_value=180, required=False
            )

    @staticmethod
    def rank_count(q: Question) -> int:
        n = len(q.options.all())
        return min(q.max_choices, n) if q.max_choices else n

    # skip logic ------------------------------------------------------------------------------
    def _chosen(self, q: Question) -> set[int]:
        """The option ids chosen for `q` in what was posted."""
        name = f"q{q.id}"
        if q.kind == Question.Kind.RANKING:
            raw = [_raw(self.data, f"{name}_{r}") for r in range(1, self.rank_count(q) + 1)]
        elif q.kind in (Question.Kind.SINGLE, Question.Kind.MULTIPLE):
            raw = _raw_list(self.data, name)
        else:
            return set()
        return {int(v) for v in raw if v.isdigit() and len(v) < 19}

    def visible(self) -> set[int]:
        """The ids of the questions asked, given the posted answers (in order: a question
        whose condition lies in a question that was not asked is not asked either)."""
        shown: set[int] = set()
        for q in self.questions:
            conditions = list(q.show_if.all())
            if not conditions:
                shown.add(q.id)
                continue
            for option in conditions:
                source = self.by_option.get(option.id)
                if source is not None and source.id in shown and option.id in self._chosen(source):
                    shown.add(q.id)
                    break
        return shown

    def condition_text(self, q: Question) -> str:
        groups: dict[int, list[str]] = {}
        for option in q.show_if.all():
            source = self.by_option.get(option.id)
            if source is not None:
                groups.setdefault(self.numbers[source.id], []).append(f"„{option.display_name}“")
        parts = []
        for number, names in sorted(groups.items()):
            parts.append(
                _("Only if you chose %(options)s in question %(number)s.")
                % {"options": _(" or ").join(names), "number": number}
            )
        return " ".join(parts)

    # checks ----------------------------------------------------------------------------------
    def clean(self):
        data = super().clean()
        shown = self.visible()
        self.answers = {}
        broken = {int(name[1:].split("_")[0]) for name in self.errors if name.startswith("q")}
        for q in self.questions:
            if q.id not in shown:
                self.hidden_questions.add(q.id)  # not asked: no error, its answer dropped
                continue
            try:
                if q.id in broken:
                    raise forms.ValidationError(self._field_message(q))
                value = self._clean_question(q, data)
            except forms.ValidationError as exc:
                self.item_errors[q.id] = exc.messages[0]
                continue
            if value is not None:
                self.answers[q.id] = value
        for name in list(self.errors):
            del self.errors[name]
        if self.item_errors:
            raise forms.ValidationError(_("Please check your answers."))
        return data

    def _field_message(self, q: Question) -> str:
        if q.kind == Question.Kind.TEXT:
            return _("Please write at most %(n)s characters.") % {"n": TEXT_MAX}
        if q.kind == Question.Kind.POINT:
            return _(
                "The place could not be read. Please describe it in words "
                "(at most %(n)s characters)."
            ) % {"n": PLACE_MAX}
        return _("Please choose one of the listed answers.")

    def _clean_question(self, q: Question, data):
        name = f"q{q.id}"
        options = {o.id: o for o in q.options.all()}
        if q.kind == Question.Kind.SINGLE:
            value = data.get(name)
            if not value:
                if q.required:
                    raise forms.ValidationError(_("Please choose an answer."))
                return None
            return options[int(value)]
        if q.kind == Question.Kind.MULTIPLE:
            values = [options[int(v)] for v in data.get(name) or []]
            if not values:
                if q.required:
                    raise forms.ValidationError(_("Please choose at least one answer."))
                return None
            if q.max_choices and len(values) > q.max_choices:
                raise forms.ValidationError(
                    ngettext(
                        "Please choose at most %(n)s answer.",
                        "Please choose at most %(n)s answers.",
                        q.max_choices,
                    )
                    % {"n": q.max_choices}
                )
            return values
        if q.kind == Question.Kind.SCALE:
            value = data.get(name)
            if value is None:
                if q.required:
                    raise forms.ValidationError(_("Please choose a value on the scale."))
                return None
            return value
        if q.kind == Question.Kind.RANKING:
            ranked = []
            for rank in range(1, self.rank_count(q) + 1):
                value = data.get(f"{name}_{rank}")
                if value:
                    ranked.append(options[int(value)])
            if len({o.id for o in ranked}) != len(ranked):
                raise forms.ValidationError(
                    _("Each option can take only one place. Please choose each option once.")
                )
            if not ranked:
                if q.required:
                    raise forms.ValidationError(_("Please choose at least your first place."))
                return None
            return ranked
        if q.kind == Question.Kind.TEXT:
            value = (data.get(name) or "").strip()
            if not value:
                if q.required:
                    raise forms.ValidationError(_("Please answer this question."))
                return None
            return value
        if q.kind == Question.Kind.POINT:
            place = (data.get(name) or "").strip()
            lat, lon = data.get(f"{name}_lat"), data.get(f"{name}_lon")
            if lat is None or lon is None:
                lat = lon = None
            if lat is None and not place:
                if q.required:
                    raise forms.ValidationError(
                        _("Please mark the place on the map or describe it in words.")
                    )
                return None
            return {"lat": lat, "lon": lon, "text": place}
        return None

    # what the template draws -----------------------------------------------------------------
    def items(self) -> list[Item]:
        data = self.data if self.is_bound else None
        result = []
        for q in self.questions:
            name = f"q{q.id}"
            item = Item(question=q, number=self.numbers[q.id], name=name, anchor=name)
            item.error = self.item_errors.get(q.id, "")
            item.condition = self.condition_text(q)
            item.show_if = " ".join(
                f"q{self.by_option[o.id].id}:{o.id}"
                for o in q.show_if.all()
                if o.id in self.by_option
            )
            if q.kind in (Question.Kind.SINGLE, Question.Kind.MULTIPLE):
                chosen = set(_raw_list(data, name))
                item.options = [
                    {
                        "id": f"{name}-{o.id}",
                        "value": str(o.id),
                        "label": o.display_name,
                        "lang": o.lang_of("name"),
                        "checked": str(o.id) in chosen,
                    }
                    for o in q.options.all()
                ]
                if item.options:
                    item.anchor = item.options[0]["id"]
            elif q.kind == Question.Kind.SCALE:
                current = _raw(data, name)
                item.scale = [
                    {"id": f"{name}-{v}", "value": str(v), "checked": current == str(v)}
                    for v in range(q.scale_min, q.scale_max + 1)
                ]
                if item.scale:
                    item.anchor = item.scale[0]["id"]
            elif q.kind == Question.Kind.RANKING:
                item.options = [
                    {"value": str(o.id), "label": o.display_name} for o in q.options.all()
                ]
                item.ranks = [
                    {"id": f"{name}_{r}", "rank": r, "selected": _raw(data, f"{name}_{r}")}
                    for r in range(1, self.rank_count(q) + 1)
                ]
                item.anchor = f"{name}_1"
            elif q.kind == Question.Kind.TEXT:
                item.value = _raw(data, name)
            elif q.kind == Question.Kind.POINT:
                item.value = _raw(data, name)
                item.lat, item.lon = _raw(data, f"{name}_lat"), _raw(data, f"{name}_lon")
            result.append(item)
        return result

    def error_list(self) -> list[tuple[str, str]]:
        """(anchor, message) for the error summary, in question order."""
        anchors = {i.question.id: i.anchor for i in self.items()}
        return [
            (anchors[q.id], f"{self.numbers[q.id]}. {q.display_name}: {self.item_errors[q.id]}")
            for q in self.questions
            if q.id in self.item_errors
        ]


def questionnaire_form(survey: Survey, data=None) -> QuestionnaireForm:
    """The form for all questions of `survey` (bound when `data` is given). After
    `is_valid()`, `form.answers` holds the answers of the questions that were asked:
    {question id: Option | [Option] | int | str | {"lat", "lon", "text"}} — what `cast` takes."""
    return QuestionnaireForm(survey, data)


# -- casting a vote -------------------------------------------------------------------------------


def oidc_configured() -> bool:
    """Whether a login through the OpenID Connect provider (eID/BundID) is set up here."""
    provider = getattr(settings, "SOCIALACCOUNT_PROVIDERS", {}).get("openid_connect", {})
    return bool(provider.get("APPS"))


def has_eid_login(user) -> bool:
    """The account logs in through the OIDC provider (allauth keeps its SocialAccount)."""
    return SocialAccount.objects.filter(user=user).exists()


def account_refusal(survey: Survey, user) -> str:
    """Why `user` may not vote in an ACCOUNT survey ("" when they may)."""
    if user is None or not user.is_authenticated:
        return _("Please log in to take part in this survey.")
    if survey.min_login_level == "eid":
        if not oidc_configured():
            return _(
                "This survey needs a login with the online ID card (eID), which this portal "
                "does not offer yet. Please ask the county how to take part."
            )
        if not has_eid_login(user):
            return _(
                "This survey needs a login with the online ID card (eID). Please log out and "
                "log in again with the eID."
            )
    return ""


def _answer_rows(survey: Survey, answers: dict) -> list[Answer]:
    questions = {q.id: q for q in survey.questions.all()}
    changed = _("The questionnaire has changed. Please load it again.")
    rows = []
    for qid, value in answers.items():
        q = questions.get(int(qid))
        if q is None:
            raise VoteError(changed)
        if q.kind == Question.Kind.SINGLE:
            rows.append(Answer(question=q, option=value))
        elif q.kind == Question.Kind.MULTIPLE:
            rows.extend(Answer(question=q, option=o) for o in value)
        elif q.kind == Question.Kind.SCALE:
            rows.append(Answer(question=q, number=int(value)))
        elif q.kind == Question.Kind.RANKING:
            rows.extend(
                Answer(question=q, option=o, number=rank) for rank, o in enumerate(value, 1)
            )
        elif q.kind == Question.Kind.TEXT:
            rows.append(Answer(question=q, text=str(value)[:TEXT_MAX]))
        elif q.kind == Question.Kind.POINT:
            rows.append(
                Answer(
                    question=q,
                    lat=value.get("lat"),
                    lon=value.get("lon"),
                    text=(value.get("text") or "")[:PLACE_MAX],
                )
            )
    if any(r.option is not None and r.option.question_id != r.question.id for r in rows):
        raise VoteError(changed)
    return rows


def _new_ballot(survey: Survey, municipality_id) -> Ballot:
    for _attempt in range(5):
        try:
            with transaction.atomic():  # a savepoint: a receipt clash tries another receipt
                return Ballot.objects.create(
                    survey=survey, receipt=new_receipt(), municipality_id=municipality_id
                )
        except IntegrityError:
            continue
    raise VoteError(_("Your answers could not be saved. Please send them again."))


def cast(survey: Survey, cleaned_answers: dict, *, code: str | None = None, user=None) -> str:
    """Count one completed questionnaire and return the voter's receipt.

    In one transaction: the right to vote is used up (CODES: the code's row flips from unused
    to used by one conditional UPDATE, so of any number of concurrent submissions exactly one
    changes the row; ACCOUNT: an AccountParticipation row, unique per survey and account),
    then the ballot (random key, random receipt, no time, no voter) and its answers are
    written and PARTICIPATION_COMPLETED recorded (survey, audience, municipality — nothing
    that names the ballot). A refusal raises VoteError and nothing is written."""
    if not survey.is_open():
        raise VoteError(_("This survey is not open for answers."))
    rows = _answer_rows(survey, cleaned_answers)
    with transaction.atomic():
        municipality_id = None
        if survey.audience == Survey.Audience.CODES:
            bare = normalise_code(code or "")
            if not bare:
                raise VoteError(_("Please enter the code from your letter."))
            codes = ParticipationCode.objects.filter(code_hash=code_hash(bare), survey=survey)
            if codes.filter(used=False).update(used=True) != 1:
                if codes.exists():
                    raise VoteError(_("This code was already used. Each code counts once."))
                raise VoteError(_("We do not know this code. Please check it against your letter."))
            municipality_id = codes.values_list("municipality_id", flat=True).first()
        elif survey.audience == Survey.Audience.ACCOUNT:
            refusal = account_refusal(survey, user)
            if refusal:
                raise VoteError(refusal)
            try:
                with transaction.atomic():
                    AccountParticipation.objects.create(survey=survey, user=user)
            except IntegrityError:
                raise VoteError(_("You have already taken part in this survey.")) from None
        ballot = _new_ballot(survey, municipality_id)
        for row in rows:
            row.ballot = ballot
        Answer.objects.bulk_create(rows)
        ars = ballot.municipality.ars if municipality_id is not None else ""
        record_event(
            event_kinds.PARTICIPATION_COMPLETED,
            subject=f"survey:{survey.key}",
            data={"survey": survey.key, "audience": survey.audience, "municipality": ars},
        )
        return ballot.receipt


def code_status(survey: Survey, code: str) -> str:
    """Before the questionnaire: "ok", "used" or "unknown" for a typed code (nothing is
    changed; `cast` decides again in its transaction)."""
    bare = normalise_code(code)
    if not bare:
        return "unknown"
    used = (
        ParticipationCode.objects.filter(code_hash=code_hash(bare), survey=survey)
        .values_list("used", flat=True)
        .first()
    )
    return "unknown" if used is None else ("used" if used else "ok")


def record_started(survey: Survey) -> None:
    """PARTICIPATION_STARTED (the view calls it once per session and survey)."""
    record_event(
        event_kinds.PARTICIPATION_STARTED,
        subject=f"survey:{survey.key}",
        data={"survey": survey.key, "audience": survey.audience},
    )


# -- receipts -------------------------------------------------------------------------------------


def normalise_receipt(text: str) -> str:
    """What someone typed → "ABCDE-FGHJK" (any case, spaces and dashes anywhere), or ""."""
    bare = "".join(ch for ch in (text or "").upper() if ch.isalnum())
    if len(bare) != RECEIPT_LENGTH or any(ch not in ALPHABET for ch in bare):
        return ""
    return f"{bare[:5]}-{bare[5:]}"


def receipts(survey: Survey):
    """The survey's receipts in alphabetical order (the published list)."""
    return (
        Ballot.objects.filter(survey=survey).order_by("receipt").values_list("receipt", flat=True)
    )


def receipt_counted(survey: Survey, text: str) -> bool:
    receipt = normalise_receipt(text)
    return bool(receipt) and Ballot.objects.filter(survey=survey, receipt=receipt).exists()


# -- sealing a closed survey ----------------------------------------------------------------------


def seal(survey: Survey) -> int:
    """After the survey closed: leave nothing behind that orders or dates the ballots.

    In one transaction: unused codes are deleted; the used codes and the account
    participations are rewritten in place (a no-op UPDATE: on PostgreSQL every row version
    carries the id of the transaction that wrote it — `xmin` — and a vote wrote its token and
    its ballot in one transaction, so until now the two shared that id); the ballots and
    answers are copied in receipt order into new rows with new random keys and the old rows
    deleted (the new rows lie in receipt order and all carry the sealing transaction's id;
    on SQLite their hidden rowids follow the receipts). Sets `sealed_at`, records
    PARTICIPATION_SURVEY_CLOSED and returns the number of ballots. Votes are refused from
    now on only if the survey is closed (P1's close action sets that)."""
    with transaction.atomic():
        survey = Survey.objects.select_for_update().get(pk=survey.pk)
        ParticipationCode.objects.filter(survey=survey, used=False).delete()
        ParticipationCode.objects.filter(survey=survey, used=True).update(used=True)
        table = connection.ops.quote_name(AccountParticipation._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET user_id = user_id WHERE survey_id = %s",  # noqa: S608
                [survey.pk],
            )
        old = list(
            Ballot.objects.filter(survey=survey)
            .order_by("receipt")
            .values_list("id", "receipt", "municipality_id")
        )
        answers: dict = {}
        for row in (
            Answer.objects.filter(ballot__survey=survey)
            .order_by("question_id", "option_id", "number")
            .values("ballot_id", "question_id", "option_id", "number", "text", "lat", "lon")
        ):
            answers.setdefault(row.pop("ballot_id"), []).append(row)
        for start in range(0, len(old), 1000):
            Ballot.objects.filter(id__in=[b[0] for b in old[start : start + 1000]]).delete()
        for start in range(0, len(old), 1000):
            chunk = old[start : start + 1000]
            fresh = [
                Ballot(survey=survey, receipt=receipt, municipality_id=municipality)
                for _id, receipt, municipality in chunk
            ]
            Ballot.objects.bulk_create(fresh)
            Answer.objects.bulk_create(
                [
                    Answer(ballot=new, **row)
                    for (old_id, _r, _m), new in zip(chunk, fresh, strict=True)
                    for row in answers.get(old_id, [])
                ]
            )
        survey.sealed_at = timezone.now()
        survey.save(update_fields=["sealed_at", "updated_at"])
        record_event(
            event_kinds.PARTICIPATION_SURVEY_CLOSED,
            subject=f"survey:{survey.key}",
            data={"survey": survey.key, "ballots": len(old)},
        )
        return len(old)
