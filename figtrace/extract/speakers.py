"""Who a cue names: the speaker's noun phrase, read by its syntax, and its canonical name.

An attribution cue ("laut", "according to", "X said", "sagte X", "X zufolge",
"nach pakistanischen Angaben") binds a noun phrase; whoever that phrase names
is the source, whether the knowledge base knows it or not. The phrase is read
token by token with the language's word classes (determiners, connectors,
stop words) rather than as a window of characters, and then named:

1. a source the knowledge base knows ("NIS", "südkoreanischer Geheimdienst");
2. a person ("Armeesprecher Ahmed Chaudry" → "Ahmed Chaudry");
3. an institution by country and function ("libanesisches Gesundheitsministerium"
   → "Lebanese health ministry"); a bare function takes the story's country;
4. a role in English ("Krankenhausvertreter" → "hospital official");
5. an organisation the knowledge base does not know, by its own name.

All words come from ``lang/<code>/speakers.toml``; the knowledge base gives
countries (with their English adjective) and known sources.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass
from functools import cache, lru_cache

from figtrace.extract.numbers import SPELLINGS_KEPT
from figtrace.extract.numbers import finder as number_finder
from figtrace.kb import get_kb
from figtrace.lang import get_lexicon
from figtrace.lang.phrases import compile_labelled, compile_phrases
from figtrace.letters import FOLDS_OTHERWISE, LOWER, UPPER

#: Tokens a noun phrase may span at most: a speaker is named in a few words.
MAX_TOKENS = 14
#: Adverbials (tokens) that may stand between a verb and its subject.
MAX_SKIP = 4
_TOKEN = re.compile(r"(?:[^\W\d_]\.){2,}|[^\W_](?:[\w'.\-]*\w)?|[^\w\s]")
#: A clause boundary whatever the language: a semicolon or a spaced dash.
CLAUSE_BREAK = re.compile(r";|\s[–—]\s")
_WORD_CHAR = re.compile(r"[\w\-]")
_ABBR = re.compile(rf"\(\s*([{UPPER}][{UPPER}{LOWER}0-9/\-.]{{1,12}})\s*\)")


def _occurrences(text: str, word: str) -> list[int]:
    found = []
    i = text.find(word)
    while i >= 0:
        found.append(i)
        i = text.find(word, i + 1)
    return found


@dataclass(frozen=True, slots=True)
class Speaker:
    """A named speaker and the span of the phrase that names it."""

    name: str
    start: int
    end: int
    kind: str  # known, person, function, role, organisation, country
    media: bool = False  # a relay (news agency, newspaper), not the origin of a figure
    side: str | None = None  # the country or side the speaker belongs to, when the phrase says
    bare: str | None = None  # a function named without its country ("das Gesundheitsministerium")


class _Tok:
    """A word or sign of a phrase: a plain slotted class, since a document makes hundreds of them
    (a frozen dataclass sets each field through ``object.__setattr__``)."""

    __slots__ = ("cap", "end", "low", "start", "text", "word")

    def __init__(self, start: int, end: int, text: str):
        self.start = start
        self.end = end
        self.text = text
        # each asked about once or twice per token made
        self.low = text.lower()
        self.cap = text[:1].isupper()
        self.word = text[:1].isalnum()

    def __repr__(self) -> str:
        return f"_Tok({self.start}, {self.end}, {self.text!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Tok) and (self.start, self.end, self.text) == (other.start, other.end, other.text)

    def __hash__(self) -> int:
        return hash((self.start, self.end, self.text))



class SpeakerReader:
    """Reads and names speaker phrases for one language."""

    def __init__(self, lang: str):
        lex = get_lexicon(lang)
        sp = lex.speakers
        self.lang = lang
        self.caps_nouns = bool(sp.get("capitalised_nouns", False))
        # in English, a demonym in the text is already the name's adjective ("Palestinian medics")
        self.demonyms_as_written = bool(sp.get("demonyms_as_written", False))
        self.demonym_endings = tuple(w.lower() for w in sp.get("demonym_endings", []))
        self.det = {w.lower() for w in sp.get("determiners", [])}
        self.conn = {w.lower() for w in sp.get("connectors", [])}
        self.stop = {w.lower() for w in sp.get("stop", [])}
        self.adverbials = {w.lower() for w in sp.get("adverbials", [])}
        self.openers = {w.lower() for w in sp.get("clause_openers", [])}
        self.clause_breaks = {w.lower() for w in sp.get("clause_breaks", [])}
        self.name_joiners = {w.lower() for w in sp.get("name_joiners", [])}
        self.generic_roles = set(sp.get("generic_roles", []))
        self.relative = {w.lower() for w in sp.get("relative_pronouns", [])}
        self.auxiliaries = {w.lower() for w in sp.get("auxiliaries", [])}
        self.own_side_functions = tuple(w.lower() for w in sp.get("own_side_functions", []))
        self.own_force_functions = tuple(w.lower() for w in sp.get("own_force_functions", []))
        # "Zehntausende Menschen", "Hunderte Soldaten": capitalised words that count people, not a name
        self.numbers = number_finder(lang)
        self.possessive_suffixes = tuple(w.lower() for w in sp.get("possessive_suffixes", []))
        # heads of phrases that point back to a source named before ("the agency said"): never a new speaker
        self.back_pointers = {w.split()[-1].lower() for w in lex.attribution.get("pronouns", [])}
        self.cue_noun_links = {w.lower() for w in sp.get("cue_noun_links", [])}
        self.modifier_suffixes = tuple(w.lower() for w in sp.get("modifier_suffixes", []))
        self.cue_noun_openers = {w.lower() for w in sp.get("cue_noun_openers", [])}
        self.learn_verbs = {w.lower() for w in sp.get("learn_verbs", [])}
        self.learn_from = {w.lower() for w in sp.get("learn_from", [])}
        self.relay_cues = compile_phrases(sp.get("relay_cues", []))
        self.cue_nouns = {w.lower() for w in sp.get("cue_nouns", [])}
        self.cue_noun_tail = re.compile(
            "(?:" + "|".join(re.escape(n) for n in sorted(self.cue_nouns, key=len, reverse=True)) + ")$"
            if self.cue_nouns else "(?!)")
        self._token_cache: tuple[str, list[int], list[int], list[_Tok | None]] | None = None
        self._name_cache: tuple[str | None, dict[tuple[int, int, str | None], Speaker | None]] = (None, {})
        # asked of the same few words: answered once per word
        self._counts = lru_cache(maxsize=SPELLINGS_KEPT)(self._is_number)
        # words that are, or end in, a cue noun ("Angaben", "Behördenangaben"): found in one pass
        self.cue_noun_words = re.compile(
            r"(?i)(?<![\w'.\-])(?:[^\W\d_][\w\-]*?)?(?:" + "|".join(re.escape(n) for n in self.cue_nouns)
            + r")(?![\w'])"
            if self.cue_nouns else "(?!)")
        # a cue noun anywhere, the cheap test before the pattern above is tried at its word's start
        self._cue_noun_any = re.compile(
            r"(?i)(?:" + "|".join(re.escape(n) for n in self.cue_nouns) + ")" if self.cue_nouns else "(?!)")
        self.country_speaker = sp.get("country_speaker", "officials")
        self.titles = compile_phrases(sp.get("titles", []))
        self.media = compile_phrases(sp.get("media", []))
        self.functions, self.function_names = compile_labelled(list((sp.get("functions") or {}).items()))
        names = {v.lower() for v in (sp.get("functions") or {}).values()}
        self.generic_functions = sorted(f for f in names if any(g != f and g.endswith(" " + f) for g in names))
        self.roles, self.role_names = compile_labelled(list((sp.get("roles") or {}).items()))
        t = lex.time
        self.time_words = {w.lower() for w in list(t.get("weekdays", {})) + list(t.get("months", {}))}
        # lowercase words that are nouns of a speaker phrase in a language that does not capitalise nouns
        self.np_words = {w.lower() for k in list(sp.get("functions") or {}) + list(sp.get("roles") or {})
                         + list(sp.get("media", [])) + list(sp.get("modifiers", []))
                         for w in k.replace("*", "").split()}
        kb = get_kb()
        self.kb = kb
        self.non_states = frozenset(n for n, ent in kb.actors.items() if ent.attrs.get("state") is False)
        self.known = kb.matcher("sources", lang)
        self.actors = kb.matcher("actors", lang)
        self.places = kb.matcher("places", lang)
        self.kinds = {n: e.attrs.get("kind", "") for n, e in kb.sources.items()}
        self.adj = {n: e.attrs.get("adj", n) for n, e in kb.actors.items()}
        factions = [(alias, adj) for e in kb.actors.values() for adj, aliases in (e.attrs.get("factions") or {}).items()
                    for alias in aliases]
        self.factions, self.faction_names = compile_labelled(factions)
        self.place_actor = {n: e.attrs.get("actor") for n, e in kb.places.items()}
        self.faction_side = {adj: e.name for e in kb.actors.values() for adj in (e.attrs.get("factions") or {})}
        self.governing = {e.name: e.attrs["governing_faction"] for e in kb.actors.values()
                          if e.attrs.get("governing_faction")}
        self.sides = {n: e.attrs.get("side") for n, e in kb.sources.items()}
        # groups of countries that speak as one ("westliche Experten" → "Western experts")
        self.blocs, self.bloc_names = compile_labelled(list((sp.get("blocs") or {}).items()))

    # -- tokens ---------------------------------------------------------------
    def tokens(self, text: str, a: int, b: int) -> list[_Tok]:
        """The tokens of ``text[a:b]``; a document is tokenised once and sliced, since phrases are read often.

        A token object is made the first time a phrase asks for it: most of a document's words are
        never part of a speaker phrase."""
        starts, ends, toks = self._document_tokens(text)
        i = bisect_left(starts, a)
        j = bisect_left(starts, b)
        if (i > 0 and ends[i - 1] > a) or (j > i and ends[j - 1] > b):
            # a boundary inside a word ("Behörden|angaben"): read this stretch on its own
            return [_Tok(m.start(), m.end(), m.group(0)) for m in _TOKEN.finditer(text, a, b)]
        out = toks[i:j]
        if not all(out):
            for k in range(i, j):
                if toks[k] is None:
                    toks[k] = _Tok(starts[k], ends[k], text[starts[k]: ends[k]])
            out = toks[i:j]
        return out  # type: ignore[return-value]

    def _document_tokens(self, text: str) -> tuple[list[int], list[int], list[_Tok | None]]:
        cached = self._token_cache
        if cached is not None and cached[0] is text:
            return cached[1], cached[2], cached[3]
        spans = [m.span() for m in _TOKEN.finditer(text)]
        starts = [st for st, _ in spans]
        ends = [en for _, en in spans]
        toks: list[_Tok | None] = [None] * len(spans)
        self._token_cache = (text, starts, ends, toks)
        return starts, ends, toks

    def cue_noun_matches(self, text: str, a: int, b: int) -> list[re.Match[str]]:
        """What ``cue_noun_words.finditer(text, a, b)`` finds, tried only at the start of a word that holds
        a cue noun: that pattern's lazy compound head is otherwise tried at every word, letter by letter."""
        out: list[re.Match[str]] = []
        done = -1
        window = text[a:b]
        low = window.lower()
        if len(low) != len(window) or FOLDS_OTHERWISE.search(window):
            hits = [h.start() for h in self._cue_noun_any.finditer(text, a, b)]
        else:  # substring search in C, far cheaper than a case-insensitive alternation tried at every character
            hits = sorted(a + i for noun in filter(low.__contains__, self.cue_nouns) for i in _occurrences(low, noun))
        for start in hits:
            while start > 0 and _WORD_CHAR.match(text, start - 1):
                start -= 1  # back to the start of the run of word characters and hyphens holding the noun
            if start <= done or start < a:
                continue  # a word begun before the window: the pattern cannot start inside it
            done = start
            m = self.cue_noun_words.match(text, start, b)
            if m is not None:
                out.append(m)
        return out

    def _is_time(self, t: _Tok) -> bool:
        low = t.low
        if low in self.time_words:
            return True
        # "Sonntagnachmittag": a day or month word opening a compound, in a language that writes them joined
        return self.caps_nouns and t.cap and any(low.startswith(w) for w in self.time_words if len(w) >= 5)

    def _nounish(self, t: _Tok) -> bool:
        """A token a speaker phrase may end on: a noun or name."""
        if not t.word:
            return t.text == ")"
        if t.low in self.stop or t.low in self.det or t.low in self.conn:
            return False
        return t.cap or t.low in self.np_words

    def _modifier(self, t: _Tok) -> bool:
        """A word before a phrase's noun: an adjective ("libanesische", "local")."""
        if not t.word or t.low in self.stop or t.low in self.openers:
            return False
        return (not t.cap and t.text.isalpha()) or (not self.caps_nouns and t.cap)

    # -- noun phrases ---------------------------------------------------------
    def np_after(self, text: str, pos: int, end: int, *, skip: bool = False) -> tuple[int, int] | None:
        """The noun phrase that starts at ``pos`` (after a cue), up to ``end``."""
        toks = self.tokens(text, pos, end)
        i = 0
        if skip:
            i = self._skip_adverbials(toks, 0, 1)
        return self._walk_right(toks, i)

    def _is_number(self, word: str) -> bool:
        """Whether a word is a number ("vier", "4")."""
        return bool(self.numbers.find(word))

    def _skip_adverbials(self, toks: list[_Tok], i: int, step: int) -> int:
        n = 0
        while 0 <= i < len(toks) and n < MAX_SKIP:
            t = toks[i]
            if t.low in self.adverbials or self._is_time(t):
                i += step
                n += 1
                continue
            break
        return i

    def _walk_right(self, toks: list[_Tok], i: int) -> tuple[int, int] | None:
        start = None
        last_end = None
        head = False
        k = i
        while k < len(toks) and k - i < MAX_TOKENS:
            t = toks[k]
            if not t.word:
                if t.text == "(" and head:
                    close = next((j for j in range(k + 1, min(len(toks), k + 8)) if toks[j].text == ")"), None)
                    if close is None:
                        break
                    last_end, k = toks[close].end, close + 1
                    continue
                if t.text == "," and head:
                    run = self._name_run(toks, k + 1)
                    if run is not None:
                        last_end = toks[run - 1].end
                    break
                if t.text in "-/&" and head:
                    k += 1
                    continue
                break
            low = t.low
            if head and k > i and toks[k - 1].low in self.conn and self._counts(t.text):
                break  # "die Behörden von vier Toten": a count after the speaker is what it spoke of
            if low in self.stop:
                break
            if t.cap and low not in self.det and low not in self.conn:
                start = t.start if start is None else start
                head = True
                last_end = t.end
            elif low in self.det:
                if head and low not in self.conn:
                    break
                start = t.start if start is None else start
            elif low in self.conn:
                if not head:
                    if start is None:
                        k += 1
                        continue  # "von X", "of X": a leading preposition
                    break
            elif not self.caps_nouns and low in self.np_words:
                start = t.start if start is None else start
                head = True
                last_end = t.end
            elif not head and self._modifier(t):
                start = t.start if start is None else start
            elif (head and self.caps_nouns and self._modifier(t) and k + 1 < len(toks)
                  and toks[k + 1].word and toks[k + 1].cap):
                pass  # "der von der Hamas kontrollierten Behörde": a participle before the real noun
            else:
                break
            k += 1
        if start is None or last_end is None or last_end <= start:
            return None
        return start, last_end

    def _name_run(self, toks: list[_Tok], k: int) -> int | None:
        """', Mahmoud Bassal': two to four capitalised words closing a phrase; the index after them."""
        j = k
        while j < len(toks) and j - k < 4 and toks[j].word and toks[j].cap and toks[j].low not in self.det:
            j += 1
        if j - k < 2:
            return None
        if j < len(toks) and toks[j].word and toks[j].low not in self.stop and toks[j].low not in self.adverbials:
            return None
        return j

    def subjects_of_auxiliary(self, text: str, start: int, cs: int, ce: int, end: int) -> list[tuple[int, int]]:
        """The subject of an auxiliary whose participle closes the clause: after it in verb-second order
        ('habe die WHO 55 Angriffe registriert'), else before it ('ACLED hat … 29.000 Todesfälle erfasst')."""
        if not self.auxiliaries or text[ce:end].lstrip(" \"'”“")[:1] not in ("", ",", ";", ":", ".", "!", "?"):
            return []
        toks = self.tokens(text, start, cs)
        for k in range(len(toks) - 1, -1, -1):
            t = toks[k]
            if not t.word and t.text in ",;:":
                return []
            if t.low in self.auxiliaries and k < len(toks) - 1:  # (right before the participle: "has said")
                spans = [self.np_after(text, t.end, cs, skip=True), self.np_before(text, start, t.start)]
                return [x for x in spans if x is not None]
        return []

    def np_before(self, text: str, start: int, pos: int, *, skip: bool = True) -> tuple[int, int] | None:
        """The noun phrase that ends right before ``pos`` (a verb or "zufolge"), within the clause.

        A subject with a relative clause of its own ("a rescue worker who arrived … said") is the
        phrase before the relative pronoun.
        """
        found = self._np_before(text, start, pos, skip=skip)
        if found is not None:
            return found
        toks = self.tokens(text, start, pos)
        for k in range(len(toks) - 1, max(-1, len(toks) - 2 * MAX_TOKENS), -1):
            t = toks[k]
            if not t.word and t.text not in "-'":
                return None  # a relative clause without commas only
            if t.low in self.relative and k > 0:
                return self._np_before(text, start, t.start, skip=False)
        return None

    def _np_before(self, text: str, start: int, pos: int, *, skip: bool = True) -> tuple[int, int] | None:
        toks = self.tokens(text, start, pos)
        k = len(toks) - 1
        if skip:
            k = self._skip_adverbials(toks, k, -1)
        if k >= 0 and toks[k].low in self.auxiliaries:  # "the ministry has said", "X hat mitgeteilt"
            k -= 1
        if k >= 1 and toks[k].text == ",":
            # "Andrii Kovalenko, head of the Center …, said": the subject before the apposition
            prev = next((x for x in range(k - 1, max(-1, k - MAX_TOKENS), -1) if toks[x].text in ",;:"), None)
            if prev is not None and toks[prev].text == ",":
                subject = self._np_before(text, start, toks[prev].start, skip=False)
                if subject is not None:
                    return subject
            return self._np_before(text, toks[prev].end if prev is not None else start, toks[k].start, skip=False)
        end_tok = k
        if end_tok < 0 or not self._nounish(toks[end_tok]):
            return self._unlisted_before(toks, end_tok)
        first = None
        j = end_tok
        while j >= 0 and end_tok - j < MAX_TOKENS:
            t = toks[j]
            if not t.word:
                if t.text == ")":
                    open_ = next((x for x in range(j - 1, max(-1, j - 8), -1) if toks[x].text == "("), None)
                    if open_ is None:
                        break
                    j = open_ - 1
                    continue
                if t.text in "-/&":
                    j -= 1
                    continue
                break
            low = t.low
            if low in self.openers or (low in self.stop and low not in self.det):
                break
            if t.cap or low in self.det or low in self.conn or self._modifier(t) or low in self.np_words:
                first = j
                j -= 1
                continue
            break
        if first is None:
            return None
        while first <= end_tok and (toks[first].low in self.conn and toks[first].low not in self.det):
            first += 1
        if first > end_tok:
            return None
        return toks[first].start, toks[end_tok].end

    # -- naming ---------------------------------------------------------------
    def name(self, text: str, s: int, e: int, country: str | None = None) -> Speaker | None:
        """The canonical name of the speaker a phrase names, or None if it names none.

        A phrase is often bound by several cues of a sentence (before one verb, after another):
        it is named once per document.
        """
        cache = self._name_cache
        if cache[0] is not text:
            cache = self._name_cache = (text, {})
        key = (s, e, country)
        if key not in cache[1]:
            cache[1][key] = self._name(text, s, e, country)
        return cache[1][key]

    def _name(self, text: str, s: int, e: int, country: str | None) -> Speaker | None:
        phrase = text[s:e]
        if not phrase.strip():
            return None
        media = self.media is not None and self.media.search(text, s, e) is not None
        best = None
        for m in self.known.finditer(text, s, e):
            if best is None or (m.end() - m.start()) > (best.end() - best.start()):
                best = m
        person = self._person(text, s, e)
        if person is None and best is None and not self.caps_nouns:
            org = self._proper_name(text, s, e)
            if org is not None:
                return Speaker(org, s, e, "organisation", media, self._country_side(text, s, e)[1])
        word = best.group(0).strip() if best is not None else ""
        if person is not None and best is not None and best.end() < person[0] and \
                not text[best.end(): person[0]].strip() and " " not in word and word[:1].isupper():
            # "Tedros Adhanom Ghebreyesus": a known one-word name is the first part of the person's full name
            person = (best.start(), person[1], text[best.start(): person[1]])
            best = None
        if person is not None and (best is None or (self.kinds.get(self.known.label(best)) != "person"
                                                    and not (best.start() <= person[0] and person[1] <= best.end()))):
            return Speaker(person[2], person[0], person[1], "person", False)
        func = self.functions.search(text, s, e) if self.functions is not None else None
        role = self.roles.search(text, s, e) if self.roles is not None else None
        head_end = max((m.end() for m in (func, role) if m is not None), default=None)
        if best is not None and head_end is not None and head_end > best.end() and not self._covers(best, func, role):
            best = None  # "die von der Hamas kontrollierte Gesundheitsbehörde": the ministry speaks, not Hamas
        if best is not None:
            label = self.known.label(best)
            # the phrase from its first word ("Britain-based …") to the name: none of it is a side counted
            lead = self._clean(text, s, best.start())
            start = lead[0].start if lead else best.start()
            return Speaker(label, start, best.end(), "known", self.kinds.get(label) == "media",
                           self.sides.get(label))
        abbr = _ABBR.search(phrase)
        anchor = func.start() if func is not None else role.start() if role is not None else None
        own, side = self._country_side(text, s, e, anchor)
        generic = role is not None and self.role_names[role.lastgroup or ""] in self.generic_roles
        longer_role = role is not None and func is not None and role.start() <= func.start() and role.end() > func.end()
        if func is not None and not longer_role and (role is None or func.start() <= role.start() or own or generic):
            fname = self.function_names[func.lastgroup or ""]
            if own:
                return Speaker(f"{own} {fname}", s, e, "function", False, side)
            where = country
            return Speaker(f"{where} {fname}" if where else fname, s, e, "function", False, None, fname)
        if role is not None:
            rname = self.role_names[role.lastgroup or ""]
            if func is None:
                # a role takes a country only from words before it ("malischer Sicherheitsbeamter"),
                # not from where it is ("activists in Sudan")
                own, side = self._country_side(text, s, role.start(), role.start())
            if self.demonyms_as_written:
                # "a local administration official", "Palestinian medics": the role as the text words it
                words = [t for t in self._clean(text, s, role.end()) if t.word]
                plain = [not t.cap or t.low.endswith(self.demonym_endings) or (k == 0 and "-" in t.text)
                         for k, t in enumerate(words)]
                if 1 <= len(words) <= 4 and all(plain):
                    rname = text[words[0].start: role.end()]
                    return Speaker(rname, s, e, "role", False, side)
            return Speaker(f"{own} {rname}" if own else rname, s, e, "role", False, side)
        if abbr is not None:
            return Speaker(abbr.group(1), s, e, "organisation", media)
        org = self._organisation(text, s, e)
        if org is not None:
            return Speaker(org, s, e, "organisation", media)
        if own is not None and self._only_country(text, s, e):
            return Speaker(self.side_speaker(own, side), s, e, "country", False, side)
        return self._unlisted_role(text, s, e)

    def _unlisted_before(self, toks: list[_Tok], end_tok: int) -> tuple[int, int] | None:
        """', a township relief committee said': one to three plain lower-case words after an article
        that follows the reported words' comma (lower-case languages only)."""
        if self.caps_nouns or end_tok < 1:
            return None
        j = end_tok
        while j >= 0 and end_tok - j < 3 and toks[j].word and not toks[j].cap and toks[j].text.isalpha() \
                and toks[j].low not in self.det and toks[j].low not in self.stop and toks[j].low not in self.conn:
            j -= 1
        if j < 1 or j == end_tok or toks[j].low not in self.det or toks[j - 1].text != ",":
            return None  # (at a clause's start, "The alliance said" points back to the one named before)
        return toks[j].start, toks[end_tok].end

    def _unlisted_role(self, text: str, s: int, e: int) -> Speaker | None:
        """'a local resistance administration said': in a language that writes nouns in lower case, a
        speaker the lexicon does not list, kept as written (the spec's rule for roles).

        Only an indefinite or definite phrase of one to three plain words qualifies, and never one that
        points back to a source named before ('the agency', 'the report').
        """
        if self.caps_nouns:
            return None
        toks = [t for t in self.tokens(text, s, e) if t.word]
        if not (2 <= len(toks) <= 4) or toks[0].low not in self.det:
            return None
        words = toks[1:]
        if any(t.cap or not t.text.isalpha() or t.low in self.stop or t.low in self.det for t in words):
            return None
        head = words[-1].low
        if head in self.cue_nouns or head in self.time_words or head in self.back_pointers:
            return None
        return Speaker(text[words[0].start: words[-1].end], s, e, "role", False, None)

    def side_speaker(self, own: str, side: str | None) -> str:
        """'Pakistani government' for a country; an armed group speaks as itself ('M23', not 'M23 government')."""
        return own if side in self.non_states else f"{own} {self.country_speaker}"

    def generic_function(self, name: str, side: str | None) -> str | None:
        """The generic function a country's speaker was named by ("Israeli ministry" → "ministry"), if it is one.

        A function is generic when others end in it ("health ministry", "foreign ministry"): the body
        named before with that side and a fuller name is the one meant.
        """
        if side is None:
            return None
        for generic in self.generic_functions:
            if name.lower().endswith(" " + generic):
                return generic
        return None

    def adjective(self, actor: str | None) -> str | None:
        return self.adj.get(actor, actor) if actor else None

    def compose(self, function: str, actor: str | None) -> str:
        """A function named without its country, given the side it belongs to (the victims' side).

        Where a faction governs ("the Houthi-run health ministry"), its name is the adjective.
        """
        if not actor or actor not in self.adj:
            return function
        return f"{self.governing.get(actor) or self.adjective(actor)} {function}"

    @staticmethod
    def _covers(best, *ms) -> bool:  # type: ignore[no-untyped-def]
        return any(m is not None and best.start() <= m.start() and m.end() <= best.end() for m in ms)

    def _country(self, text: str, s: int, e: int) -> str | None:
        return self._country_side(text, s, e)[0]

    def _country_side(self, text: str, s: int, e: int, anchor: int | None = None) -> tuple[str | None, str | None]:
        """The English adjective of the country, faction or bloc a phrase names, and the side it is.

        With several, the one nearest before ``anchor`` (the function's noun) wins:
        "die israelische Armee im Gazastreifen" is the Israeli army.
        """
        found: list[tuple[int, str | None, str | None]] = []
        if self.factions is not None:
            for fm in self.factions.finditer(text, s, e):
                adj = self.faction_names[fm.lastgroup or ""]
                found.append((fm.start(), adj, self.faction_side.get(adj)))
        for am in self.actors.finditer(text, s, e):
            if any(p == am.start() for p, _, _ in found):
                continue
            surface = am.group(0)
            name = self.actors.label(am)
            if (self.demonyms_as_written and surface[:1].isupper() and surface.isalpha() and surface != name
                    and surface.lower().endswith(self.demonym_endings)):
                found.append((am.start(), surface, name))  # "Palestinian medics": the English adjective itself
            else:
                found.append((am.start(), self.adjective(name), name))
        for pm in self.places.finditer(text, s, e):
            actor = self.place_actor.get(self.places.label(pm))
            if actor and not any(p == pm.start() for p, _, _ in found):
                found.append((pm.start(), self.adjective(actor), actor))
        if self.blocs is not None:
            for bm in self.blocs.finditer(text, s, e):
                found.append((bm.start(), self.bloc_names[bm.lastgroup or ""], None))
        if not found:
            return None, None
        if anchor is not None:
            before = [f for f in found if f[0] <= anchor]
            if before:
                best = max(before, key=lambda f: f[0])
                return best[1], best[2]
        best = min(found, key=lambda f: f[0])
        return best[1], best[2]

    def _only_country(self, text: str, s: int, e: int) -> bool:
        """A phrase that names nothing but a country or side ("Indien", "Kyiv")."""
        spans = [m.span() for rx in (self.actors, self.places) for m in rx.finditer(text, s, e)]
        words = [t for t in self.tokens(text, s, e) if t.word and t.low not in self.det]
        return bool(words) and all(any(a <= t.start and t.end <= b for a, b in spans) for t in words)

    def _clean(self, text: str, s: int, e: int) -> list[_Tok]:
        toks = [t for t in self.tokens(text, s, e) if t.word]
        while toks and (toks[0].low in self.det or toks[0].low in self.conn):
            toks.pop(0)
        return toks

    def _capword(self, t: _Tok) -> bool:
        return t.word and t.cap and t.low not in self.det and t.low not in self.conn and t.low not in self.stop

    def _covered(self, text: str, s: int, e: int) -> list[tuple[int, int]]:
        """Spans of a phrase that name a side, place, known source, function, role, medium or title."""
        spans = []
        for rx in (self.actors, self.places, self.known, self.functions, self.roles, self.media, self.titles):
            if rx is not None:
                spans.extend(m.span() for m in rx.finditer(text, s, e))
        return spans

    def _person(self, text: str, s: int, e: int) -> tuple[int, int, str] | None:
        """Two to four capitalised words after any title or side: a person's name.

        In a language that capitalises nouns, a run counts only at the phrase's
        start, after a title or side word, or after a comma (apposition), never
        after an article or adjective ("der armenischen Hauptstadt Eriwan").
        """
        toks = self.tokens(text, s, e)
        covered: list[tuple[int, int]] | None = None

        def entity(t: _Tok) -> bool:
            nonlocal covered
            if covered is None:  # read only for a phrase with a run of capitalised words ("officials" has none)
                covered = self._covered(text, s, e)
            return any(a <= t.start and t.end <= b for a, b in covered) or t.low in self.cue_nouns \
                or self._is_time(t)

        i = 0
        while i < len(toks):
            if not self._capword(toks[i]):
                i += 1
                continue
            j = i
            while j < len(toks) and (self._capword(toks[j]) or (toks[j].text in "-" and j + 1 < len(toks))):
                j += 1
            run = [t for t in toks[i:j] if t.word]
            cut = 0
            for x, r in enumerate(run):
                if entity(r):
                    cut = x + 1
            name = run[cut:]
            prev = toks[i - 1] if i > 0 else None
            nxt = toks[j] if j < len(toks) else None
            opened = not self.caps_nouns or cut > 0 or prev is None or not prev.word
            # "Observatory for Human Rights": a run joined to others is part of an organisation's name
            joined = (prev is not None and prev.low in self.name_joiners and prev.low not in self.det) or (
                nxt is not None and nxt.low in self.name_joiners and j + 1 < len(toks) and toks[j + 1].cap)
            titled = len(name) == 1 and cut > 0 and self._title(text, run[cut - 1])
            # (where nouns are capitalised, a run with a number in it counts something: no name; asked last)
            if opened and not joined and (2 <= len(name) <= 4 or titled) and not (
                    self.caps_nouns and self.numbers.find(text, name[0].start, name[-1].end)):
                return name[0].start, name[-1].end, text[name[0].start: name[-1].end]
            i = j
        return None

    def _title(self, text: str, t: _Tok) -> bool:
        return self.titles is not None and self.titles.fullmatch(text, t.start, t.end) is not None

    def _entity(self, text: str, t: _Tok) -> bool:
        """A word that is a side, place, function, role or medium, so no part of a person's name."""
        for m in (self.actors, self.places, self.known):
            mm = m.match(text, t.start)
            if mm is not None and mm.end() >= t.end - 2:
                return True
        for rx in (self.functions, self.roles, self.media):
            if rx is not None and rx.search(text, t.start, t.end) is not None:
                return True
        return t.low in self.cue_nouns or t.low in self.time_words or any(t.low.startswith(w) for w in self.time_words)

    def _proper_name(self, text: str, s: int, e: int) -> str | None:
        """'the Syrian Observatory for Human Rights', 'Kyiv City Military Administration': a proper name
        of capitalised words (with "of", "for" inside) that is more than a function and a country."""
        paren = text.find("(", s, e)
        toks = self._clean(text, s, paren if paren >= 0 else e)  # "Long Name (ABBR)": the long name
        while toks and (toks[0].low.endswith(self.modifier_suffixes) or self._title(text, toks[0])):
            toks.pop(0)  # "Britain-based", "the Hamas-run": what the name is, not the name
        if len(toks) < 2 or not all(t.cap or t.low in self.name_joiners for t in toks):
            return None
        if not toks[-1].cap or any(t.text.endswith("'s") for t in toks):
            return None
        covered = self._covered(text, toks[0].start, toks[-1].end)
        plain = [t for t in toks if t.cap and not any(a <= t.start and t.end <= b for a, b in covered)]
        joined = any(t.low in self.name_joiners for t in toks)
        if not plain and not joined:
            return None  # "Health Ministry", "Israeli Air Force" are a function (and a country)
        if self.known.search(text, toks[0].start, toks[-1].end) is not None:
            return None
        return text[toks[0].start: toks[-1].end]

    def _organisation(self, text: str, s: int, e: int) -> str | None:
        """A name the knowledge base does not know, as written: "Karari Resistance Committee", "CNN"."""
        toks = self._clean(text, s, e)
        k = 0
        while k < len(toks) and self._title(text, toks[k]):
            k += 1
        toks = toks[k:]
        if not toks or not toks[0].cap:
            return None
        if any(self._entity(text, t) for t in toks if t.cap):
            return None
        words = [t for t in toks if t.cap]
        if self.caps_nouns:
            # nouns are capitalised too: only acronyms, web names and multi-word proper names
            single = len(toks) == 1 and (toks[0].text.isupper() or "." in toks[0].text)
            if not single and not (len(words) >= 2 and len(words) == len(toks)):
                return None
        return text[toks[0].start: toks[-1].end]

    def breaks_between(self, text: str, lo: int, hi: int) -> bool:
        """A clause boundary between two positions: ";", a dash, ", while", ", während"."""
        if CLAUSE_BREAK.search(text, lo, hi):
            return True
        toks = self.tokens(text, lo, hi)
        return any(t.text == "," and k + 1 < len(toks) and toks[k + 1].low in self.clause_breaks
                   for k, t in enumerate(toks))

    def relayed(self, text: str, a: int, b: int) -> list[tuple[int, int]]:
        """Spans after relay cues ("citing X", "unter Berufung auf X"): where the origin is named."""
        out = []
        if self.relay_cues is None:
            return out
        for m in self.relay_cues.finditer(text, a, b):
            span = self.np_after(text, m.end(), b)
            if span:
                out.append(span)
        return out

    def learned_from(self, text: str, a: int, verb_start: int
                     ) -> tuple[tuple[int, int] | None, tuple[int, int] | None]:
        """'wie AFP von Vertretern der Sicherheitskräfte erfuhr': (who told, who learned) in the clause."""
        toks = self.tokens(text, a, verb_start)
        for i in range(len(toks) - 1, -1, -1):
            if toks[i].low in self.openers or toks[i].text in ",;:":
                break
            if toks[i].low in self.learn_from:
                return self.np_after(text, toks[i].end, verb_start), self.np_before(text, a, toks[i].start)
        return None, None


@cache
def speaker_reader(lang: str) -> SpeakerReader:
    return SpeakerReader(lang)
