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

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from figtrace.extract.attribution import UNATTRIBUTED, Attribution, source_reader
from figtrace.extract.frames import Frame, frame_reader
from figtrace.extract.numbers import Mention, finder
from figtrace.extract.sentences import Sentence, splitter
from figtrace.extract.timeref import TimeExpr, time_finder
from figtrace.kb import get_kb
from figtrace.lang import available_languages, get_lexicon
from figtrace.model import Claim, Document, Segment

#: Characters after a unit noun in which a country still belongs to the noun
#: phrase ("Soldaten aus Nordkorea"), or, for territory, names its owner.
NP_TAIL = 22
TERRITORY_OWNER_TAIL = 35
#: Right-hand actors count this much farther than left-hand ones: the
#: side a figure belongs to is usually named before it.
RIGHT_PENALTY = 1.5
#: Time expressions farther than this from the figure belong to another clause.
TIME_REACH = 160


@dataclass(slots=True)
class _Sent:
    s: Sentence
    actors: list[tuple[int, int, str, bool]] = field(default_factory=list)  # start, end, name, after a location prep
    places: list[tuple[int, int, str, str | None]] = field(default_factory=list)  # start, end, place, actor
    sources: list[tuple[int, int, str]] = field(default_factory=list)
    times: list[TimeExpr] = field(default_factory=list)
    own: Attribution | None = None
    att: Attribution | None = None
    att_from: int | None = None  # index of the sentence the source came from
    att_how: str = ""
    topic: str | None = None


def extract_document(doc: Document) -> list[Claim]:
    """Every claim in one document, each with its evidence and reasons."""
    # 1. language and segments
    lang = doc.lang or _detect(doc.text)
    doc.lang = lang
    get_lexicon(lang)  # raises UnknownLanguageError with the list of lexicons
    segments = doc.segments or _segment(doc.text, lang)
    published, inferred = _published(doc)
    text = doc.text
    claims: list[Claim] = []
    ctx = _DocContext(text, lang, published)
    main_actor = ctx.main_actor(segments)
    for seg in segments:
        claims.extend(ctx.extract_segment(doc, seg, main_actor, published, inferred))
    return claims


def _detect(text: str) -> str:
    try:
        from figtrace.meta import detect_language
    except ImportError:  # pragma: no cover - meta ships with the package
        detect_language = None
    if detect_language is not None:
        return detect_language(text)
    import py3langid

    langs = available_languages()
    py3langid.set_languages(langs)
    return str(py3langid.classify(text[:5000])[0])


def _segment(text: str, lang: str) -> list[Segment]:
    try:
        from figtrace.clean import segment
    except ImportError:  # pragma: no cover
        return [Segment(0, len(text), "body")]
    segs = segment(text, lang)
    return segs or [Segment(0, len(text), "body")]


def _published(doc: Document) -> tuple[dt.date | None, bool]:
    if not doc.published:
        return None, False
    try:
        return dt.date.fromisoformat(str(doc.published)[:10]), bool(doc.published_inferred)
    except ValueError:
        return None, False


class _DocContext:
    def __init__(self, text: str, lang: str, published: dt.date | None):
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
        self.place_actor = {name: e.attrs.get("actor") for name, e in kb.places.items()}
        self.loc_preps = self.frames.loc_preps
        self.blocked = self.times.blocked_spans(text)
        self.published = published

    def _prep_before(self, start: int) -> bool:
        before = self.text[max(0, start - 30): start].split()
        if not before:
            return False
        w = before[-1].lower()
        if w in self.loc_preps:
            return True
        # "in der Oblast Kursk", "in the Gaza Strip": a preposition, then an article
        return len(before) >= 2 and len(w) <= 3 and before[-2].lower() in self.loc_preps

    def main_actor(self, segments: list[Segment]) -> str | None:
        counts: Counter[str] = Counter()
        for seg in segments:
            if seg.kind == "furniture":
                continue
            for m in self.actor_m.finditer(self.text, seg.start, seg.end):
                counts[self.actor_m.label(m)] += 1 if self._prep_before(m.start()) else 2
        return counts.most_common(1)[0][0] if counts else None

    def _sentences(self, seg: Segment) -> list[_Sent]:
        out = []
        for s in self.split.split(self.text, seg.start, seg.end):
            st = _Sent(s)
            st.sources = self.sources.mentions(self.text, s.start, s.end)
            for m in self.actor_m.finditer(self.text, s.start, s.end):
                st.actors.append((m.start(), m.end(), self.actor_m.label(m), self._prep_before(m.start())))
            for m in self.place_m.finditer(self.text, s.start, s.end):
                name = self.place_m.label(m)
                st.places.append((m.start(), m.end(), name, self.place_actor.get(name)))
            out.append(st)
        return out

    def extract_segment(self, doc: Document, seg: Segment, main_actor: str | None,
                        published: dt.date | None, inferred: bool) -> list[Claim]:
        text = self.text
        sents = self._sentences(seg)
        if not sents:
            return []
        # sources: own, backward ("Das erklärte X"), carried (reported speech)
        for st in sents:
            st.own = self.sources.own(text, st.s.start, st.s.end, st.sources)
        last: tuple[Attribution, int, int] | None = None  # attribution, sentence index, paragraph
        for i, st in enumerate(sents):
            nxt = sents[i + 1] if i + 1 < len(sents) else None
            if st.own is not None:
                st.att, st.att_from, st.att_how = st.own, i, "cue"
                last = (st.own, i, st.s.paragraph)
                continue
            if nxt is not None and nxt.own is not None and self.sources.is_backward(text, nxt.s.start, nxt.s.end):
                st.att, st.att_from, st.att_how = nxt.own, i + 1, "named in the next sentence"
                continue
            word = self.sources.carries(text, st.s.start, st.s.end)
            pron = self.sources.pronoun_speaker(text, st.s.start, st.s.end)
            if last is not None and (word or pron):
                same_para = last[2] == st.s.paragraph
                if same_para or (word and word.lower() in _strong_carry(self.lang)) or pron:
                    st.att, st.att_from = last[0], last[1]
                    st.att_how = f"carried by {word or 'a pronoun'!r}"
                    last = (last[0], last[1], st.s.paragraph)
                    continue
            last = None
        # topics for actor context
        for st in sents:
            st.topic = self._topic(st)
        claims: list[Claim] = []
        for i, st in enumerate(sents):
            ms = self.nums.find(text, st.s.start, st.s.end, self.blocked)
            if not ms:
                continue
            st.times = self.times.find(text, st.s.start, st.s.end, published)
            prev: tuple[Mention, Frame] | None = None
            frames: list[Frame] = []
            for k, m in enumerate(ms):
                next_start = ms[k + 1].start if k + 1 < len(ms) else st.s.end
                frames.append(self.frames.unit_of(text, m, st.s.start, st.s.end, next_start, prev))
                prev = (m, frames[-1])
            consumed = st.s.start
            for k, m in enumerate(ms):
                f = frames[k]
                if not f.unit or f.unit == "other" or m.value <= 0:
                    continue
                # a figure whose noun phrase runs over the next ones ("1.000 der 11.000 … Soldaten")
                # reads its predicate after that noun phrase; the inner figures read only their own
                inner = k > 0 and frames[k - 1].unit is not None and m.start < frames[k - 1].np_end
                nxt = k + 1
                while nxt < len(ms) and ms[nxt].start < f.np_end:
                    nxt += 1
                left = max(ms[k - 1].num_end if k > 0 else st.s.start, consumed)
                right = ms[nxt].start if nxt < len(ms) else st.s.end
                used = self.frames.measure_of(text, m, f, left, right, inner=inner)
                if used > 0 and not inner:
                    consumed = max(consumed, used)
                if f.measure is None:
                    continue
                claims.append(self._claim(doc, seg, sents, i, m, f, main_actor, published, inferred))
        return claims

    def _topic(self, st: _Sent) -> str | None:
        used = (st.att.start, st.att.end) if st.att and st.att_from is not None and st.own is st.att else None
        for s, e, name, prep in st.actors:
            if used and s < used[1] and used[0] < e:
                continue
            if not prep:
                return name
        for _, _, _, actor in st.places:
            if actor:
                return actor
        return None

    def _actor(self, sents: list[_Sent], i: int, m: Mention, f: Frame, main_actor: str | None,
               seg: Segment) -> tuple[str | None, str]:
        st = sents[i]
        used = (st.own.start, st.own.end) if st.own else None
        territory = f.measure in ("territory_captured", "advance")
        np_lo, np_hi = m.num_end, f.np_end + NP_TAIL
        owner_hi = f.np_end + TERRITORY_OWNER_TAIL
        best: tuple[float, str, str] | None = None
        for s, e, name, prep in st.actors:
            if used and s < used[1] and used[0] < e:
                continue
            in_np = np_lo <= s < np_hi and (s < f.np_end or not self._prep_before(s) or
                                            self.text[f.np_end:s].strip().lower() in self.frames.partitive)
            if territory and m.num_start <= s < owner_hi:
                continue
            if in_np and not territory:
                return name, f"in the figure's noun phrase: {self.text[s:e]!r}"
            if prep:
                continue
            d = (m.start - e) if e <= m.start else (s - m.end) * RIGHT_PENALTY
            if best is None or d < best[0]:
                best = (d, name, f"in the sentence: {self.text[s:e]!r}")
        if best is not None:
            return best[1], best[2]
        for _, _, place, actor in st.places:
            if actor:
                return actor, f"place in the sentence: {place}"
        # the paragraph: nearest sentence before, then after
        para = st.s.paragraph
        for j in range(i - 1, -1, -1):
            if sents[j].s.paragraph != para:
                break
            if sents[j].topic:
                return sents[j].topic, "earlier in the paragraph"
        for j in range(i + 1, len(sents)):
            if sents[j].s.paragraph != para:
                break
            if sents[j].topic:
                return sents[j].topic, "later in the paragraph"
        for j in range(i - 1, -1, -1):
            if sents[j].topic:
                return sents[j].topic, "an earlier paragraph"
        if seg.kind != "furniture" and main_actor:
            return main_actor, "the document's main actor"
        for j in range(i + 1, len(sents)):
            if sents[j].topic:
                return sents[j].topic, "a later paragraph"
        return None, "no actor found"

    def _location(self, sents: list[_Sent], i: int, m: Mention) -> str | None:
        st = sents[i]
        best = None
        for s, e, place, _ in st.places:
            d = abs(s - m.start)
            if best is None or d < best[0]:
                best = (d, place)
        if best:
            return best[1]
        for j in range(i - 1, -1, -1):
            if sents[j].s.paragraph != st.s.paragraph:
                break
            if sents[j].places:
                return sents[j].places[-1][2]
        return None

    def _as_of(self, sents: list[_Sent], i: int, m: Mention, published: dt.date | None,
               inferred: bool) -> tuple[str | None, str]:
        st = sents[i]
        best: tuple[int, TimeExpr] | None = None
        present: TimeExpr | None = None
        for t in st.times:
            if t.kind == "present":
                present = present or t
                continue
            d = m.start - t.end if t.end <= m.start else t.start - m.end
            if d > TIME_REACH:
                continue
            if best is None or d < best[0]:
                best = (d, t)
        if best is not None:
            return best[1].period, f"{self.text[best[1].start:best[1].end]!r}"
        if present is not None and present.period:
            return present.period, f"{self.text[present.start:present.end]!r} → publication date"
        if st.att_from is not None and st.att_from != i:
            src = sents[st.att_from]
            if not src.times:
                src.times = self.times.find(self.text, src.s.start, src.s.end, published)
            for t in src.times:
                if t.period:
                    return t.period, f"the time of the source's statement: {self.text[t.start:t.end]!r}"
        if published is not None and not inferred:
            return published.isoformat(), "publication date (no time expression)"
        return None, "no time expression"

    def _claim(self, doc: Document, seg: Segment, sents: list[_Sent], i: int, m: Mention, f: Frame,
               main_actor: str | None, published: dt.date | None, inferred: bool) -> Claim:
        st = sents[i]
        actor, actor_why = self._actor(sents, i, m, f, main_actor, seg)
        as_of, as_of_why = self._as_of(sents, i, m, published, inferred)
        source = st.att.source if st.att else UNATTRIBUTED
        why = {
            "figure": f"{m.kind}: {m.surface!r}",
            "qualifier": m.qualifier,
            **{k: v for k, v in f.why.items() if k in ("unit", "measure")},
            "actor": actor_why,
            "source": f"{st.att_how}: {st.att.cue!r}" if st.att else "no attribution cue",
            "as_of": as_of_why,
        }
        confidence = 1.0
        if "paragraph" in actor_why or "main actor" in actor_why:
            confidence -= 0.2
        if "inherited" in f.why.get("unit", ""):
            confidence -= 0.1
        if seg.kind == "furniture":
            confidence -= 0.2
        return Claim(
            doc=doc.name, quote=self.text[st.s.start: st.s.end], figure=m.surface, value=m.value,
            low=m.low, high=m.high, qualifier=m.qualifier, measure=f.measure or "", actor=actor, unit=f.unit or "",
            source=source, as_of=as_of, location=self._location(sents, i, m),
            start=m.start, end=m.end, quote_start=st.s.start, quote_end=st.s.end, lang=self.lang,
            segment=seg.kind, published=doc.published, outlet=doc.outlet, url=doc.url, doc_id=doc.id,
            confidence=round(max(confidence, 0.1), 2), why=why,
        )


def _strong_carry(lang: str) -> set[str]:
    return {w.lower() for w in get_lexicon(lang).attribution.get("carry", [])}
