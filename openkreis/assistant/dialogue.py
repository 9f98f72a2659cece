"""The dialogue engine of "Frag den Landkreis": a question in colloquial German (typos
welcome) and the conversation so far → an answer built only from catalogue fields.

Not a language model: it detects what the person asks (the intent, from word lists with
typo tolerance), finds the service with the catalogue's own search engine, remembers the
service and the municipality in the conversation state (a small JSON-able dict the view
keeps in the session), and answers each intent from one catalogue field. An empty field is
answered with "I have no information on that", never with a guess.

`respond(tenant, state, text)` is the whole interface; it reads the database but writes
nothing (logging is `services.record_turn`).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field

from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from rapidfuzz.distance import OSA, Levenshtein

from openkreis.appointments import services as appointments
from openkreis.catalog import services as catalog
from openkreis.catalog.models import Service
from openkreis.catalog.search import fold
from openkreis.core import services as core
from openkreis.core.models import Region, Tenant
from openkreis.forms import services as forms

from . import scrub

# -- intents -------------------------------------------------------------------------------
OVERVIEW = "overview"
COSTS = "costs"
DOCUMENTS = "documents"
DURATION = "duration"
WHERE = "where"
HOURS = "hours"
ONLINE = "online"
APPOINTMENT = "appointment"
REPORT = "report"
HUMAN = "human"
GREETING = "greeting"
THANKS = "thanks"
CHOICE = "choice"  # the answer to a question the assistant asked (which service, where)
UNKNOWN = "unknown"

INTENTS = (
    OVERVIEW, COSTS, DOCUMENTS, DURATION, WHERE, HOURS, ONLINE, APPOINTMENT, REPORT, HUMAN,
    GREETING, THANKS, CHOICE, UNKNOWN,
)  # fmt: skip

# Word beginnings (folded: ä→a, ß→ss) that signal an intent. A word matches when it starts
# with one of them, or is within one edit of it (two for long ones): "kosstet", "unterlagn".
INTENT_STEMS: dict[str, tuple[str, ...]] = {
    HUMAN: ("mensch", "mitarbeiter", "sachbearbeiter", "ansprechpartner", "human", "person"),
    REPORT: (
        "schlagloch", "strassenlaterne", "laterne", "kaputt", "defekt", "mangel", "maengel",
        "beschadigt", "pothole", "streetlight", "broken", "illegal", "wilder", "vandalismus",
    ),
    COSTS: ("kost", "gebuhr", "preis", "teuer", "bezahl", "euro", "cost", "fee", "price"),
    DOCUMENTS: (
        "unterlag", "dokument", "mitbring", "nachweis", "papiere", "document", "bring",
        "brauch", "benotig", "need",
    ),
    DURATION: ("dauer", "lange", "bearbeitungszeit", "wartezeit", "long", "fertig"),
    HOURS: ("offnungszeit", "geoffnet", "offen", "sprechzeit", "opening", "hours", "open"),
    WHERE: ("wo", "wohin", "zustandig", "where", "responsible", "hingehen"),
    ONLINE: ("online", "internet", "digital", "zuhause", "onlin"),
    APPOINTMENT: ("termin", "appointment", "buchen", "book"),
    GREETING: ("hallo", "hi", "moin", "servus", "hello", "hey", "guten"),
    THANKS: ("danke", "dank", "dankeschon", "thx", "thanks", "thank", "merci"),
}  # fmt: skip
# The order in which intents win when a message has several ("wo und wann offen?": hours).
PRIORITY = (HUMAN, REPORT, COSTS, DOCUMENTS, DURATION, HOURS, APPOINTMENT, ONLINE, WHERE)
# Short stems only match exactly or as a prefix, never with a typo ("wo" ≠ "so").
EXACT_ONLY = frozenset({"wo", "hi", "hey", "fee", "book", "need", "euro", "open", "long", "thx"})
# Stems that never match with a typo: "Brocken" is no "broken", "neuer" no "teuer".
NO_TYPO = EXACT_ONLY | frozenset(INTENT_STEMS[REPORT])
# Words that are never a prefix of anything else we mean ("offen" ≠ "offenbar").
WHOLE_WORD = frozenset(
    {"wo", "hi", "hey", "open", "long", "book", "need", "fee", "guten", "person", "offen"}
)
# Phrases for a person ("mit jemandem sprechen", "can I talk to someone").
HUMAN_RE = re.compile(
    r"\b(mit jemand\w*|jemand\w*) (sprechen|reden)|\b(talk|speak) to (someone|a person)"
    r"|\banruf|\bechte[nrm]? (person|mensch)"
)
HOW_MUCH_RE = re.compile(r"\bwie ?viel\b|\bhow much\b|\bwas muss ich (be)?zahlen\b")
WHERE_RE = re.compile(r"\b(wie|was) (ist|lautet) die (adresse|anschrift)\b|\bwhat is the address\b")
HOW_LONG_RE = re.compile(r"\bwie lange?\b|\bwann (ist|bekomme|krieg)")

# Words that carry no object: removed before the service search.
FILLER = frozenset(
    """
    und oder aber auch noch mal denn doch ja nein nee jo ok okay bitte bitte gerne also so
    ich mir mich mein meine meinen meinem meiner wir uns unser unsere du dir dich sie ihr
    man es das dies dieses diese der die den dem des ein eine einen einem einer was wer wie
    wo wann warum wieso weshalb welche welcher welches wohin woher hier dort da dafur damit
    ist sind bin war habe hab hat haben hatte kann konnen konnte muss musse mussen soll
    will mochte mochten wurde werden geht gehen gibt machen mache mach tun tue lassen
    brauche braucht brauch kriege krieg bekomme bekommen bei beim mit von vom zu zum zur
    in im an am auf aus fur uber nach vor um ab bis ohne wegen jetzt heute schon gerade
    eigentlich bitteschon hallo hi moin servus guten tag abend morgen danke dankeschon
    vielen dank thx frage fragen sagen wissen weiss info infos information informationen
    nicht kein keine keinen nur wohne wohnen lebe leben ort gemeinde stadt dorf plz
    postleitzahl kostet kosten kost gebuhr gebuhren preis teuer bezahlen zahlen euro
    unterlagen dokumente mitbringen nachweise papiere dauert dauer lange wie viel wieviel
    offnungszeiten geoffnet offen sprechzeiten online internet digital zuhause termin
    termine buchen vereinbaren adresse anschrift zustandig zustandigkeit amt behorde
    hingehen mensch person mitarbeiter sprechen reden jemand jemanden jemandem erste
    ersten zweite zweiten dritte dritten the a an and or is it i my me what how much does
    cost costs fee fees where who can do need documents bring long take takes open opening
    hours online appointment book please hello hi thanks thank you to for of in on at
    alles alle neu neue neuer neues neuen vorher nachher beantragen antrag stellen da
    denn dann wird wurde gut genau etwa ungefahr bearbeitung bearbeitungszeit amt amter
    stelle hin her los sowas etwas
    """.split()
)

ORDINALS = {
    "1": 0, "eins": 0, "erste": 0, "ersten": 0, "erstes": 0, "first": 0, "one": 0,
    "2": 1, "zwei": 1, "zweite": 1, "zweiten": 1, "zweites": 1, "second": 1, "two": 1,
    "3": 2, "drei": 2, "dritte": 2, "dritten": 2, "drittes": 2, "third": 2, "three": 2,
}  # fmt: skip
NO_WORDS = frozenset({"nein", "keins", "keines", "keiner", "none", "no", "nichts", "anderes"})
WORD_RE = re.compile(r"[0-9a-zäöüß]+")
POSTCODE_RE = re.compile(r"(?<!\d)(\d{5})(?!\d)")
# When the best hit scores this much more than the second, it is taken without asking back.
CLEAR_LEAD = 1.35
# Below this score a hit is noise ("Wetter morgen" → a passport service by a stray word).
MIN_SCORE = 5.0
# During a conversation about a service, a follow-up moves to another service only on a
# hit this strong (a word of the other service's name), not on a stray word ("alles").
STRONG_SCORE = 15.0
MAX_TEXT = 500


# -- what the engine returns ---------------------------------------------------------------
@dataclass
class Link:
    label: str
    url: str
    kind: str = "link"  # link | apply | appointment | report | mailbox | handover | service


@dataclass
class Reply:
    """One answer: paragraphs of text, facts (label, value), links and next-step buttons,
    quick replies (choices the person can send back), and what it was about."""

    intent: str
    answered: bool
    service: str = ""
    lines: list[str] = field(default_factory=list)
    facts: list[list[str]] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    choices: list[str] = field(default_factory=list)
    offer_handover: bool = False
    # the language of the catalogue's values where it differs from the page's (WCAG 3.1.2)
    data_lang: str = field(default_factory=lambda: "" if _page_is_german() else "de")

    def as_dict(self) -> dict:
        return asdict(self)

    def text(self) -> str:
        """Everything the reply says, as plain text (for tests and the JSON answer)."""
        parts = list(self.lines)
        parts += [f"{label}: {value}" for label, value in self.facts]
        parts += [f"{link.label} ({link.url})" for link in self.links]
        parts += self.choices
        return "\n".join(parts)


def _page_is_german() -> bool:
    return (get_language() or "de").startswith("de")


def new_state() -> dict:
    return {"service": "", "region": "", "pending": None}


# -- reading the message -------------------------------------------------------------------
def tokens(text: str) -> list[str]:
    return WORD_RE.findall(fold(text.lower()))


def _word_matches(word: str, stem: str, typos: bool = True) -> bool:
    if word == stem:
        return True
    if stem in WHOLE_WORD:
        return False
    if word.startswith(stem) and len(stem) >= 3:
        return True
    if not typos or stem in NO_TYPO or word in FILLER or len(word) < 5 or len(stem) < 4:
        return False
    if len(stem) == 4:  # "kosstet": one typo in the word's first five letters only
        return Levenshtein.distance(word[:5], stem, score_cutoff=1) <= 1
    budget = 2 if len(stem) >= 9 else 1
    # a typo in the word's beginning as long as the stem ("kosstet" ~ "kost" + "et")
    head = word[: len(stem) + 1]
    return (
        min(
            Levenshtein.distance(word, stem, score_cutoff=budget),
            Levenshtein.distance(head, stem, score_cutoff=budget),
            Levenshtein.distance(word[: len(stem)], stem, score_cutoff=budget),
        )
        <= budget
    )


def _catalogue_word(word: str, tenant: Tenant | None) -> bool:
    """True when the catalogue knows the word well ("steuer"): then it is no typo of an
    intent word ("teuer")."""
    if tenant is None:
        return False
    hits = catalog.search(tenant, word, limit=1, as_prefix=False)
    return bool(hits) and hits[0].score >= STRONG_SCORE


def detect_intents(text: str, tenant: Tenant | None = None) -> list[str]:
    """Every intent the message signals, most specific first."""
    folded = fold(text.lower())
    words = tokens(text)
    found = set()
    for intent, stems in INTENT_STEMS.items():
        for word in words:
            exact = any(_word_matches(word, stem, typos=False) for stem in stems)
            typo = not exact and any(_word_matches(word, stem) for stem in stems)
            if exact or (typo and not _catalogue_word(word, tenant)):
                found.add(intent)
    if HUMAN_RE.search(folded):
        found.add(HUMAN)
    if HOW_MUCH_RE.search(folded):
        found.add(COSTS)
    if HOW_LONG_RE.search(folded):
        found.add(DURATION)
    if WHERE_RE.search(folded):
        found.add(WHERE)
    # "was brauche ich" asks for documents; "brauche ich einen Termin" asks for a termin
    if APPOINTMENT in found or ONLINE in found or REPORT in found:
        found.discard(DOCUMENTS)
    # "wo ist das, wann hat es offen" → hours; "wann" alone with "geöffnet" is hours too
    ordered = [intent for intent in PRIORITY if intent in found]
    social = [intent for intent in (GREETING, THANKS) if intent in found]
    return ordered + social


def _is_prefix_intent(word: str) -> bool:
    return any(
        word == stem or (stem not in WHOLE_WORD and len(stem) >= 3 and word.startswith(stem))
        for stems in INTENT_STEMS.values()
        for stem in stems
    )


def object_words(text: str, places: set[str], tenant: Tenant | None = None) -> list[str]:
    """The words left for the service search: no filler, no intent word, no place.

    A word one typo away from an intent word ("kosstet") goes too, unless the catalogue
    knows it well as a word of its own ("steuer" is not a typo of "teuer")."""
    left = []
    for word in tokens(text):
        if word in FILLER or word in places or word.isdigit():
            continue
        if any(word.startswith(s) for s in INTENT_STEMS[REPORT]):
            left.append(word)  # "kaputt", "defekt" also describe the thing
            continue
        if _is_prefix_intent(word):
            continue
        typo = any(_word_matches(word, s) for stems in INTENT_STEMS.values() for s in stems)
        if typo and not _catalogue_word(word, tenant):
            continue
        left.append(word)
    return left


# -- places --------------------------------------------------------------------------------
def _place_names(tenant: Tenant) -> dict[str, Region]:
    """Folded municipality names and their parts ("blankenburg (harz)" → "blankenburg")."""
    names: dict[str, Region] = {}
    for region in core.municipalities(tenant):
        full = fold(region.name.lower())
        names[full] = region
        short = re.sub(r"\s*[(/].*$", "", full).strip()
        names.setdefault(short, region)
    return names


def find_place(tenant: Tenant, text: str) -> tuple[list[Region], set[str]]:
    """Municipalities the message names (by name or postcode) and the words naming them."""
    words = tokens(text)
    folded = " ".join(words)
    postcode = POSTCODE_RE.search(text)
    if postcode:
        return core.regions_for_postcode(postcode.group(1)), {postcode.group(1)}
    names = sorted(_place_names(tenant).items(), key=lambda item: -len(item[0]))
    for name, region in names:
        name_words = tokens(name)
        if name_words and re.search(r"\b" + re.escape(" ".join(name_words)) + r"\b", folded):
            return [region], set(name_words)
    # one typo in a single-word name of 6+ letters ("quedlinbrug", "wernigrode")
    for name, region in names:
        name_words = tokens(name)
        if len(name_words) != 1 or len(name_words[0]) < 6:
            continue
        for word in words:
            if len(word) >= 6 and OSA.distance(word, name_words[0], score_cutoff=1) <= 1:
                return [region], {word}
    return [], set()


# -- service resolution --------------------------------------------------------------------
def _choice_index(text: str, options: list[str], names: list[str]) -> int | None:
    """Which offered option the person took: "das erste", "2", or (part of) its name."""
    words = tokens(text)
    for word in words:
        if word in ORDINALS and ORDINALS[word] < len(options):
            return ORDINALS[word]
    folded = " ".join(words)
    for index, name in enumerate(names):
        if folded and (
            folded == fold(name.lower()) or (len(folded) > 5 and folded in fold(name.lower()))
        ):
            return index
    return None


# Separable verbs: "melde … an" is "anmelden" (the search knows the infinitive).
PARTICLES = {"an": "an", "ab": "ab", "um": "um"}
LOSS_WORDS = ("verlor", "verlust", "gestohl", "geklaut", "verlegt", "lost", "stolen")
LOSS_NAMES = ("verlust", "ersatz", "diebstahl")


def with_verbs(text: str, words: list[str]) -> list[str]:
    """Join a separated particle to its verb: "ich melde meinen Hund an" → "anmelden"."""
    raw = tokens(text)
    particle = next((PARTICLES[w] for w in reversed(raw) if w in PARTICLES), "")
    if not particle:
        return words
    return [particle + "melden" if w in ("melde", "meldet", "melden") else w for w in words]


def search_services(tenant: Tenant, words: list[str], text: str = "") -> list:
    """The best three services for the object words; a lost thing prefers the service
    whose name says loss or replacement ("Perso verloren" → report the loss)."""
    if not words:
        return []
    hits = catalog.search(tenant, " ".join(with_verbs(text, words)), limit=5, as_prefix=False)
    hits = [hit for hit in hits if hit.score >= MIN_SCORE]
    if any(w.startswith(LOSS_WORDS) for w in tokens(text)):
        loss = [h for h in hits if any(n in fold(h.name.lower()) for n in LOSS_NAMES)]
        if loss:
            return [loss[0]]
    return hits


def _service(tenant: Tenant, slug: str) -> Service | None:
    if not slug:
        return None
    return Service.objects.filter(tenant=tenant, slug=slug).first()


# -- the answers ---------------------------------------------------------------------------
def service_url(service: Service) -> str:
    return reverse("portal:service", args=[service.slug])


def apply_url(service: Service) -> str:
    """Where to apply online, exactly as the service page offers it, or ''."""
    if service.online_url:
        return service.online_url
    if forms.form_for_service(service, definition=False) is not None:
        return reverse("forms:start", args=[service.slug])
    return ""


def booking_url(service: Service) -> str:
    found = appointments.booking_service_for(service)
    if found is None:
        return ""
    return reverse("appointments:location") + "?leistung=" + found.key


def next_steps(service: Service) -> list[Link]:
    """Buttons for what exists for this service, nothing else."""
    steps = []
    url = apply_url(service)
    if url:
        steps.append(Link(_("Apply online"), url, "apply"))
    url = booking_url(service)
    if url:
        steps.append(Link(_("Book an appointment"), url, "appointment"))
    return steps


def _page_link(service: Service) -> Link:
    return Link(
        _("Service page: %(name)s") % {"name": service.display_name},
        service_url(service),
        "service",
    )


def _address(location) -> str:
    return f"{location.name}, {location.street}, {location.postcode} {location.city}"


def _hours(location) -> list[str]:
    labels = dict(location.opening_hours.model.WEEKDAYS)
    rows = sorted(location.opening_hours.all(), key=lambda h: (h.weekday, h.opens))
    by_day: dict[int, list[str]] = {}
    for row in rows:
        by_day.setdefault(row.weekday, []).append(f"{row.opens:%H:%M}–{row.closes:%H:%M}")
    return [f"{labels[day]}: {', '.join(spans)}" for day, spans in by_day.items()]


class Answerer:
    """Builds the reply for one intent about one service (and maybe one municipality)."""

    def __init__(self, service: Service, region: Region | None, tenant: Tenant):
        self.service = service
        self.region = region
        self.tenant = tenant

    def reply(self, intent: str, answered: bool = True) -> Reply:
        return Reply(intent=intent, answered=answered, service=self.service.slug)

    def finish(self, reply: Reply, steps: bool = True) -> Reply:
        shown = {link.url for link in reply.links}
        if self.service.is_external and self.service.external_url not in shown:
            # another authority's service: every answer says who decides, with its link
            reply.lines.append(
                _("Responsible is %(authority)s, not the county.")
                % {"authority": self.service.external_authority}
            )
            reply.links.append(Link(self.service.external_name, self.service.external_url))
        if steps:
            reply.links += [
                s
                for s in next_steps(self.service)
                if s.url not in {link.url for link in reply.links}
            ]
        reply.links.append(_page_link(self.service))
        if not reply.answered:
            reply.offer_handover = True
        return reply

    def unknown(self, intent: str, what: str) -> Reply:
        reply = self.reply(intent, answered=False)
        reply.lines.append(
            _("I don't know that: the catalogue has no information on %(what)s for “%(name)s”.")
            % {"what": what, "name": self.service.display_name}
        )
        return self.finish(reply)

    def overview(self) -> Reply:
        reply = self.reply(OVERVIEW)
        reply.lines.append(f"{self.service.display_name}: {self.service.display_summary}")
        if self.service.is_external:
            reply.lines.append(
                _("Responsible is %(authority)s, not the county.")
                % {"authority": self.service.external_authority}
            )
            reply.links.append(Link(self.service.external_name, self.service.external_url))
        reply.choices = [_("What does it cost?"), _("What do I need?"), _("Where do I go?")]
        return self.finish(reply)

    def costs(self) -> Reply:
        if not self.service.fees:
            return self.unknown(COSTS, _("costs"))
        reply = self.reply(COSTS)
        reply.facts.append([_("Costs"), self.service.fees])
        return self.finish(reply)

    def documents(self) -> Reply:
        if not self.service.documents:
            return self.unknown(DOCUMENTS, _("the documents you need"))
        reply = self.reply(DOCUMENTS)
        reply.lines.append(_("You need:"))
        reply.facts += [["–", doc] for doc in self.service.documents]
        return self.finish(reply)

    def duration(self) -> Reply:
        if not self.service.processing_time:
            return self.unknown(DURATION, _("how long it takes"))
        reply = self.reply(DURATION)
        reply.facts.append([_("Processing time"), self.service.processing_time])
        return self.finish(reply)

    def competence(self):
        if self.service.is_external:
            return None
        return catalog.resolve_competence(self.service, self.region or self.tenant.region)

    def external(self, intent: str) -> Reply:
        reply = self.reply(intent)
        reply.lines.append(
            _("Responsible is %(authority)s, not the county.")
            % {"authority": self.service.external_authority}
        )
        reply.links.append(Link(self.service.external_name, self.service.external_url))
        return self.finish(reply)

    def where(self) -> Reply:
        if self.service.is_external:
            return self.external(WHERE)
        answer = self.competence()
        if answer is None:
            return self.unknown(WHERE, _("who is responsible"))
        reply = self.reply(WHERE)
        reply.facts.append(
            [_("Responsible"), f"{answer.org_unit.name} ({answer.organisation.name})"]
        )
        if answer.location is not None:
            reply.facts.append([_("Address"), _address(answer.location)])
            phone = answer.location.phone or answer.org_unit.phone
            if phone:
                reply.facts.append([_("Phone"), phone])
            reply.links.append(
                Link(answer.location.name, reverse("portal:location", args=[answer.location.key]))
            )
        return self.finish(reply)

    def hours(self) -> Reply:
        if self.service.is_external:
            return self.external(HOURS)
        answer = self.competence()
        location = answer.location if answer else None
        if location is None:
            return self.unknown(HOURS, _("opening hours"))
        hours = _hours(location)
        if not hours and not location.hours_note:
            return self.unknown(HOURS, _("opening hours"))
        reply = self.reply(HOURS)
        reply.facts.append([_("Address"), _address(location)])
        reply.facts += [[_("Opening hours"), row] for row in hours]
        if location.hours_note:
            reply.facts.append([_("Note"), location.hours_note])
        reply.links.append(Link(location.name, reverse("portal:location", args=[location.key])))
        return self.finish(reply)

    def online(self) -> Reply:
        url = apply_url(self.service)
        reply = self.reply(ONLINE)
        if url:
            reply.lines.append(_("Yes, you can apply for this online."))
            reply.links.append(Link(_("Apply online"), url, "apply"))
        elif self.service.is_external:
            return self.external(ONLINE)
        else:
            reply.lines.append(
                _("The catalogue lists no online application for “%(name)s”.")
                % {"name": self.service.display_name}
            )
        return self.finish(reply)

    def appointment(self) -> Reply:
        url = booking_url(self.service)
        reply = self.reply(APPOINTMENT)
        if url:
            reply.lines.append(_("Yes, you can book an appointment online."))
            reply.links.append(Link(_("Book an appointment"), url, "appointment"))
        elif self.service.appointment:
            reply.lines.append(
                _(
                    "You need an appointment; it cannot be booked online here. "
                    "Please contact the office."
                )
            )
            return self._with_office(reply)
        elif self.service.is_external:
            return self.external(APPOINTMENT)
        else:
            reply.lines.append(
                _("The catalogue lists no appointment booking for “%(name)s”.")
                % {"name": self.service.display_name}
            )
        return self.finish(reply)

    def _with_office(self, reply: Reply) -> Reply:
        answer = self.competence()
        if answer is not None and answer.location is not None:
            reply.facts.append([_("Responsible"), answer.org_unit.name])
            reply.facts.append([_("Address"), _address(answer.location)])
            phone = answer.location.phone or answer.org_unit.phone
            if phone:
                reply.facts.append([_("Phone"), phone])
        return self.finish(reply)

    def answer(self, intent: str) -> Reply:
        handler = {
            COSTS: self.costs,
            DOCUMENTS: self.documents,
            DURATION: self.duration,
            WHERE: self.where,
            HOURS: self.hours,
            ONLINE: self.online,
            APPOINTMENT: self.appointment,
        }.get(intent, self.overview)
        return handler()


def needs_place(service: Service, intent: str) -> bool:
    """Who and where depends on the municipality only for municipal services."""
    return intent in (WHERE, HOURS, APPOINTMENT) and service.level == Service.Level.MUNICIPALITY


# -- the conversation ----------------------------------------------------------------------
def _ask_place(state: dict, service: Service, intent: str) -> Reply:
    state["pending"] = {"kind": "place", "intent": intent}
    reply = Reply(intent=intent, answered=True, service=service.slug)
    reply.lines.append(
        _(
            "For “%(name)s” the municipality is responsible. "
            "Where do you live? Name your town or your postcode."
        )
        % {"name": service.display_name}
    )
    return reply


def _ask_service(state: dict, hits: list, intent: str) -> Reply:
    state["pending"] = {"kind": "service", "intent": intent, "options": [h.slug for h in hits]}
    reply = Reply(intent=intent, answered=True)
    reply.lines.append(_("Which of these do you mean? Answer with the number or the name."))
    language = get_language() or "de"
    reply.choices = [f"{i}. {hit.display_name(language)}" for i, hit in enumerate(hits, start=1)]
    return reply


def _social(intent: str) -> Reply:
    reply = Reply(intent=intent, answered=True)
    if intent == THANKS:
        reply.lines.append(_("You're welcome! Ask me anything else about the county's services."))
    else:
        reply.lines.append(
            _(
                "Hello! Ask me about a service of the county, for example: “What does a "
                "personalised number plate cost?”"
            )
        )
    return reply


def _report() -> Reply:
    reply = Reply(intent=REPORT, answered=True)
    reply.lines.append(
        _(
            "Damage in a public place (a pothole, a broken street light, illegally dumped "
            "waste) is reported with the defect reporter."
        )
    )
    reply.links.append(Link(_("Report a defect"), reverse("reports:new"), "report"))
    return reply


def _human(state: dict) -> Reply:
    reply = Reply(intent=HUMAN, answered=True, service=state.get("service", ""))
    reply.lines.append(
        _(
            "I can pass your question to the county's service team. They answer in your "
            "mailbox or by e-mail — only if you agree."
        )
    )
    reply.offer_handover = True
    return reply


def _not_found(intent: str) -> Reply:
    reply = Reply(intent=intent if intent != OVERVIEW else UNKNOWN, answered=False)
    reply.lines.append(
        _(
            "Sorry, I did not find a service for that. Try other words, for example "
            "“register a dog” or “lost my ID card”."
        )
    )
    reply.links.append(Link(_("All services A–Z"), reverse("portal:services")))
    reply.offer_handover = True
    return reply


def respond(tenant: Tenant, state: dict | None, text: str) -> tuple[Reply, dict]:
    """Answer one message. Returns the reply and the new conversation state."""
    state = dict(state or new_state())
    text = " ".join(catalog.clean_query(text or "").split())[:MAX_TEXT]
    # contact data says nothing about the service and must not steer the search
    text = scrub.IBAN_RE.sub(" ", scrub.EMAIL_RE.sub(" ", text))
    pending = state.get("pending") or None
    state["pending"] = None
    regions, place_words = find_place(tenant, text)
    if len(regions) == 1:
        state["region"] = regions[0].ars
    intents = detect_intents(text, tenant)
    intent = intents[0] if intents else OVERVIEW

    # 1. the answer to our own question
    if pending and pending.get("kind") == "service":
        options = pending.get("options", [])
        services = [_service(tenant, slug) for slug in options]
        names = [s.display_name if s else "" for s in services]
        chosen = _choice_index(text, options, names)
        if chosen is not None and services[chosen] is not None:
            state["service"] = options[chosen]
            asked = pending.get("intent", OVERVIEW)
            intent = intents[0] if intents and intents[0] not in (GREETING, THANKS) else asked
            return _answer_for(tenant, state, services[chosen], intent)
        if set(tokens(text)) & NO_WORDS:
            reply = Reply(intent=CHOICE, answered=False)
            reply.lines.append(_("Then please describe what you need in other words."))
            reply.offer_handover = True
            return reply, state
    if pending and pending.get("kind") == "place":
        service = _service(tenant, state.get("service", ""))
        if len(regions) > 1:
            state["pending"] = pending
            reply = Reply(
                intent=pending.get("intent", WHERE), answered=True, service=state.get("service", "")
            )
            reply.lines.append(_("This postcode belongs to several municipalities. Which one?"))
            reply.choices = [r.name for r in regions]
            return reply, state
        if regions and service is not None:
            asked = (
                intents[0] if intents and intents[0] in PRIORITY else pending.get("intent", WHERE)
            )
            return _answer_for(tenant, state, service, asked)

    # 2. social turns and the two intents without a service
    if intent == HUMAN:
        return _human(state), state
    if intent == REPORT:
        return _report(), state
    if not object_words(text, place_words, tenant) and intent in (GREETING, THANKS):
        return _social(intent), state

    # 3. the service: named now, or the conversation's
    words = object_words(text, place_words, tenant)
    hits = search_services(tenant, words, text)
    current = _service(tenant, state.get("service", ""))
    follow_up = current is not None and (bool(intents) or bool(regions))
    if follow_up and (
        current.slug in [h.slug for h in hits]
        or not hits
        or hits[0].score < STRONG_SCORE
        or _describes(current, words)
    ):
        return _answer_for(tenant, state, current, intent)
    hits = hits[:3]
    if not hits:
        if current is not None and (intents or regions):
            return _answer_for(tenant, state, current, intent)
        if regions and not words:
            reply = Reply(intent=CHOICE, answered=True)
            reply.lines.append(
                _("Noted: %(place)s. What would you like to know?") % {"place": regions[0].name}
            )
            return reply, state
        return _not_found(intent), state
    if len(hits) == 1 or hits[0].score >= CLEAR_LEAD * hits[1].score:
        service = _service(tenant, hits[0].slug)
        state["service"] = service.slug
        return _answer_for(tenant, state, service, intent)
    state["service"] = ""
    return _ask_service(state, hits, intent), state


def _describes(service: Service, words: list[str]) -> bool:
    """Every word is part of what the catalogue says about the service ("das Standesamt"
    while talking about the birth certificate)."""
    text = fold(" ".join([service.name, service.summary, *service.keywords]).lower())
    return bool(words) and all(word[:6] in text for word in words)


def _answer_for(tenant: Tenant, state: dict, service: Service, intent: str) -> tuple[Reply, dict]:
    state["service"] = service.slug
    if intent in (GREETING, THANKS, CHOICE, UNKNOWN, HUMAN, REPORT):
        intent = OVERVIEW
    region = None
    if state.get("region"):
        region = Region.objects.filter(ars=state["region"]).first()
    if region is None and needs_place(service, intent):
        return _ask_place(state, service, intent), state
    return Answerer(service, region, tenant).answer(intent), state
