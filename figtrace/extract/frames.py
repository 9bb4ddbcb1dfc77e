"""What a figure counts: unit, measure, actor and location from the words around it.

A figure is a claim only when it counts something countable in a conflict:
people, equipment, square kilometres taken, kilometres advanced. The noun
phrase after the figure says what (``11.000 Soldaten``); a counter noun
before it can too (``die Zahl der Toten stieg auf``). The measure comes from
predicate cues ranked by priority (a casualty cue beats "im Einsatz"),
then by distance; the lexicon's modifiers turn a deployment into a
reinforcement ("weitere") or a plan ("sollen folgen").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache

from figtrace.extract.numbers import Mention
from figtrace.lang import get_lexicon
from figtrace.lang.phrases import compile_labelled, compile_phrases

#: Words after a figure searched for its noun (more after a partitive "der"/"of").
NP_WORDS = 5
NP_WORDS_PARTITIVE = 9
#: Characters left of a figure searched for a counter noun ("death toll rose to").
COUNTER_WINDOW = 90
#: An elided noun ("55.000 Menschen getötet, mehr als 127.000 verletzt") is inherited
#: from the figure before when the two are at most this far apart.
ELLIPSIS_GAP = 80
#: Words right after a bare figure in which a casualty cue makes it count people ("300 killed").
BARE_CUE_WORDS = 4
#: Characters before a bare figure searched for a casualty verb ("kills dozens").
BEFORE_CUE_CHARS = 20
#: Characters before a deployment verb (or the figure) in which a modal makes it a plan.
PLAN_REACH = 30
#: Characters before a figure in which a fraction ("die Hälfte der") makes it the whole.
FRACTION_REACH = 40
#: A figure with no noun of its own may count what its sentence counts only from this value on,
#: and only when written in digits: "two officials told …" is no elided count.
BARE_MIN = 10

CASUALTY = {"killed", "wounded", "killed_or_wounded", "captured", "missing"}
DEPLOYMENT = {"deployed", "reinforcement", "planned"}

_WORD = re.compile(r"[^\W_][\w\-'’²]*|[%€$£]")
#: Where a noun phrase stops: a comma or bracket, a full stop before a space, a dash between spaces.
#: (The character first, then what follows it: a scan that opens with a class skips ahead to it.)
_STOP = re.compile(r"[,;:()\[\]!?.\s](?:(?<=[,;:()\[\]!?])|(?<=\.)(?:\s|$)|(?<=\s)[–—-]\s)")
#: (compiled once: ``re.match(pattern, …)`` looks the pattern up in a cache at every call)
_COMMA = re.compile(r"\s*,\s*")
_CLAUSE_END = re.compile(r"[,;:]")
_DASH = re.compile(r"\s[–—]\s")
_DASH_OR_COLON = re.compile(r"\s[–—]\s|[;:]")


@dataclass(slots=True)
class Frame:
    unit: str | None = None
    measure: str | None = None
    np_end: int = 0  # end of the noun phrase (the unit noun), or the figure's end
    counter_start: int = -1  # where a counter noun before the figure starts ("North Korea's death toll")
    cue_start: int = -1  # where the measure's cue starts
    inherited: bool = False  # the unit is the figure before's ("55.000 getötet, mehr als 127.000 verletzt")
    shared: bool = False  # the measure is the figure before's ("11 killed, including four children")
    why: dict[str, str] = field(default_factory=dict)


class FrameReader:
    def __init__(self, lang: str):
        lex = get_lexicon(lang)
        ms = lex.measures
        nouns: list[tuple[str, str]] = []
        for entry in ms.get("noun", []):
            label = f"{entry['unit']}|{entry.get('measure', '')}"
            nouns.extend((w, label) for w in entry["words"])
        self.noun, self.noun_labels = compile_labelled(nouns)
        counters: list[tuple[str, str]] = []
        for entry in ms.get("counter", []):
            label = f"{entry['unit']}|{entry.get('measure', '')}"
            counters.extend((w, label) for w in entry["words"])
        self.counter, self.counter_labels = compile_labelled(counters)
        self.not_counted = compile_phrases(ms.get("not_counted", {}).get("words", []))
        self.money_signs = tuple(sorted(ms.get("not_counted_before", []), key=len, reverse=True))
        # one phrase may cue several measures ("captured": people or territory), told apart by unit
        by_phrase: dict[str, list[str]] = {}
        for i, entry in enumerate(ms.get("cue", [])):
            for w in entry["words"]:
                by_phrase.setdefault(w, []).append(str(i))
        self.cue_entries = ms.get("cue", [])
        self.cue, self.cue_labels = compile_labelled([(w, ",".join(ix)) for w, ix in by_phrase.items()])
        mods = ms.get("modifiers", {})
        self.reinforce = compile_phrases(mods.get("reinforcement", []))
        self.planned = compile_phrases(mods.get("planned", []))
        fr = lex.frames
        self.partitive = {p.lower() for p in fr.get("partitive", [])}
        self.loc_preps = {p.lower() for p in fr.get("location_prepositions", [])}
        self.barriers = compile_phrases(fr.get("cue_barriers", []))
        self.subset = compile_phrases(fr.get("subset_markers", []))
        self.fraction_heads = compile_phrases(fr.get("fraction_heads", []))
        self.relative = compile_phrases(fr.get("relative_pronouns", []))

    # -- unit -------------------------------------------------------------------
    def unit_of(self, text: str, m: Mention, sent_start: int, sent_end: int, next_start: int,
                prev: tuple[Mention, Frame] | None) -> Frame:
        """The unit noun after the figure, a counter noun before it, or an elided noun."""
        f = Frame(np_end=m.num_end)
        if self.money_signs and text[max(sent_start, m.num_start - 5): m.num_start].rstrip().endswith(self.money_signs):
            f.why["not_counted"] = "money"
            return f
        pos = m.end
        words = 0
        limit = NP_WORDS
        first = True
        while pos < sent_end and words < limit:
            stop = _STOP.search(text, pos, min(sent_end, pos + 60))
            wm = _WORD.search(text, pos, sent_end)
            if wm is None or (stop is not None and stop.start() < wm.start()):
                break
            if self.not_counted is not None and self.not_counted.match(text, wm.start()):
                nc = self.not_counted.match(text, wm.start())
                f.why["not_counted"] = nc.group(0) if nc else ""
                return f
            if self.noun is not None:
                nm = self.noun.match(text, wm.start())
                if nm:
                    unit, _, measure = self.noun_labels[nm.lastgroup or ""].partition("|")
                    f.unit, f.np_end = unit, nm.end()
                    f.why["unit"] = nm.group(0)
                    if measure:
                        f.measure = measure
                        f.why["measure"] = nm.group(0)
                    return f
            w = wm.group(0)
            if wm.start() >= next_start and limit != NP_WORDS_PARTITIVE:
                break  # the next figure starts: "seit 2023 mehr als zwölf Millionen Granaten"
            if not first and w.lower() in self.loc_preps and limit != NP_WORDS_PARTITIVE:
                break  # "75 worshippers in a drone strike": the noun phrase ends at a preposition
            if first and w.lower() in self.partitive:
                limit = NP_WORDS_PARTITIVE
            first = False
            words += 1
            pos = wm.end()
        # a counter noun before the figure: "die Zahl der Toten stieg auf 1.200"
        if self.counter is not None:
            lo = max(sent_start, m.start - COUNTER_WINDOW)
            best = None
            for cm in self.counter.finditer(text, lo, m.start):
                best = cm
            if best is not None:
                unit, _, measure = self.counter_labels[best.lastgroup or ""].partition("|")
                f.unit, f.measure = unit, measure or None
                f.counter_start = best.start()
                f.why["unit"] = f.why["measure"] = best.group(0)
                return f
        if prev is not None and prev[1].unit and m.start - prev[0].end <= ELLIPSIS_GAP and not _year_like(m):
            f.unit = prev[1].unit
            f.why["unit"] = "inherited from the figure before"
            f.inherited = True
            return f
        # "mehr als 127.000 wurden verletzt": a casualty cue right after a bare figure
        if self.cue is not None:
            tail_end = _word_end(text, m.end, sent_end, BARE_CUE_WORDS)
            for cm in self.cue.finditer(text, m.end, tail_end):
                entries = self._entries(cm)
                if any(e["measure"] in CASUALTY and "units" not in e for e in entries):
                    f.unit = "personnel"
                    f.why["unit"] = f"bare figure before {cm.group(0)!r}"
                    return f
        if self.cue is not None and not _year_like(m):
            # "kills dozens", "tötete 40": a casualty verb right before a bare figure
            lo = max(sent_start, m.start - BEFORE_CUE_CHARS)
            for cm in self.cue.finditer(text, lo, m.start):
                if not text[cm.end(): m.start].strip() and any(
                        e["measure"] in CASUALTY and "units" not in e for e in self._entries(cm)):
                    f.unit = "personnel"
                    f.why["unit"] = f"bare figure after {cm.group(0)!r}"
                    return f
        # "the estimate had climbed to more than 10,000": a bare figure counts what an
        # earlier noun of its sentence or paragraph counts (checked by the caller)
        if m.kind in ("digits", "range") and m.value >= BARE_MIN and not _year_like(m):
            f.why["bare"] = "1"
        return f

    def nouns_in(self, text: str, a: int, b: int) -> list[tuple[int, str, str]]:
        """Countable nouns in a span: (start, unit, measure)."""
        if self.noun is None or a >= b:
            return []
        out = []
        for nm in self.noun.finditer(text, a, b):
            unit, _, measure = self.noun_labels[nm.lastgroup or ""].partition("|")
            out.append((nm.start(), unit, measure))
        return out

    def _entries(self, cm: re.Match[str]) -> list[dict]:
        return [self.cue_entries[int(i)] for i in self.cue_labels[cm.lastgroup or ""].split(",")]

    # -- measure ----------------------------------------------------------------
    def whole_of_fraction(self, text: str, m: Mention, sent_start: int) -> bool:
        """'mehr als die Hälfte jener 11.000 Soldaten', 'half of the roughly 11,000 troops'."""
        if self.fraction_heads is None:
            return False
        lo = max(sent_start, m.start - FRACTION_REACH)
        last = None
        for hm in self.fraction_heads.finditer(text, lo, m.start):
            last = hm
        if last is None:
            return False
        between = text[last.end(): m.start].split()
        return len(between) <= 3 and not any(any(ch.isdigit() for ch in w) for w in between)

    def relative_clause_end(self, text: str, f: Frame, sent_end: int) -> int:
        """End of a relative clause right after the noun phrase (", die … geschickt wurden,")."""
        mm = _COMMA.match(text[f.np_end: f.np_end + 4])
        if not mm or self.relative is None:
            return f.np_end
        start = f.np_end + mm.end()
        rm = self.relative.match(text, start)
        if rm is None:
            return f.np_end
        stop = _CLAUSE_END.search(text[rm.end(): sent_end])
        return rm.end() + stop.start() if stop else sent_end

    def measure_of(self, text: str, m: Mention, f: Frame, left: int, right: int,
                   inner: bool = False, inner_end: int | None = None) -> int:
        """Best cue in [left, right) by priority, then distance to the figure.

        A cue inside the figure's own noun phrase ("getötete Soldaten") is at
        distance 0. An ``inner`` figure (the whole in "1.000 der 11.000
        entsandten Soldaten") reads only its noun phrase: the clause's
        predicate belongs to the part. Returns the end of the chosen cue, so
        the next figure does not take the same one.
        """
        used = -1
        cue_start = m.start
        if f.unit == "equipment":
            f.measure = "equipment"  # the noun decides: destroyed, delivered or lost, it counts equipment
            f.why["measure"] = "equipment noun"
            return used
        if self.barriers is not None:
            # "… schickt 6000 Helfer – trotz schwerer Verluste": the predicate stops at the barrier
            for bm in self.barriers.finditer(text, left, right):
                if bm.start() >= f.np_end:
                    right = bm.start()
                    break
                if bm.end() <= m.start:
                    left = bm.end()
            zone = text[f.np_end:right]
            dashes = len(_DASH.findall(text[left:right]))
            for stop in _DASH_OR_COLON.finditer(zone):
                if stop.group(0) not in ";:" and dashes % 2 == 0:
                    continue  # a dash pair encloses an aside: "390 Ukrainer – 270 Soldaten … – zurückgekehrt"
                right = f.np_end + stop.start()
                break
        if f.measure is None and self.cue is not None and f.unit:
            best: tuple[int, int, str, str, int] | None = None
            lo, hi = (m.num_end, inner_end or f.np_end) if inner else (left, right)
            for cm in self.cue.finditer(text, lo, hi):
                entry = next((e for e in self._entries(cm) if f.unit in e.get("units", [f.unit])), None)
                if entry is None:
                    continue
                if m.num_start <= cm.start() < f.np_end:
                    dist = 0
                elif cm.start() >= f.np_end:
                    dist = cm.start() - f.np_end
                else:
                    dist = m.start - cm.end()
                key = (int(entry.get("priority", 5)), max(dist, 0), entry["measure"], cm.group(0), cm.end())
                if best is None or key[:2] < best[:2]:
                    best = key
            if best is not None and best[2] == "none":
                f.unit = None  # "3 million people displaced": counted, but no claim of the spec
                f.why["not_counted"] = best[3]
                return best[4]
            if best is not None:
                f.measure = best[2]
                f.why["measure"] = best[3]
                used = best[4]
                cue_start = used - len(best[3])
                f.cue_start = cue_start
        if f.measure == "deployed":
            # a plan is marked next to its verb ("könnten … entsandt werden", "would send")
            lo = max(left, min(cue_start, m.start) - PLAN_REACH)
            hi = min(right, max(used, f.np_end) + PLAN_REACH)
            if self.planned is not None:
                pm = self.planned.search(text, lo, hi)
                if pm:
                    f.measure = "planned"
                    f.why["measure"] += f" + {pm.group(0)!r}"
                    return used
            if self.reinforce is not None:
                # "weitere 3.000", "3,000 more troops"; not the "more" of "more than"
                lo = max(left, m.start - 25)
                before = text[lo: m.num_start]
                if m.qspan[1] > m.qspan[0]:
                    a, b = m.qspan[0] - lo, m.qspan[1] - lo
                    before = before[:a] + " " * (b - a) + before[b:]
                rm = self.reinforce.search(before) or self.reinforce.search(text, m.num_end, min(right, f.np_end + 8))
                if rm:
                    f.measure = "reinforcement"
                    f.why["measure"] += f" + {rm.group(0)!r}"
        if f.measure is None and f.unit == "equipment":
            f.measure = "equipment"
            f.why["measure"] = "equipment noun"
        return used


def _year_like(m: Mention) -> bool:
    return m.kind == "digits" and m.qualifier == "exact" and m.value.is_integer() and 1900 <= m.value <= 2100


def _word_end(text: str, pos: int, limit: int, n: int) -> int:
    for _ in range(n):
        wm = _WORD.search(text, pos, limit)
        if wm is None:
            return limit
        pos = wm.end()
    return pos


@cache
def frame_reader(lang: str) -> FrameReader:
    return FrameReader(lang)
