"""The extraction orchestrator: document → sentences → figures → claims.

Stages, in order (each a module of its own, all language data from the lexicon):

1. language and segments (body, title, furniture) of the document;
2. document-wide scans: blocked spans (dates, URLs, ids), actor, place and
   source mentions, so each sentence only looks up what it holds;
3. per sentence: figures (``numbers``), what they count (``frames``),
   who says it (``attribution``), when it holds (``timeref``);
4. the actor of each figure: its own noun phrase, then the sentence,
   then the paragraph, then the document's main actor.

Context (the carried source, the topic actor) never crosses a segment
boundary, so a teaser's figures are never credited to the main story.
"""

from __future__ import annotations

import bisect
import re
import time
from collections import Counter
from dataclasses import dataclass, field, replace
from functools import cache
from typing import Any

from figtrace.errors import ExtractionTimeout
from figtrace.extract.attribution import METONYM_CUE, UNATTRIBUTED, WEAK_KINDS, Attribution, source_reader
from figtrace.extract.details import add_all_details
from figtrace.extract.frames import Frame, frame_reader
from figtrace.extract.numbers import Mention, finder
from figtrace.extract.sentences import Sentence, splitter
from figtrace.extract.speakers import CLAUSE_BREAK
from figtrace.extract.timeref import Published, TimeExpr, time_finder
from figtrace.extract.typography import normalize_typography
from figtrace.kb import get_kb
from figtrace.lang import get_lexicon
from figtrace.lang.phrases import compile_phrases
from figtrace.letters import LOWER, UPPER
from figtrace.model import Claim, Document, Segment

#: Characters after a unit noun in which a country still belongs to the noun
#: phrase ("Soldaten aus Nordkorea"), or, for territory, names its owner.
NP_TAIL = 22
#: Characters at the start of the body that say where a story is, and how much more a place there weighs.
LEDE = 400
#: Actor rules that take the side from the context, not the figure's sentence: a lower confidence.
CONTEXT_ACTOR_RULES = frozenset({"context_before", "context_after", "context_earlier", "context_later", "main_actor"})
#: A capitalised word joined by a hyphen after or before a side's name: "Israel-Lebanon", "India–Pakistan".
_SIDE_AFTER = re.compile(rf"[-–]([{UPPER}][\w']+)")
_SIDE_BEFORE = re.compile(rf"(?<![\w\-])([{UPPER}][\w']+)[-–]$")
#: Characters between a verb of saying and the day of the statement ("said on Wednesday").
STATEMENT_GAP = 5
LEDE_WEIGHT = 2
TERRITORY_OWNER_TAIL = 35
#: A side named after the figure's noun phrase counts only this close (characters):
#: farther right stands an object or an adjunct ("mit russischen Schiffen").
RIGHT_REACH = 25
#: Two figures this close (characters between them) share a predicate: "82 soldiers and 47 civilians".
COORD_GAP = 12
#: A figure without a cue of its own shares the predicate of the one before only this close
#: (characters between): "20 Kinder und zwei Lehrer", not "… troops to Amhara, a region of 22 million".
SHARE_GAP = 120
#: A country named with a preposition counts as where victims are only this close to the figure.
VICTIM_PLACE_REACH = 80
#: An agent ("Russian troops captured …") stands at most this far (characters) before its verb.
AGENT_REACH = 40
#: Characters before a figure in which "its"/"seine" make the figure the speaker's own people.
OWN_REACH = 40
#: Measures whose active verb before the figure has the other side as subject.
AGENT_MEASURES = ("killed", "wounded", "captured")
#: Sentences back (within the segment: wire copy puts each sentence in a paragraph of its own) whose
#: day-level event time a sentence without one takes.
CONTEXT_TIME_SENTENCES = 8
#: Measures of people hurt, whose count a side's own civil bodies keep.
CASUALTY_MEASURES = ("killed", "wounded", "killed_or_wounded", "missing")
#: Time expressions farther than this from the figure belong to another clause.
TIME_REACH = 160
#: Seconds one document may take before it is skipped (a typical article takes milliseconds).
DOCUMENT_BUDGET = 20.0
#: Time expressions after the figure count this much farther: "im Januar … 300, im April … 600".
RIGHT_TIME_PENALTY = 2.0
#: A line opening with capitals and a comma or dash: "KYIV, Ukraine —", "DUBAI, April 29 (Reuters) -".
_DATELINE = re.compile(
    rf"(?m)^[ \t]*([{UPPER}][{UPPER}'.\-/ ]{{1,40}}(?:,[^\n,—–]{{0,40}})?)"
    r"(?=[ \t]*(?:\([^)\n]{0,30}\)[ \t]*)?[—–-][ \t])")


#: The stretch after the last clause boundary of a window: where a preposition can still bind.
_CLAUSE_TAIL = re.compile(r"[.!?\n:;,][^.!?\n:;,]*\Z")
#: A paragraph opening with one place name and a full stop: "Nairobi. Bei einem Luftangriff".
_PLACE_DATELINE = re.compile(
    rf"(?m)^[ \t]*([{UPPER}][{LOWER}\-]{{2,20}}(?:/[{UPPER}][{LOWER}\-]{{2,20}})?)\.(?=[ \t]+[{UPPER}])")


@dataclass(slots=True)
class _Sent:
    s: Sentence
    actors: list[tuple[int, int, str, bool]] = field(default_factory=list)  # start, end, name, after a location prep
    places: list[tuple[int, int, str, str | None]] = field(default_factory=list)  # start, end, place, actor
    sources: list[tuple[int, int, str]] = field(default_factory=list)
    times: list[TimeExpr] | None = None  # read when a figure asks (its own sentence's, or a neighbour's)
    own: Attribution | None = None
    att: Attribution | None = None
    att_from: int | None = None  # index of the sentence the source came from
    att_how: str = ""
    att_rule: str = ""  # the same as a rule id (model.RULES["source"])
    topic: str | None = None


@dataclass(slots=True)
class _Neighbours:
    """For each sentence, the nearest one before and after with a topic, and before with a place.

    Computed once per segment so context lookups cost O(1) per figure, not a
    scan back through a long paragraph.
    """

    prev_topic: list[int | None]
    next_topic: list[int | None]
    prev_place: list[int | None]

    @classmethod
    def of(cls, sents: list[_Sent]) -> _Neighbours:
        n = len(sents)
        prev_topic: list[int | None] = [None] * n
        prev_place: list[int | None] = [None] * n
        next_topic: list[int | None] = [None] * n
        last_t = last_p = None
        for i, st in enumerate(sents):
            prev_topic[i], prev_place[i] = last_t, last_p
            if st.topic:
                last_t = i
            if st.places:
                last_p = i
        nxt = None
        for i in range(n - 1, -1, -1):
            next_topic[i] = nxt
            if sents[i].topic:
                nxt = i
        return cls(prev_topic, next_topic, prev_place)


def extract_document(doc: Document, *, budget: float | None = DOCUMENT_BUDGET) -> list[Claim]:
    """Every claim in one document, each with its evidence and reasons.

    ``budget`` (seconds) bounds the work on one document: a pathological input
    (a megabyte on one line, thousands of figures) is skipped with
    :class:`~figtrace.errors.ExtractionTimeout` instead of stalling a batch.
    """
    # 1. language and segments
    lang = doc.lang or _detect(doc.text)
    doc.lang = lang
    get_lexicon(lang)  # raises UnknownLanguageError with the list of lexicons
    segments = doc.segments or _segment(doc.text, lang)
    published, inferred = _published(doc)
    text = normalize_typography(doc.text)
    claims: list[Claim] = []
    ctx = _DocContext(text, lang, published)
    ctx.deadline = None if budget is None else time.monotonic() + budget
    ctx.budget = budget
    main_actor = ctx.main_actor(segments)
    # an armed group is a side, but no country whose bodies speak ("officials said" in a story on al-Shabaab)
    ctx.story_country = ctx.story_country_of(segments) or (main_actor if main_actor not in ctx.non_states else None)
    ctx.check_budget(0)
    for seg in segments:
        claims.extend(ctx.extract_segment(doc, seg, main_actor, published, inferred))
    _restated_sources(claims)
    # 5. what each figure counts beyond its measure: item, scope, group (details.py)
    return add_all_details(claims, text, lang)


def _restated_sources(claims: list[Claim]) -> None:
    """A figure stated without a source (a summary bullet, a headline) that the same document states with
    one elsewhere (same value, measure and actor; not a vague "dozens") is that source's figure too.

    Only the story's own segments lend and borrow, and only when every sourced statement agrees.
    """
    sourced: dict[tuple[float, str, str | None], set[tuple[str, tuple[str, ...]]]] = {}
    for c in claims:
        if c.source != UNATTRIBUTED and c.segment != "furniture" and c.qualifier != "vague":
            sourced.setdefault((c.value, c.measure, c.actor), set()).add((c.source, tuple(c.via)))
    if not sourced:
        return
    for k, c in enumerate(claims):
        if c.source != UNATTRIBUTED or c.segment == "furniture" or c.qualifier == "vague":
            continue  # "Dutzende" is no particular figure to find again
        found = sourced.get((c.value, c.measure, c.actor))
        if found and len(found) == 1:
            source, via = next(iter(found))
            why = {**c.why, "source": f"the same figure with its source elsewhere in the document: {source!r}"}
            claims[k] = replace(c, source=source, via=list(via), why=why, rules={**c.rules, "source": "restated"})


def _detect(text: str) -> str:
    from figtrace.meta import detect_language  # the one language detector (restricted to shipped lexicons)

    return detect_language(text)


def _segment(text: str, lang: str) -> list[Segment]:
    from figtrace.clean import segment

    return segment(text, lang) or [Segment(0, len(text), "body")]


def _published(doc: Document) -> tuple[Published | None, bool]:
    """The publication date at the precision the metadata gives (day, month or year)."""
    pub = Published.parse(doc.published)
    return pub, bool(doc.published_inferred) if pub else False


class _DocContext:
    def __init__(self, text: str, lang: str, published: Published | None):
        self.text = text
        self.lang = lang
        self.nums = finder(lang)
        self.frames = frame_reader(lang)
        self.sources = source_reader(lang)
        self.times = time_finder(lang)
        self.split = splitter(lang)
        kb = get_kb()
        self.actor_m = kb.matcher("actors", lang)
        self.place_m = kb.matcher("places", lang)
        self.place_actor, self.victims_only, self.source_side = _kb_sides()
        self.loc_preps = self.frames.loc_preps
        (self.side, self.attack, self.own, self.victims, self.attribution_nouns,
         self.genitive) = _side_patterns(lang)
        self.blocked = self.times.blocked_spans(text)
        # "KYIV, Ukraine —", "CAIRO/JERUSALEM —": where the reporter filed from, not a side in the story
        self.datelines = [m.span(1) for rx in (_DATELINE, _PLACE_DATELINE) for m in rx.finditer(text)]
        self._dateline_index = _span_index(sorted(self.datelines))  # one bisection per test
        self.published = published
        self.story_country: str | None = None
        self.named_speakers: list[Attribution] = []
        self._preps: dict[int, bool] = {}
        self.actor_counts: Counter[str] = Counter()
        self.attacker_counts: Counter[str] = Counter()
        self.forces, self.downed, self.agent_preps, self.state_personnel, self.targets = _force_patterns(lang)
        self.source_function, self.actor_names = _kb_facts()
        self.non_states = self.sources.sp.non_states  # the armed groups that hold no state
        self.deadline: float | None = None
        #: the reported speech running at the end of the last body segment, for the next one
        self._carried: tuple[tuple[Attribution, int, int] | None, tuple[Attribution, int, int] | None] | None = None
        self.budget: float | None = None

    def _counts_speakers(self, x: Mention, att: Attribution) -> bool:
        """'… and two residents said': the number counts the speakers, whose role noun follows it."""
        sp = self.sources.sp
        for a in (att, *att.alts):
            if a.start <= x.start and x.end <= a.end:
                pos = len(self.text) - len(self.text[x.end:].lstrip())
                for rx in (sp.roles, sp.functions):
                    if rx is not None and rx.match(self.text, pos, a.end):
                        return True
        return False

    def _joined(self, s: int, e: int) -> bool:
        """'Israel-Lebanon', 'India–Pakistan': a side joined by a hyphen to another side's name."""
        text = self.text
        after = _SIDE_AFTER.match(text, e)
        if after and self._names_side(after.group(1)):
            return True
        before = _SIDE_BEFORE.search(text, max(0, s - 30), s)
        return bool(before and self._names_side(before.group(1)))

    def _names_side(self, word: str) -> bool:
        for matcher in (self.actor_m, self.place_m):
            m = matcher.match(word)
            if m is not None and m.end() == len(word):
                return True
        return False

    def _prep_before(self, start: int) -> bool:
        """'nach Russland', 'in der Oblast Kursk', 'in eastern Russia': a place, not a side.

        Asked of each side's name when the story's side is chosen and again sentence by sentence:
        answered once per name."""
        held = self._preps.get(start)
        if held is None:
            held = self._preps[start] = self._read_prep_before(start)
        return held

    def _read_prep_before(self, start: int) -> bool:
        window = self.text[max(0, start - 40): start]
        m = _CLAUSE_TAIL.search(window)
        before = (window[m.start() + 1:] if m else window).split()  # within the clause: a line or sentence ends it
        # "in south and east Lebanon", "in der äthiopischen Region": a preposition, then only small words
        sp = self.sources.sp
        for k in range(len(before) - 1, max(-1, len(before) - 5), -1):
            word = before[k].lower()
            if word in sp.relative or (k > 0 and word in sp.det and before[k - 1].lower() in sp.det):
                return False  # "bei dem die russische Armee", "in which the Russian army": a clause of its own
            if word in self.loc_preps:
                return True
            if not before[k][:1].islower() or not before[k].isalpha():
                return False
        return False

    def check_budget(self, at: int) -> None:
        if self.deadline is not None and time.monotonic() > self.deadline:
            raise ExtractionTimeout(
                f"extraction took longer than {self.budget:g} s (document skipped; "
                f"{len(self.text):,} characters, stopped at character {at:,})")

    def _in_dateline(self, pos: int) -> bool:
        return _covered(self._dateline_index, pos, pos + 1)

    def main_actor(self, segments: list[Segment]) -> str | None:
        """The side most named in the story's own text, not counting names of sources (kept for later asks)."""
        counts = self.actor_counts
        sources = _span_index(sorted((m.start(), m.end()) for m in self.sources.sources.finditer(self.text)))
        for seg in segments:
            if seg.kind == "furniture":
                continue
            for m in self.actor_m.finditer(self.text, seg.start, seg.end):
                if self._in_dateline(m.start()):
                    continue
                attacking = self._attack_after(m.end())
                if attacking or self._force_after(m.end()):
                    # "US air strikes", "die russische Armee" (a source's name too): a force in the fight
                    self.attacker_counts[self.actor_m.label(m)] += 1
                if attacking or _covered(sources, m.start(), m.end()):
                    continue  # an attacker, or a source's name, is not the story's side
                counts[self.actor_m.label(m)] += 1 if self._prep_before(m.start()) else 2
        return counts.most_common(1)[0][0] if counts else None

    def _sentences(self, seg: Segment) -> list[_Sent]:
        out = []
        for s in self.split.split(self.text, seg.start, seg.end):
            st = _Sent(s)
            st.sources = self.sources.mentions(self.text, s.start, s.end)
            actors = [m for m in self.actor_m.finditer(self.text, s.start, s.end) if not self._in_dateline(m.start())]
            places = [m for m in self.place_m.finditer(self.text, s.start, s.end) if not self._in_dateline(m.start())]
            # "the Israel-Hamas war", "the India-Pakistan border": two sides joined by a hyphen name a relation
            joined = {(m.start(), m.end()) for m in actors + places if self._joined(m.start(), m.end())}
            for m in actors:
                if (m.start(), m.end()) in joined:
                    continue
                st.actors.append((m.start(), m.end(), self.actor_m.label(m), self._prep_before(m.start())))
            for m in places:
                if (m.start(), m.end()) in joined:
                    continue
                name = self.place_m.label(m)
                st.places.append((m.start(), m.end(), name, self.place_actor.get(name)))
            out.append(st)
        return out

    def extract_segment(self, doc: Document, seg: Segment, main_actor: str | None,
                        published: Published | None, inferred: bool) -> list[Claim]:
        text = self.text
        sents = self._sentences(seg)
        if not sents:
            return []
        # sources: own, backward ("Das erklärte X"), carried (reported speech)
        for st in sents:
            st.own = self._resolve(self.sources.own(text, st.s.start, st.s.end, st.sources))
        last: tuple[Attribution, int, int] | None = None  # attribution, sentence index, paragraph
        named: tuple[Attribution, int, int] | None = None  # the last source named at all: "The NIS … it told"
        if seg.kind != "furniture" and self._carried is not None:
            # a subheading between two parts of the body ("– Fear and subjugation –") does not end the
            # reported speech: "It said …" after it is the source named before (never the same paragraph)
            last, named = ((x[0], -1, -1) if x is not None else None for x in self._carried)
        for i, st in enumerate(sents):
            nxt = sents[i + 1] if i + 1 < len(sents) else None
            near = last is not None and (last[2] == st.s.paragraph or (st.own is not None
                                                                       and self._cue_noun_country(st.own)))
            if st.own is not None and last is not None and near and self._vaguer(st.own, last[0]):
                # "hieß es weiter aus Seoul" after the NIS spoke: the agency, not its government
                st.own = None
            if st.own is not None and st.own.kind in WEAK_KINDS and nxt is not None and nxt.own is not None \
                    and self.sources.is_backward(text, nxt.s.start, nxt.s.end):
                st.own = None  # "nach Erkenntnissen aus Südkorea … Das sagte der Abgeordnete Lee": the one named
            if st.own is not None:
                st.att, st.att_from, st.att_how, st.att_rule = st.own, i, "cue", "cue"
                last = named = (st.own, i, st.s.paragraph)
                continue
            if nxt is not None and nxt.own is not None and self.sources.is_backward(text, nxt.s.start, nxt.s.end):
                st.att, st.att_from, st.att_how, st.att_rule = nxt.own, i + 1, "named in the next sentence", "next"
                continue
            word = self.sources.carries(text, st.s.start, st.s.end)
            if word is None and text[st.s.start: st.s.start + 2].lstrip()[:1] == '"':
                word = '"'  # a quotation running on: the one who was quoting speaks still
            pron = self.sources.pronoun_speaker(text, st.s.start, st.s.end)
            if pron and named is not None and (last is None or named[1] > last[1]):
                st.att, st.att_from, st.att_rule = named[0], i, "pronoun"
                st.att_how = f"a pronoun or '{pron}' for the source named before"
                last = named
            elif last is not None and not (word or pron) and last[1] == i - 1 and (
                    last[2] == st.s.paragraph or self.sources.continues(text, st.s.start, st.s.end)):
                # "Die WHO zählte … Angriffe. 1204 Menschen starben …": a report runs on in its paragraph
                st.att, st.att_from = last[0], last[1]
                st.att_how, st.att_rule = "the report runs on in the next sentence", "runs_on"
            elif last is not None and (word or pron):
                same_para = last[2] == st.s.paragraph
                if same_para or (word and (word == '"' or word.lower() in _strong_carry(self.lang))) or pron:
                    st.att, st.att_from = last[0], last[1] if last[1] >= 0 else i
                    st.att_how, st.att_rule = f"carried by {word or pron!r}", "carried"
                    last = (last[0], last[1], st.s.paragraph)
            if st.sources and st.att is None:
                s0, e0, name = st.sources[0]
                named = (Attribution(name, s0, e0, "named"), i, st.s.paragraph)
        self._carried = (last, named) if seg.kind != "furniture" else None
        # topics for actor context
        for st in sents:
            st.topic = self._topic(st)
        self._ctx = _Neighbours.of(sents)
        claims: list[Claim] = []
        for i, st in enumerate(sents):
            self.check_budget(st.s.start)
            ms = self.nums.find(text, st.s.start, st.s.end, self.blocked)
            if st.own is not None:
                # "a rescue worker and two residents said": a number before the speaker's own noun counts speakers
                ms = [x for x in ms if not self._counts_speakers(x, st.own)]
            if not ms:
                continue
            self._times_of(st, published, inferred)
            prev: tuple[Mention, Frame] | None = None
            frames: list[Frame] = []
            for k, m in enumerate(ms):
                next_start = ms[k + 1].start if k + 1 < len(ms) else st.s.end
                f = self.frames.unit_of(text, m, st.s.start, st.s.end, next_start, prev)
                if f.unit is None and f.why.pop("bare", None):
                    self._bare_unit(sents, i, m, f)
                frames.append(f)
                prev = (m, f)
            # "im Alter von 8, 12 und 17 Jahren": a list ending in a noun that is no count is no count
            for k in range(len(ms) - 2, -1, -1):
                if "not_counted" in frames[k + 1].why and frames[k].np_end == ms[k].num_end and re.fullmatch(
                        r"\s*(?:,|\w{1,4})\s*", text[ms[k].num_end: ms[k + 1].start]):
                    frames[k] = Frame(np_end=ms[k].num_end, why={"not_counted": frames[k + 1].why["not_counted"]})
            consumed = st.s.start
            # only figures that count something bound each other's cue zones:
            # "die Verluste der vergangenen 24 Stunden auf 1.140 Soldaten"
            counted = [k for k in range(len(ms)) if frames[k].unit and ms[k].value > 0]
            for pos, k in enumerate(counted):
                m, f = ms[k], frames[k]
                # a figure whose noun phrase runs over the next ones ("1.000 der 11.000 … Soldaten")
                # reads its predicate after that noun phrase; the inner figures read only their own
                pk = counted[pos - 1] if pos > 0 else None
                inner = pk is not None and m.start < frames[pk].np_end
                nxt = pos + 1
                while nxt < len(counted) and ms[counted[nxt]].start < f.np_end:
                    nxt += 1
                left = max(ms[pk].num_end if pk is not None else st.s.start, consumed)
                right = ms[counted[nxt]].start if nxt < len(counted) else st.s.end
                subset = pk is not None and self.frames.subset is not None and frames[pk].measure and bool(
                    self.frames.subset.search(text, frames[pk].np_end, m.start))
                shares = (pk is not None and frames[pk].measure and frames[pk].unit == f.unit
                          and (m.start - frames[pk].np_end <= SHARE_GAP or subset))
                whole = not inner and self.frames.whole_of_fraction(text, m, st.s.start)
                inner_end = self.frames.relative_clause_end(text, f, st.s.end) if whole else None
                used = -1 if (subset and shares) else self.frames.measure_of(
                    text, m, f, left, right, inner=inner or whole, inner_end=inner_end)
                if whole and f.measure is None and f.unit == "personnel":
                    # the whole a fraction was taken from: the force that was there
                    f.measure = "deployed"
                    f.why["measure"] = "the whole of a fraction (a force's size)"
                if used > 0 and not inner:
                    consumed = max(consumed, used)
                if shares and f.measure is None:
                    # "20 Kinder und zwei Lehrer getötet", "11 killed, including four children"; but a noun that
                    # says what it counts keeps it ("600.000 Verluste, darunter 140.000 Tote")
                    f.measure = frames[pk].measure
                    f.why["measure"] = "shared with the figure before"
                    f.shared = True
            # "82 soldiers and 47 civilians were killed": the first takes the predicate of the next
            for pos in range(len(counted) - 2, -1, -1):
                k, k2 = counted[pos], counted[pos + 1]
                f, f2 = frames[k], frames[k2]
                if (f.measure is None and f.unit and f2.measure and f2.unit == f.unit
                        and ms[k2].start - f.np_end <= COORD_GAP):
                    f.measure = f2.measure
                    f.why["measure"] = "shared with the figure after"
            for k in counted:
                m, f = ms[k], frames[k]
                if f.measure is None or not f.unit:
                    continue
                figures = [(ms[c].num_start, ms[c].num_end) for c in counted]
                prev_claim = claims[-1] if claims and claims[-1].quote_start == st.s.start else None
                claims.append(self._claim(doc, seg, sents, i, m, f, main_actor, published, inferred, figures,
                                          prev_claim))
        return claims

    def _bare_unit(self, sents: list[_Sent], i: int, m: Mention, f: Frame) -> None:
        """A figure with no noun of its own counts what its sentence (or the one before) counts."""
        st = sents[i]
        nouns = self.frames.nouns_in(self.text, st.s.start, m.start)
        if not nouns and i > 0 and sents[i - 1].s.paragraph == st.s.paragraph:
            nouns = self.frames.nouns_in(self.text, sents[i - 1].s.start, sents[i - 1].s.end)
        if nouns:
            _, unit, measure = nouns[-1]
            f.unit = unit
            f.measure = measure or None
            f.why["unit"] = "a noun earlier in the sentence or paragraph"
            if measure:
                f.why["measure"] = f.why["unit"]

    def _resolve(self, att: Attribution | None) -> Attribution | None:
        """'das Ministerium', 'the ministry': the one named before in the story, if its name fits.

        Remembers every speaker the document names, so a later bare function
        ("the ministry, which …, said") is the same body, not a new one.
        """
        if att is None:
            return None
        if att.kind in ("organisation", "person") and " " not in att.source:
            # "Lee said", "Abiad added": the person named in full before
            for prev in reversed(self.named_speakers):
                if prev.kind == "person" and att.source in (prev.source.split()[-1], prev.source.split()[0]):
                    # (the family name stands first in some names: "Lee Seong-kweun", then "Lee")
                    return replace(att, source=prev.source, kind="person")
        if att.kind == "role" and " " not in att.source:
            # "said the official, who asked not to be named", after "a health official said": the same one
            for prev in reversed(self.named_speakers):
                if prev.kind in ("role", "function") and prev.source.lower().split()[-1] == att.source.lower():
                    return replace(att, source=prev.source, kind=prev.kind, side=prev.side)
        generic = self.sources.sp.generic_function(att.source, att.side) if att.kind == "function" else None
        if generic is not None:
            # "laut dem Ministerium in Israel" after "das israelische Gesundheitsministerium": that ministry
            for prev in reversed(self.named_speakers):
                side = prev.side or self.source_side.get(prev.source)
                if side == att.side and prev.source != att.source and generic in prev.source.lower().split():
                    return replace(att, source=prev.source, kind=prev.kind)
        if att.bare:
            word = att.bare.split()[-1].lower()
            for prev in reversed(self.named_speakers):
                function = str(self.source_function.get(prev.source, "")).lower().split()
                said = self.text[prev.start: prev.end].lower().split()  # "Ukraine's General Staff", then "the Staff"
                if word in prev.source.lower().split() or word in function[-1:] or word in said[-2:]:
                    return replace(att, source=prev.source, bare=None, kind=prev.kind, side=prev.side)
            return att
        self.named_speakers.append(att)
        return att

    def _bound(self, att: Attribution, m: Mention) -> Attribution:
        """Of several speakers in one sentence, the one whose cue is nearest the figure in its clause."""
        if not att.alts:
            return att

        def cost(x: Attribution) -> float:
            lo, hi = sorted((x.cue_at, m.start))
            return abs(x.cue_at - m.start) + (1000 if self.sources.sp.breaks_between(self.text, lo, hi) else 0)

        return min(att.alts, key=cost)

    def _cue_noun_country(self, att: Attribution) -> bool:
        """'nach ukrainischer Darstellung': a country's figures, which name no body of their own."""
        return att.kind in WEAK_KINDS and self.sources.sp.cue_noun_tail.search(att.cue.lower()) is not None

    def _speaker_side(self, att: Attribution | None, st: _Sent | None = None) -> str | None:
        if att is None:
            return None
        if att.bare:
            return (self._where(st) if st is not None else None) or self.story_country
        return att.side or self.source_side.get(att.source)

    def _attack_after(self, e: int) -> bool:
        """A side named right before an attack noun: "Israeli strikes", "russische Angriffe"."""
        return self.attack is not None and self.attack.match(self.text[e: e + 30].lstrip()) is not None

    def _force_after(self, e: int) -> bool:
        """A side named right before an armed force: "Ukrainian air defenses", "die indische Armee"."""
        return self.forces is not None and self.forces.match(self.text[e: e + 30].lstrip()) is not None

    def _own_side_speaker(self, att: Attribution | None) -> bool:
        """A body that counts its own side's dead and wounded (a health ministry, a civil defence)."""
        return self._function_is(att, self.sources.sp.own_side_functions)

    def _function_is(self, att: Attribution | None, functions: tuple[str, ...]) -> bool:
        """Whether a speaker's function (named bare, known to the knowledge base, or composed) is one of these."""
        if att is None:
            return False
        function = (att.bare or self.source_function.get(att.source) or att.source).lower()
        return any(function.endswith(w) for w in functions)

    def _relative_clause_between(self, lo: int, hi: int) -> bool:
        rel = self.sources.sp.relative
        if not rel:
            return False
        return any(w.strip(", ").lower() in rel for w in re.findall(r",\s*\w+", self.text[lo:hi]))

    def _statement_time(self, t: TimeExpr) -> bool:
        """'said Monday', 'said on Wednesday', 'teilte am Freitag mit': a day right after a verb of saying."""
        verbs = self.sources.verbs
        if verbs is None:
            return False
        for vm in verbs.finditer(self.text, max(0, t.start - STATEMENT_GAP - 20), t.start):
            gap = self.text[vm.end(): t.start].split()
            if len(gap) <= 1 and all(len(w) <= 3 and w.isalpha() for w in gap):
                return True
        return False

    def _soldiers_counted(self, m: Mention, f: Frame) -> bool:
        """The figure counts a state's soldiers, named after it or in a counter before it."""
        lo = f.counter_start if 0 <= f.counter_start < m.start else m.num_end
        return self.state_personnel is not None and bool(
            self.state_personnel.search(self.text, lo, max(f.np_end, m.num_end)))

    def _attack_counted(self, m: Mention, f: Frame) -> bool:
        """An attack or a target is counted ("elf Luftattacken", "200 targets"), not a weapon ("attack drones")"""
        if f.np_end <= m.num_end:
            return False
        return any(am.end() == f.np_end for rx in (self.attack, self.targets) if rx is not None
                   for am in rx.finditer(self.text, m.num_end, f.np_end))

    def _attacker_in(self, st: _Sent) -> str | None:
        """The side a sentence names as attacking: before an armed force or an attack noun
        ("die israelische Luftwaffe", "Israeli strikes"), else the opponent of the side attacked."""
        for _, e, name, _ in st.actors:
            if self._force_after(e) or self._attack_after(e):
                return name
        where = self._where(st) or next((a for _, _, _, a in st.places if a), None)
        return self._opponent(where) if where else None

    def _own_force_speaker(self, att: Attribution | None) -> bool:
        """A military body, which counts its own soldiers when it names no other side's."""
        return self._function_is(att, self.sources.sp.own_force_functions)

    def _opponent(self, side: str | None) -> str | None:
        """Whose drones another side shoots down: the side the story names as attacking, else the most named."""
        for counts in (self.attacker_counts, self.actor_counts):
            for name, _ in counts.most_common():
                if name != side:
                    return name
        return None

    def _where(self, st: _Sent) -> str | None:
        """The country a sentence places its events in ("in Gaza", "im indisch kontrollierten Teil").

        An attacker named after a preposition ("from Israeli attacks", "nach israelischen
        Luftangriffen") is not where it happens; neither is a group that is no state.
        """
        for _, _, _, actor in st.places:
            if actor and actor not in self.non_states:
                return actor
        for _, e, name, prep in st.actors:
            if prep and name not in self.non_states and not self._attack_after(e):
                return name
        return None

    def story_country_of(self, segments: list[Segment]) -> str | None:
        """The country the story happens in: the most named place, weighted over sides named as locations."""
        counts: Counter[str] = Counter()
        lede_end = -1
        for seg in segments:
            if seg.kind == "furniture":
                continue
            if lede_end < 0:
                lede_end = seg.start + LEDE  # the opening lines say where the story is; later ones add context
            for m in self.place_m.finditer(self.text, seg.start, seg.end):
                actor = self.place_actor.get(self.place_m.label(m))
                if actor:
                    counts[actor] += 1 + LEDE_WEIGHT * (m.start() < lede_end)
            for m in self.actor_m.finditer(self.text, seg.start, seg.end):
                if self._attack_after(m.end()):
                    continue  # "from Israeli strikes": the attacker, not where it happens
                if self._prep_before(m.start()):
                    counts[self.actor_m.label(m)] += 1 + LEDE_WEIGHT * (m.start() < lede_end)
        for name, _ in counts.most_common():
            if name not in self.non_states:
                return name
        return None

    def _vaguer(self, new: Attribution, old: Attribution) -> bool:
        """'hieß es weiter aus Seoul' after the NIS spoke: the country again, not a new source."""
        if new.source == old.source:
            return False
        new_side = new.side or self.source_side.get(new.source)
        old_side = old.side or self.source_side.get(old.source)
        vague = new.kind == "country" or (new.kind == "known" and self.sources.kinds.get(new.source) == "government")
        return vague and new_side is not None and new_side == old_side

    def _topic(self, st: _Sent) -> str | None:
        for s, e, name, prep in st.actors:
            if any(a <= s and e <= b for a, b, _ in st.sources) or self._not_actor(st, s, e):
                continue  # "der südkoreanische Geheimdienst", "nach ukrainischen Angaben"
            if not prep:
                return name
        for _, _, _, actor in st.places:
            if actor:
                return actor
        return None

    def _actor(self, sents: list[_Sent], i: int, m: Mention, f: Frame, main_actor: str | None,
               seg: Segment) -> tuple[str | None, str, str]:
        """Whose people are counted: the figure's noun phrase, then the sentence, then context.

        Passed over: the source's own words ("nach ukrainischen Angaben"), an
        attacker ("russische Angriffe", "Israeli strikes"), a destination
        ("nach Russland"), and for territory the land's owner ("russisches Gebiet").
        """
        st = sents[i]
        text = self.text
        territory = f.measure in ("territory_captured", "advance")
        victims = self.victims is not None and bool(self.victims.search(text, m.num_end, max(f.np_end, m.num_end)))
        own = self.own is not None and bool(
            self.own.search(text, max(st.s.start, m.start - OWN_REACH), max(f.np_end, m.num_end)))
        if f.counter_start >= 0:
            # "North Korea's death toll … at around 2,000": the counter's owner
            for s, e, name, _ in st.actors:
                if 0 <= f.counter_start - e <= 3:
                    return name, f"owner of the count: {text[s:e]!r}", "count_owner"
        if f.measure == "equipment" and self._attack_counted(m, f):
            # "elf Luftattacken", "200 strikes": attacks are counted for the side that made them
            attacker = self._attacker_in(st)
            if attacker is not None:
                return attacker, "the side that attacked", "attacker"
        left_best: tuple[int, str, str] | None = None
        right_best: tuple[int, str, str] | None = None
        agent_end = f.cue_start if f.measure in AGENT_MEASURES and 0 <= f.cue_start < m.start else -1
        agents: set[str] = set()
        for s, e, name, prep in st.actors:
            if territory and m.num_start <= s < f.np_end + TERRITORY_OWNER_TAIL:
                continue
            if st.own is not None and st.own.start <= s and e <= st.own.end and e <= agent_end:
                continue  # "Houthis say U.S. strikes kill 4": the speaker, not one who struck
            if e <= agent_end and agent_end - e <= AGENT_REACH and not prep and not self._in_np(m, f, s):
                agents.add(name)
                continue  # "Russian troops captured 25 soldiers": the one who did it, not whose people
            if not territory and self._in_np(m, f, s):
                return name, f"in the figure's noun phrase: {text[s:e]!r}", "noun_phrase"
            if self._not_actor(st, s, e):
                continue
            if self._side_after(e):
                return name, f"the side named: {text[s:e]!r}", "side_named"
            if prep:
                continue
            if victims and self._force_after(e):
                agents.add(name)
                continue  # "die indische Armee flog Angriffe … acht Zivilisten getötet": the attacker
            if f.measure in CASUALTY_MEASURES and self.agent_preps is not None and self.agent_preps.search(
                    text, max(st.s.start, s - 8), s):
                agents.add(name)
                continue  # "attacks by Israel … 104 deaths": the one who did it
            if e <= m.start:
                d = m.start - e
                if left_best is None or d < left_best[0]:
                    left_best = (d, name, f"in the sentence: {text[s:e]!r}")
            elif s >= f.np_end and s - f.np_end <= RIGHT_REACH and f.measure != "captured":
                # (after a count of prisoners stands their captor: "50 Geiseln in der Gewalt der Hamas")
                d = s - f.np_end
                if right_best is None or d < right_best[0]:
                    right_best = (d, name, f"after the figure: {text[s:e]!r}")
        place_actor = next(((a, p) for _, _, p, a in st.places if a and a not in agents), None)
        if f.measure in ("captured", "deployed", "reinforcement", "planned"):
            # where prisoners are held, or where troops go, says nothing of whose people they are
            place_actor = None
        if victims and place_actor:
            return place_actor[0], f"people in a place: {place_actor[1]}", "victims_place"
        if victims and left_best is None and right_best is None:
            # "… in Yemen's Saada province killed 68 people": civilians belong to where they are
            where = next((n for s, e, n, prep in st.actors if prep and n not in agents
                          and not self._not_actor(st, s, e)), None)
            if where:
                return where, "people in a country named in the sentence", "victims_country"
        speaker_side = self._speaker_side(st.att, st)
        if f.measure == "equipment" and self.downed is not None and self.downed.search(text, st.s.start, st.s.end):
            # "alle 24 Drohnen wurden abgeschossen": what is shot down belongs to the other side
            shooters = {speaker_side} | {n for s, e, n, _ in st.actors if self._force_after(e)}
            other = next((n for s, e, n, prep in st.actors if not prep and n not in shooters
                          and not self._not_actor(st, s, e)), None)
            shooter = next(iter(shooters - {None}), None)
            other = other or self._opponent(shooter)
            if other:
                return other, "owner of what was shot down or destroyed", "downed_owner"
        if victims and left_best is None and right_best is None and speaker_side and st.att is not None \
                and st.att.kind in ("country", "function", "role"):
            # "Indien zufolge starben drei Zivilisten": a country counts its own civilians
            return speaker_side, f"the speaker's own people: {st.att.source}", "speaker_own_people"
        if left_best is None and right_best is None and f.measure in CASUALTY_MEASURES and speaker_side \
                and self._own_force_speaker(st.att) and self._soldiers_counted(m, f):
            # "die Zahl der getöteten Soldaten stieg auf 633, wie das Verteidigungsministerium … mitteilte":
            # a ministry of defence counting soldiers of no named side counts its own
            counter = st.att.source if st.att else ""
            return speaker_side, f"soldiers counted by their own side's {counter}", "own_soldiers"
        if left_best is None and right_best is None and f.measure in CASUALTY_MEASURES and speaker_side \
                and self._own_side_speaker(st.att):
            # "dem israelischen Gesundheitsministerium zufolge 86 Verletzte": a health ministry counts its own
            return speaker_side, f"counted by its own side's {st.att.source}", "own_side_count"
        if left_best is None and right_best is None and f.measure in CASUALTY_MEASURES and st.att is not None \
                and st.att.cue == ":" and st.att.source in self.actor_names:
            # "Iran: Bisher 400 Tote durch israelische Angriffe": a country heading its own toll
            return st.att.source, f"a country heading its own count: {st.att.source}", "headline_country"
        best = left_best or right_best
        if best is not None:
            return best[1], best[2], "sentence"
        if victims:
            # "… killed 22 people … an earthquake hit Myanmar": civilians belong to the country the sentence names
            other = next((n for s, e, n, _ in st.actors if n not in agents and not self._not_actor(st, s, e)), None)
            if other:
                return other, "people of a country named in the sentence", "victims_country"
        if own and f.measure != "captured" and st.att is not None and self.source_side.get(st.att.source):
            # "The Israel Defense Forces say 898 of its soldiers …"
            return self.source_side[st.att.source], f"the source's own people: {st.att.source}", "source_own_people"
        own_side = self._speaker_side(st.own)
        if (f.measure in ("deployed", "reinforcement", "planned") and st.own is not None
                and (st.own.cue == METONYM_CUE or st.own.kind == "country") and own_side):
            # "Egypt has said it will contribute up to 1,091 troops": a side speaking of its own deployment
            return own_side, f"a side speaking of its own troops: {st.own.source}", "own_deployment"
        if place_actor and place_actor[1] not in self.victims_only:
            return place_actor[0], f"place in the sentence: {place_actor[1]}", "place"
        found = self._context_actor(sents, i, main_actor, seg)
        if found[0] in self.non_states and self._soldiers_counted(m, f):
            # "12 soldiers were killed" in a story on an armed group: a state's soldiers, not the group's fighters
            state = self.story_country or self._opponent(found[0])
            if state and state not in self.non_states:
                return state, f"a state's own personnel: {state}", "state_personnel"

        counting_side = agents or (st.att is not None and st.att.kind in ("country", "function", "role"))
        if counting_side and (found[0] is None or found[0] in agents) and f.measure in CASUALTY_MEASURES \
                and speaker_side and speaker_side not in agents:
            # "Houthis say U.S. strikes kill 4": the side that counts them, not the one that struck
            return speaker_side, f"the speaker's side: {st.att.source if st.att else ''}", "speaker_side"
        if found[0] is None and f.measure in CASUALTY_MEASURES and self.story_country:
            # a part of the story after a subheading, naming no side: the dead of the country it happens in
            return self.story_country, "the country the story happens in", "story_country"
        if found[0] in agents and not victims:
            # (people killed by forces of their own country, a junta's airstrike on its villages, stay its people)
            return None, f"context gives only the agent ({found[0]})", "agent_only"
        return found

    def _context_actor(self, sents: list[_Sent], i: int, main_actor: str | None,
                       seg: Segment) -> tuple[str | None, str, str]:
        """The side of the paragraph (nearest sentence before, then after), the segment, the story."""
        ctx = self._ctx
        para = sents[i].s.paragraph
        before, after = ctx.prev_topic[i], ctx.next_topic[i]
        if before is not None and sents[before].s.paragraph == para:
            return sents[before].topic, "earlier in the paragraph", "context_before"
        if after is not None and sents[after].s.paragraph == para:
            return sents[after].topic, "later in the paragraph", "context_after"
        if before is not None:
            return sents[before].topic, "an earlier paragraph", "context_earlier"
        if seg.kind != "furniture" and main_actor:
            return main_actor, "the document's main actor", "main_actor"
        if after is not None:
            return sents[after].topic, "a later paragraph", "context_later"
        return None, "no actor found", "none"

    def _not_actor(self, st: _Sent, s: int, e: int) -> bool:
        """A country word that names a source or an attacker, not the counted side."""
        text = self.text
        if st.own and s < st.own.end and st.own.start < e:
            return True
        for a, b, _ in st.sources:
            if a <= s and e <= b and st.att is not None and (a, b) == (st.att.start, st.att.end):
                return True
        after = text[e: e + 40]
        gap = len(after) - len(after.lstrip())
        for rx in (self.attack, self.attribution_nouns):
            # "russische Angriffe", "Israeli strikes"; "ukrainische Angaben", "the British estimate"
            if rx is not None and gap <= 1 and rx.match(after.lstrip(), 0):
                return True
        if self.sources.prefix is not None:
            # "nach ukrainischen Angaben", "laut russischen Quellen", "according to Ukrainian officials"
            pm = self.sources.prefix.match(after.lstrip())
            if pm and len(after) - len(after.lstrip()) <= 1:
                return True
            for cm in self.sources.prefix.finditer(text, max(st.s.start, s - 25), s):
                if not text[cm.end(): s].strip(" \u00a0").split()[1:]:
                    return True
        return False

    def _side_after(self, e: int) -> bool:
        return self.side is not None and self.side.match(self.text[e: e + 12].lstrip()) is not None

    def _in_np(self, m: Mention, f: Frame, s: int) -> bool:
        """Inside the noun phrase, or right after its noun: "Soldaten aus Nordkorea", "Soldaten Nordkoreas"."""
        if m.num_end <= s < f.np_end:
            return True
        if not (f.np_end <= s < f.np_end + NP_TAIL):
            return False
        gap = self.text[f.np_end: s].strip().lower()
        if not gap:
            return self.genitive
        return gap in self.frames.partitive

    def _location(self, sents: list[_Sent], i: int, m: Mention) -> str | None:
        st = sents[i]
        best = None
        for s, _e, place, _ in st.places:
            d = abs(s - m.start)
            if best is None or d < best[0]:
                best = (d, place)
        if best:
            return best[1]
        j = self._ctx.prev_place[i]
        if j is not None and sents[j].s.paragraph == st.s.paragraph:
            return sents[j].places[-1][2]
        return None

    def _times_of(self, st: _Sent, published: Published | None, inferred: bool) -> list[TimeExpr]:
        """A sentence's time expressions, read once: a sentence with none was read again for every
        figure after it that looked back for the story's time."""
        if st.times is None:
            st.times = self.times.find(self.text, st.s.start, st.s.end, published, inferred)
        return st.times

    def _as_of(self, sents: list[_Sent], i: int, m: Mention, published: Published | None,
               inferred: bool, figures: list[tuple[int, int]]) -> tuple[str | None, str, str]:
        """The as-of of figure ``m``, the id of the rule that gave it (``model.RULES["as_of"]``) and why."""
        st = sents[i]
        best: tuple[float, TimeExpr] | None = None
        present: TimeExpr | None = None
        for t in self._times_of(st, published, inferred):
            if (t.start < m.end and m.start < t.end) or any(a < t.end and t.start < b for a, b in figures):
                continue  # "rund 2000 Soldaten": a figure, not the year 2000
            if t.kind == "present":
                present = present or t
                continue
            lo, hi = (t.end, m.start) if t.end <= m.start else (m.end, t.start)
            if CLAUSE_BREAK.search(self.text, lo, hi):
                continue  # "in January … 2,700 wounded; and in late April …"
            if t.start >= m.end and self._relative_clause_between(lo, hi):
                continue  # "31,000 killed in the war, which began on October 7, 2023": the war's day, not the count's
            d = (hi - lo) * (1.0 if t.end <= m.start else RIGHT_TIME_PENALTY)
            if d > TIME_REACH:
                continue
            if best is None or d < best[0]:
                best = (d, t)
        if best is not None:
            return best[1].period, "time", f"{self.text[best[1].start:best[1].end]!r}"
        if present is not None and present.period:
            return present.period, "present", f"{self.text[present.start:present.end]!r} → publication date"
        times = self._times_of(st, published, inferred)
        own_day = next((t for t in times if t.period and t.kind in ("relative", "explicit") and _is_day(t.period)
                        and not any(a < t.end and t.start < b for a, b in figures) and self._statement_time(t)),
                       None)
        if own_day is not None:
            # "… killed at least 10 people …, medics said Monday": the day of the statement, however far from
            # the figure, before any day of the sentences around it
            return own_day.period, "statement_day", \
                f"the day of the statement: {self.text[own_day.start:own_day.end]!r}"
        if st.att_from is not None and st.att_from != i:
            for t in self._times_of(sents[st.att_from], published, inferred):
                if t.period:
                    return t.period, "source_time", f"the time of the source's statement: {self.text[t.start:t.end]!r}"
        for j in range(i - 1, max(-1, i - CONTEXT_TIME_SENTENCES - 1), -1):
            # "On Monday, 70 were killed. … 27 died in Homs.": the story's event time runs on
            event = next((t for t in self._times_of(sents[j], published, inferred)
                          if t.period and t.kind in ("relative", "explicit") and _is_day(t.period)), None)
            if event is not None:
                return event.period, "story_time", f"the story's time just before: {self.text[event.start:event.end]!r}"
        if published is not None:
            if inferred:
                # a lower bound on the publication date: better than nothing, and marked as such
                return published.iso, "published_inferred", "inferred publication date (no time expression)"
            return published.iso, "published", "publication date (no time expression)"
        return None, "none", "no time expression"

    def _claim(self, doc: Document, seg: Segment, sents: list[_Sent], i: int, m: Mention, f: Frame,
               main_actor: str | None, published: Published | None, inferred: bool,
               figures: list[tuple[int, int]], prev_claim: Claim | None) -> Claim:
        st = sents[i]
        shared = f.inherited or f.shared
        actor, actor_why, actor_rule = self._actor(sents, i, m, f, main_actor, seg)
        named_here = actor_rule in ("noun_phrase", "side_named")
        if prev_claim is not None and shared and prev_claim.actor and not named_here:
            actor, actor_why, actor_rule = prev_claim.actor, "shared with the figure before", "shared"
        as_of, as_of_rule, as_of_why = self._as_of(sents, i, m, published, inferred, figures)
        att = self._bound(st.att, m) if st.att is not None and st.att_from == i else st.att
        source = att.source if att else UNATTRIBUTED
        if att is not None and att.bare:
            # "das Gesundheitsministerium", "officials said": the country where it happens
            src = sents[st.att_from] if st.att_from is not None else st
            # a count of the dead is a body of the side that mourns them ("Iran's death toll …: ministry")
            counted = actor if (f.measure in CASUALTY_MEASURES and actor not in self.non_states
                                and not self._own_force_speaker(att)) else None  # (an army counts its enemy's dead)
            source = self.sources.sp.compose(att.bare, self._where(src) or self._where(st) or counted
                                             or self.story_country or actor)
        why = {
            "figure": f"{m.kind}: {m.surface!r}",
            "qualifier": m.qualifier,
            **{k: v for k, v in f.why.items() if k in ("unit", "measure")},
            "actor": actor_why,
            "source": f"{st.att_how}: {att.cue!r}" if att else "no attribution cue",
            "as_of": as_of_why,
        }
        confidence = 1.0
        if actor_rule in CONTEXT_ACTOR_RULES:
            confidence -= 0.2
        if f.inherited:
            confidence -= 0.1
        if seg.kind == "furniture":
            confidence -= 0.2
        return Claim(
            doc=doc.name, quote=doc.text[st.s.start: st.s.end], figure=doc.text[m.start:m.end], value=m.value,
            low=m.low, high=m.high, qualifier=m.qualifier, measure=f.measure or "", actor=actor, unit=f.unit or "",
            source=source, as_of=as_of, location=self._location(sents, i, m),
            start=m.start, end=m.end, quote_start=st.s.start, quote_end=st.s.end, lang=self.lang,
            segment=seg.kind,  # the document's metadata (date, outlet, url) is the pipeline's: Document.stamp
            confidence=round(max(confidence, 0.1), 2), why=why, via=list(att.via) if att else [],
            rules={"source": st.att_rule if att else "no_cue", "as_of": as_of_rule, "actor": actor_rule},
        )


def _span_index(spans: list[tuple[int, int]]) -> tuple[list[int], list[int]]:
    """Starts of ``spans`` (sorted by start) and the largest end among the first i of them."""
    starts, max_ends, top = [], [], -1
    for a, b in spans:
        starts.append(a)
        top = max(top, b)
        max_ends.append(top)
    return starts, max_ends


def _covered(index: tuple[list[int], list[int]], s: int, e: int) -> bool:
    """Whether ``[s, e)`` lies inside one of the indexed spans: some span starting at or before ``s`` ends at
    or after ``e``. One bisection instead of a scan: the scans made a long document quadratic (each actor
    name tested against every source name of the whole text)."""
    starts, max_ends = index
    i = bisect.bisect_right(starts, s) - 1
    return i >= 0 and e <= max_ends[i]


@cache
def _side_patterns(lang: str) -> tuple[Any, Any, Any, Any, Any, bool]:
    """The lexicon's words about sides, compiled once per language."""
    fr = get_lexicon(lang).frames
    return (compile_phrases(fr.get("side_nouns", [])), compile_phrases(fr.get("attack_nouns", [])),
            compile_phrases(fr.get("own_markers", [])), compile_phrases(fr.get("victim_nouns", [])),
            compile_phrases(fr.get("attribution_nouns", [])), bool(fr.get("genitive_after_noun")))


@cache
def _strong_carry(lang: str) -> set[str]:
    return {w.lower() for w in get_lexicon(lang).attribution.get("carry", [])}


@cache
def _force_patterns(lang: str) -> tuple[Any, Any, Any, Any, Any]:
    """Armed forces, shoot-down verbs, agent prepositions, a state's own personnel and targets struck
    ("200 Ziele beschossen": counted, like attacks, for the side that struck them), compiled once."""
    fr = get_lexicon(lang).frames
    return (compile_phrases(fr.get("force_nouns", [])), compile_phrases(fr.get("downed_cues", [])),
            compile_phrases(fr.get("agent_prepositions", [])), compile_phrases(fr.get("state_personnel", [])),
            compile_phrases(fr.get("target_nouns", [])))


@cache
def _kb_sides() -> tuple[dict[str, str | None], frozenset[str], dict[str, str]]:
    """Each place's side, the places that only ever name victims, each known source's side: read from
    the knowledge base once, not per document (the engine only reads them)."""
    kb = get_kb()
    place_actor = {name: e.attrs.get("actor") for name, e in kb.places.items()}
    victims_only = frozenset(name for name, e in kb.places.items() if e.attrs.get("victims_only"))
    source_side = {n: e.attrs["side"] for n, e in kb.sources.items() if "side" in e.attrs}
    source_side.update({n: e.attrs["side"] for n, e in kb.metonyms.items() if "side" in e.attrs})
    return place_actor, victims_only, source_side


@cache
def _kb_facts() -> tuple[dict[str, str], frozenset[str]]:
    """Each known source's function, and every side's name."""
    kb = get_kb()
    return {n: e.attrs.get("function", "") for n, e in kb.sources.items()}, frozenset(kb.actors)


def _is_day(period: str) -> bool:
    """A single day ("2025-06-16"): an event's time, not a month or a span that frames a story."""
    return len(period) == 10 and ".." not in period
