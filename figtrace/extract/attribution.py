"""Who says it: the source of a sentence's figures.

A known source (from ``kb/sources.toml``) counts when an attribution cue
binds it: a prefix ("laut X", "according to X"), a postfix ("X zufolge") or a
verb of saying next to it ("X erklärte", "said X"). Among several, the one
closest to its cue wins, and a relayed agency ("nach einer Unterrichtung durch
den NIS", "citing") beats the person relaying it. A sentence with no source of
its own takes one from the sentence after it ("Das erklärte X") or carries
the last one forward when it is reported speech ("demnach", Konjunktiv I,
"it added"); otherwise the outlet speaks for itself: ``unattributed``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import cache, lru_cache

from figtrace.extract.numbers import SPELLINGS_KEPT
from figtrace.extract.speakers import CLAUSE_BREAK, Speaker, _Tok, speaker_reader
from figtrace.kb import get_kb
from figtrace.lang import get_lexicon
from figtrace.lang.phrases import compile_phrases
from figtrace.letters import UPPER, starts_like

#: How far (characters) a source may stand from the cue that binds it.
PREFIX_REACH = 35
VERB_REACH = 45
POSTFIX_REACH = 60
#: How far from a saying verb a pronoun or "the agency" may stand to be its subject.
PRONOUN_REACH = 30
UNATTRIBUTED = "unattributed"
#: Speakers named only by country or generic role: a known source bound nearby is more precise.
WEAK_KINDS = ("country",)
#: Characters from a sentence's start in which a continuation word ("also") adds it to the report before.
CONTINUATION_REACH = 40
METONYM_CUE = "a capital or country as speaker"
#: A speaker followed by a colon this close to the start of a sentence is a headline's source.
HEADLINE_REACH = 30
#: A sentence this short (characters) can be a headline with its speaker at the end.
HEADLINE_LENGTH = 160
#: A name the knowledge base does not know loses a tie against one it knows (characters).
RAW_PENALTY = 5
#: How far before its saying verb an institution ("the Somali army") may stand.
INSTITUTION_REACH = 40
_CAP = r"[^\W\d_][\w'’\-]*"
_UPPER = rf"(?=[{UPPER}])"
_NAME = rf"(?P<n>{_UPPER}{_CAP}(?:[ \u00a0]+{_UPPER}{_CAP}){{1,3}})"
_NAME_BEFORE = re.compile(rf"{_NAME}[ \u00a0]*,?[ \u00a0]*$")
_NAME_AFTER = re.compile(rf"[ \u00a0]+(?:[^\W\d_]+[ \u00a0]+){{0,2}}?{_NAME}(?=[\s,.;]|$)")


@dataclass(frozen=True, slots=True)
class Attribution:
    source: str
    start: int  # the source mention's span (for excluding it as an actor)
    end: int
    cue: str
    via: tuple[str, ...] = ()  # relays between the source and the outlet, outermost first
    kind: str = "known"  # how it was named: known, person, function, role, organisation, country
    side: str | None = None  # the side the speaker belongs to, when known
    bare: str | None = None  # a function without its country: named per claim from where it happens
    cue_at: int = -1  # where the cue stands, to bind each figure to the nearest of several speakers
    alts: tuple[Attribution, ...] = ()  # every speaker the sentence names, for sentences with two


class SourceReader:
    def __init__(self, lang: str):
        lex = get_lexicon(lang)
        a = lex.attribution
        self.prefix = compile_phrases(a.get("prefix", []))
        self.postfix = compile_phrases(a.get("postfix", []))
        self.verbs = compile_phrases(a.get("verbs", []))
        self.backward = compile_phrases(a.get("backward", []))
        self.carry = compile_phrases(a.get("carry", []))
        self.reported = compile_phrases(a.get("reported", []))
        self.pronouns = compile_phrases(a.get("pronouns", []))
        self.relay = compile_phrases(lex.frames.get("relay", []))
        self.addressees = {w.lower() for w in a.get("addressee_verbs", [])}
        self.name_stop = set(a.get("name_stopwords", []))
        self.titles = {w for t in a.get("titles", []) for w in t.split()}
        self.lang = lang
        self.metonym_after = bool(a.get("metonym_after_verb"))
        self.institutions = compile_phrases(a.get("institutions", []))
        self.attacks = compile_phrases(lex.frames.get("attack_nouns", []))
        self.own_account = compile_phrases(a.get("own_account", []))
        self.continuation = compile_phrases(a.get("continuation", []))
        kb = get_kb()
        self.kb = kb
        self.sources = kb.matcher("sources", lang)
        self.sp = speaker_reader(lang)
        self.separable = {k.lower(): [p.lower() for p in v] for k, v in (a.get("separable") or {}).items()}
        self.separable_rx = re.compile(starts_like(self.separable) + r"(?i:(?<!\w)(?:"
                                       + "|".join(map(re.escape, self.separable)) + r")(?!\w))"
                                       if self.separable else "(?!)")
        self.metonyms = kb.matcher("metonyms", lang)
        self.kinds = {name: e.attrs.get("kind", "") for name, e in kb.sources.items()}
        # asked per sentence of the same few names: answered once per name
        self._names_cue = lru_cache(maxsize=SPELLINGS_KEPT)(self._holds_cue)

    def _holds_cue(self, name: str) -> bool:
        """'UN-Angaben': a source's name that holds an attribution cue."""
        return bool(self.prefix and self.prefix.search(name.replace("-", " ")))

    def mentions(self, text: str, start: int, end: int) -> list[tuple[int, int, str]]:
        return [(m.start(), m.end(), self.sources.label(m)) for m in self.sources.finditer(text, start, end)]

    def own(self, text: str, a: int, b: int, known: list[tuple[int, int, str]]) -> Attribution | None:
        """The source a sentence names for itself, if a cue binds one.

        Candidates are the known sources, then names the knowledge base does not
        know (a capitalised name next to a saying verb), then a country or capital
        as the subject of a saying verb; the one closest to its cue wins.
        """
        cues: list[tuple[str, int, int, str]] = []
        for kind, rx in (("prefix", self.prefix), ("postfix", self.postfix), ("verb", self.verbs)):
            if rx is None:
                continue
            cues.extend((kind, m.start(), m.end(), m.group(0)) for m in rx.finditer(text, a, b))
        cues.extend(self._separable(text, a, b, cues))
        # "Selenskyj: Mehr als 3000 …", "Kiew: Russland verliert …": a headline's speaker;
        # a country before a colon ("Sudan: …") is the story's topic, not a speaker
        heads = known + [(m.start(), m.end(), self.metonyms.label(m)) for m in self.metonyms.finditer(text, a, b)
                         if not self._country(m.group(0))]
        for s_, e_, name in heads:
            if s_ - a <= HEADLINE_REACH and re.match(r"\s*:", text[e_: e_ + 3]):
                return Attribution(name, s_, e_, ":")
        for s_, e_, name in known:
            # "nach UN-Angaben", "according to Israeli tallies": the name carries its own cue
            if self._names_cue(text[s_:e_]):
                return Attribution(name, s_, e_, text[s_:e_])
        opened = self._open(text, a, b, cues)
        if opened is None or opened.kind in WEAK_KINDS:
            opened = self._tail_speaker(text, a, b) or opened
        if opened is not None and opened.kind not in WEAK_KINDS and not opened.bare:
            return opened  # a speaker the syntax names in full: nothing nearby can be more precise
        known_att = self._by_known(text, a, b, cues, known)
        if ((opened is None or opened.kind in WEAK_KINDS)
                and (known_att is None or known_att.cue == METONYM_CUE or known_att.kind in WEAK_KINDS)
                and self.carries(text, a, b)):
            return None  # "according to the statement", "den Angaben zufolge": the source named before
        if opened is None:
            return known_att
        if known_att is not None and known_att.kind == "known" and self.kinds.get(known_att.source) != "media" \
                and known_att.cue != METONYM_CUE:
            # "Seoul's estimate", "officials said": a source the knowledge base names nearby is more precise
            return replace(known_att, alts=opened.alts)
        return opened

    def _attacker(self, text: str, span: tuple[int, int]) -> bool:
        """'Israeli strikes', 'russische Angriffe': a phrase that names who attacked, not who counts."""
        if self.attacks is None:
            return False
        return bool(self.attacks.search(text, *span) or self.attacks.match(text[span[1]: span[1] + 30].lstrip()))

    def _separable(self, text: str, a: int, b: int, cues: list[tuple[str, int, int, str]]
                   ) -> list[tuple[str, int, int, str]]:
        """'gab die Zahl der Toten … mit 37 an': a verb whose particle closes its clause, however far."""
        if not self.separable or self.separable_rx.search(text, a, b) is None:
            return []
        toks = self.sp.tokens(text, a, b)
        out = []
        for i, t in enumerate(toks):
            particles = self.separable.get(t.low)
            if not particles or any(cs <= t.start < ce for _, cs, ce, _ in cues):
                continue
            # the particle closes a clause: the last word before a comma, a colon or the sentence's end
            for j in range(i + 1, len(toks)):
                closes = j + 1 == len(toks) or toks[j + 1].text in ",;:.!?"
                if closes and toks[j].low in particles:
                    out.append(("verb", t.start, toks[j].end, f"{t.text} ... {toks[j].text}"))
                    break
        return out

    def _tail_speaker(self, text: str, a: int, b: int) -> Attribution | None:
        """'Israel's death toll surpasses 600: ministry': a headline's speaker after its last colon."""
        if b - a > HEADLINE_LENGTH:
            return None
        m = re.search(r"(?:\s[-–—]|:)\s*([^:\-–—]{2,40}?)\s*$", text[a:b])
        if m is None:
            return None
        s_ = a + m.start(1)
        span = self.sp.np_after(text, s_, b)
        if span is None or text[span[1]:b].strip(" .\"'"):
            return None
        spk = self.sp.name(text, span[0], span[1])
        if spk is None:
            return None
        return Attribution(spk.name, spk.start, spk.end, ":", (), spk.kind, spk.side, spk.bare, s_)

    def _by_known(self, text: str, a: int, b: int, cues: list[tuple[str, int, int, str]],
                  known: list[tuple[int, int, str]]) -> Attribution | None:
        """A source the knowledge base knows, bound to the nearest cue (the speaker phrase aside)."""
        if not cues:
            return None
        relay_end = -1
        if self.relay is not None:
            for rm in self.relay.finditer(text, a, b):
                relay_end = max(relay_end, rm.end())
        candidates = [(s_, e_, name, 0) for s_, e_, name in known]
        candidates += [(s_, e_, name, RAW_PENALTY) for s_, e_, name in self._raw_names(text, a, b, cues, known)]
        best: tuple[float, Attribution] | None = None
        for s, e, name, penalty in candidates:
            for kind, cs, ce, word in cues:
                if s <= cs and ce <= e:
                    continue  # the cue is inside the name ("Lagebericht des ISW")
                if cs <= s and e <= ce:
                    d = 0  # "teilten die Streitkräfte mit": the source inside a split verb
                elif kind == "prefix" and ce <= s and s - ce <= PREFIX_REACH:
                    d = s - ce
                elif (kind == "postfix" and e <= cs and cs - e <= POSTFIX_REACH) or (
                        kind == "verb" and 0 <= cs - e <= VERB_REACH):
                    d = cs - e
                elif kind == "verb" and 0 <= s - ce <= VERB_REACH and word.lower() not in self.addressees:
                    d = s - ce  # "said the ministry"; but "told Reuters" names the listener
                else:
                    continue
                if CLAUSE_BREAK.search(text, min(e, ce), max(s, cs)):
                    continue  # "… registriert; das Ministerium spreche …": the next clause has its own verb
                if relay_end >= 0 and s >= relay_end - 1 and s - relay_end <= PREFIX_REACH:
                    d -= 1000  # the relayed agency, not the person passing it on
                d += penalty
                if best is None or d < best[0]:
                    best = (d, Attribution(name, s, e, word))
        if best is None:
            for s_, e_, name in self._metonyms(text, a, b, cues):
                return Attribution(name, s_, e_, METONYM_CUE)
            side = self._institution(text, a, b, cues)
            if side is not None:
                return side
        return best[1] if best else None

    def _open(self, text: str, a: int, b: int, cues: list[tuple[str, int, int, str]]) -> Attribution | None:
        """Whoever the attribution syntax names, known to the knowledge base or not.

        Each cue binds the noun phrase its grammar points at: after a prefix
        ("laut X", "according to X"), before a postfix ("X zufolge"), the subject
        before or after a verb of saying ("X sagte", "sagte X", "teilte X mit"),
        the one a verb of learning names ("wie AFP von X erfuhr"), a cue noun's
        owner ("nach pakistanischen Angaben", "Behördenangaben", "Angaben des X").
        A relayed origin ("citing X", "unter Berufung auf X") beats its relay,
        and a news agency only relays when someone else is named.
        """
        sp = self.sp
        found: list[tuple[int, int, Speaker, str, int]] = []  # rank, distance, speaker, cue word, cue position

        def add(span: tuple[int, int] | None, rank: int, cue_pos: int, word: str, upto: int = -1) -> None:
            if span is None:
                return
            spk = sp.name(text, span[0], span[1], None)
            if spk is not None:
                if upto > spk.end and spk.kind != "known":
                    # the subject's whole clause up to its verb (an apposition) speaks, not a side
                    spk = Speaker(spk.name, spk.start, upto, spk.kind, spk.media, spk.side, spk.bare)
                found.append((rank, min(abs(span[0] - cue_pos), abs(span[1] - cue_pos)), spk, word, cue_pos))

        for span in sp.relayed(text, a, b):
            add(span, -1, span[0], "relay")
        if self.own_account is not None:
            for om in self.own_account.finditer(text, a, b):
                # "attackierte die israelische Luftwaffe nach eigener Aussage …": the clause's subject speaks
                add(sp.np_before(text, a, om.start()), 1, om.start(), om.group(0))
        for kind, cs, ce, word in cues:
            first = word.split()[0].lower()
            if kind == "prefix":
                add(sp.np_after(text, ce, b), 0, ce, word)
            elif kind == "postfix":
                add(sp.np_before(text, a, cs, skip=False), 0, cs, word)
            elif kind == "verb":
                if first in sp.learn_verbs:
                    told, learner = sp.learned_from(text, a, cs)
                    add(told, -1, cs, word)
                    if told is not None and learner is not None:
                        spk = sp.name(text, *learner)
                        if spk is not None:  # the one who learned it only relays it
                            found.append((3, 0, replace(spk, media=True), word, cs))
                add(sp.np_before(text, a, cs), 1, cs, word, cs)
                for span in sp.subjects_of_auxiliary(text, a, cs, ce, b):
                    add(span, 1, cs, word)
                first_end = cs + len(word.split()[0])
                last = word.split()[-1]
                if len(word.split()) > 1 and ce - len(last) > first_end:
                    add(sp.np_after(text, first_end, ce - len(last), skip=True), 1, first_end, word)
                if first not in self.addressees:
                    span = sp.np_after(text, ce, b, skip=True)
                    if span is not None and (sp.caps_nouns or not text[span[1]:b].strip(" \"'”“)")[:1].isalnum()):
                        add(span, 2, ce, word)
        for cm in sp.cue_noun_matches(text, a, b):
            t = _Tok(cm.start(), cm.end(), cm.group(0))
            low = t.low
            if low in sp.cue_nouns:
                noun = low
            else:
                tail = sp.cue_noun_tail.search(low)  # "Behördenangaben": a compound ending in a cue noun
                if tail is None or tail.start() < 2:
                    continue
                noun = tail.group(0)
            head_end = t.end - len(noun)
            if head_end > t.start:
                # "Behördenangaben", "UN-Angaben": the compound's head names the speaker
                add((t.start, head_end - (1 if text[head_end - 1] == "-" else 0)), 0, t.start, t.text)
                continue  # "Soldaten" ends in "daten" but names no speaker: no cue noun either
            nxt = sp.tokens(text, t.end, min(b, t.end + 12))
            if nxt and nxt[0].low in sp.cue_noun_links:
                span = sp.np_after(text, nxt[0].end, b)
                if span is None or not self._attacker(text, span):
                    add(span, 0, t.end, t.text)  # but "the toll from Israeli strikes" names the attacker
            before = sp.tokens(text, max(a, t.start - 40), t.start)
            mods = []
            opener = None
            for bt in reversed(before):
                if (sp._modifier(bt) and not bt.cap) or (bt.cap and sp._country(text, bt.start, bt.end)):
                    mods.append(bt)
                    continue
                opener = bt
                break
            if opener is not None and opener.cap and opener.low.endswith(sp.possessive_suffixes):
                # "The General Staff's daily tally", "Kyiv's figures": the owner of the count speaks
                cut = next(len(x) for x in sp.possessive_suffixes if opener.low.endswith(x))
                add(sp.np_before(text, a, opener.end - cut, skip=False), 0, t.start, t.text)
            after = sp.tokens(text, t.end, min(b, t.end + 12))
            bound = (opener is not None and opener.low in sp.cue_noun_openers) or (
                bool(after) and after[0].low in sp.cue_noun_openers)
            if mods and bound:
                own = sp._country(text, mods[-1].start, mods[0].end)
                if own:
                    side = sp._country_side(text, mods[-1].start, mods[0].end)[1]
                    found.append((2, 0, Speaker(sp.side_speaker(own, side), mods[-1].start, mods[0].end,
                                                "country", False, side), t.text, t.start))
        if not found:
            return None
        # a country named alone is the vaguest speaker: any body, person or role named beats it
        found.sort(key=lambda f: (f[0] + (2 if f[2].kind in WEAK_KINDS else 0), f[1]))
        origin = [f for f in found if not f[2].media]
        media = [f for f in found if f[2].media]
        best = origin[0] if origin else found[0]
        via = tuple(dict.fromkeys(f[2].name for f in media if f[2].name != best[2].name)) if origin else ()
        def att(f: tuple[int, int, Speaker, str, int]) -> Attribution:
            spk = f[2]
            return Attribution(spk.name, spk.start, spk.end, f[3], via, spk.kind, spk.side, spk.bare, f[4])

        alts: dict[str, Attribution] = {}
        for f in origin:
            if f[0] <= 1 and f[2].name not in alts:
                alts[f[2].name] = att(f)
        return replace(att(best), alts=tuple(alts.values()) if len(alts) > 1 else ())

    def _metonyms(self, text: str, a: int, b: int, cues: list[tuple[str, int, int, str]]):  # type: ignore[no-untyped-def]
        """'Kyiv said', 'Moskau meldete', 'Seoul: …': a country speaking, right next to its verb."""
        for m in self.metonyms.finditer(text, a, b):
            if m.start() - a <= HEADLINE_REACH and re.match(r"\s*:", text[m.end(): m.end() + 3]):
                yield m.start(), m.end(), self.metonyms.label(m)
                continue
            for kind, cs, ce, _ in cues:
                after = self.metonym_after and 0 <= m.start() - ce <= 2
                if kind == "verb" and (_adjacent(text, m.end(), cs) or after):
                    yield m.start(), m.end(), self.metonyms.label(m)
                    break

    def _raw_names(self, text: str, a: int, b: int, cues: list[tuple[str, int, int, str]],
                   known: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
        """Speakers the knowledge base does not know: capitalised names next to a saying verb.

        "…, regional governor Maksym Kozytskyi said", "teilte Bürgermeister Vitali
        Klitschko mit". Titles and articles are stripped; two or more capitalised
        words must remain, so a lone noun ("der Kommandeur") is no name, and a
        name that is a known place, side or source is left to those.
        """
        out: list[tuple[int, int, str]] = []
        for kind, cs, _ce, word in cues:
            if kind != "verb":
                continue
            spans = []
            before = _NAME_BEFORE.search(text, max(a, cs - 60), cs)
            if before:
                spans.append(before.span("n"))
            first_word_end = cs + len(word.split()[0])
            if word.lower() not in self.addressees:
                after = _NAME_AFTER.match(text, first_word_end, min(b, first_word_end + 70))
                if after:
                    spans.append(after.span("n"))
            for s_, e_ in spans:
                s_, name = self._clean_name(text, s_, e_)
                if name and not any(ks < e_ and s_ < ke for ks, ke, _ in known) and not self._is_entity(name):
                    spk = self.sp.name(text, s_, e_)
                    if spk is not None and spk.kind in ("function", "role"):
                        continue  # "The Health Ministry said": a function in capitals, resolved as one
                    out.append((s_, e_, name))
        return out

    def _institution(self, text: str, a: int, b: int, cues: list[tuple[str, int, int, str]]) -> Attribution | None:
        """'the Somali army said', 'das kenianische Außenministerium erklärte': the side, as the source.

        Only when nothing better is known: a demonym or country, then an
        institution noun, right before a saying verb.
        """
        if self.institutions is None:
            return None
        actors = self.kb.matcher("actors", self.lang)
        for kind, cs, _ce, _word in cues:
            if kind != "verb":
                continue
            for im in self.institutions.finditer(text, max(a, cs - INSTITUTION_REACH), cs):
                if not _adjacent(text, im.end(), cs):
                    continue
                for am in actors.finditer(text, max(a, im.start() - 30), im.start()):
                    if len(text[am.end(): im.start()].split()) <= 2:
                        return Attribution(actors.label(am), am.start(), im.end(), f"{am.group(0)} {im.group(0)}",
                                           kind="country", side=actors.label(am))
        return None

    def _clean_name(self, text: str, s: int, e: int) -> tuple[int, str | None]:
        words = text[s:e].split()
        pos = s
        while words and (words[0] in self.name_stop or words[0] in self.titles):
            pos = text.index(words[0], pos) + len(words[0])
            words.pop(0)
        # "Kiews Bürgermeister Vitali Klitschko": what comes before the last title is not the name
        titled = [i for i, w in enumerate(words) if w in self.titles and len(words) - i - 1 >= 2]
        if titled:
            for w in words[: titled[-1] + 1]:
                pos = text.index(w, pos) + len(w)
            words = words[titled[-1] + 1:]
        if len(words) < 2:
            return s, None
        start = text.index(words[0], pos)
        return start, " ".join(words).rstrip(".,;:")

    def _country(self, name: str) -> bool:
        m = self.kb.matcher("places", self.lang).match(name)
        if m is None or m.end() < len(name):
            return False
        return bool(self.kb.places[self.kb.matcher("places", self.lang).label(m)].attrs.get("victims_only"))

    def _is_entity(self, name: str) -> bool:
        for kind in ("places", "actors"):
            m = self.kb.matcher(kind, self.lang).match(name)
            if m and m.end() >= len(name) - 2:
                return True
        return False

    def is_backward(self, text: str, a: int, b: int) -> bool:
        """'Das erklärte X': the sentence names the source of the one before it."""
        if self.backward is None:
            return False
        m = self.backward.match(text, a)
        return m is not None

    def carries(self, text: str, a: int, b: int) -> str | None:
        """A word that keeps the previous source ('demnach', Konjunktiv I, 'it added')."""
        for rx in (self.carry, self.reported):
            if rx is None:
                continue
            m = rx.search(text, a, b)
            if m:
                return m.group(0)
        return None

    def continues(self, text: str, a: int, b: int) -> bool:
        """'Russia has also lost …', 'Zudem wurden …': early in the sentence, a word that adds to what was said."""
        if self.continuation is None:
            return False
        return self.continuation.search(text, a, min(b, a + CONTINUATION_REACH)) is not None

    def pronoun_speaker(self, text: str, a: int, b: int) -> str | None:
        """'er sagte', 'it told', 'the agency said': a saying verb whose subject points back."""
        if self.verbs is None or self.pronouns is None:
            return None
        first = None
        for vm in self.verbs.finditer(text, a, b):
            first = first or vm
            lo, hi = max(a, vm.start() - PRONOUN_REACH), min(b, vm.end() + PRONOUN_REACH)
            pm = self.pronouns.search(text, lo, hi)
            if pm:
                return pm.group(0)
        if first is not None:
            # "The ministry, which …, said": the subject opens the sentence
            pm = self.pronouns.match(text, a)
            if pm:
                return pm.group(0)
        return None


@cache
def source_reader(lang: str) -> SourceReader:
    return SourceReader(lang)


def _adjacent(text: str, end: int, verb_start: int) -> bool:
    """A subject right before its verb, allowing one short auxiliary: "Egypt has said"."""
    if verb_start < end or verb_start - end > 8:
        return False
    gap = text[end:verb_start]
    return len(gap.split()) <= 1 and all(len(w) <= 5 for w in gap.split())
