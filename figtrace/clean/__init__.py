"""Scraped-text cleaning: mark page furniture, never delete it.

:func:`segment` splits an article into title, body and furniture segments that
cover the whole text, so offsets into the user's text stay valid and figures in
a teaser are still found but never credited to the main story.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from figtrace.clean import lines as L
from figtrace.clean.cues import Cues, load_cues
from figtrace.clean.teaser import find_teaser, topic_terms
from figtrace.lang.dates import date_lexicon
from figtrace.letters import UPPER
from figtrace.model import Segment

__all__ = ["load_cues", "segment"]

TITLE_WINDOW = 4  # titles are among the first few lines that are not furniture …
LEAD_LONG = 250  # … before the first long paragraph
BLOCK_MAX = 20  # lines a link list or sources list may run
CAPTION_MAX = 200  # a line before a credit is its caption only if this short …
HEADING_MAX = 120
_INNER_STOP = re.compile(rf"[.!?][\"“”’)]?\s+[{UPPER}„\"“]")


@dataclass(slots=True)
class _Line:
    start: int
    end: int  # including the newline
    text: str  # without the newline or a trailing \r
    kind: str = "body"
    label: str = ""


def segment(text: str, lang: str | None = None, *, title: str | None = None) -> list[Segment]:
    """Segments covering ``text`` from 0 to ``len(text)``, in order.

    ``lang`` restricts the furniture cues to that language's file (all files when
    None or when the language has none);
    ``title``, when known (HTML metadata), marks a first line equal to it as the title.
    """
    cues = load_cues((lang,) if lang else None)
    lines = _split(text)
    # 1. each line on its own
    for ln in lines:
        label = L.classify(ln.text, cues)
        if label:
            ln.kind, ln.label = "furniture", label
    # 2. blocks that a header opens (link lists, sources, transparency notes)
    _blocks(lines, cues)
    # 3. captions standing just above their credit
    _captions(lines)
    # 4. titles at the top, headings and stray single words in the body
    _titles(lines, title)
    _headings(lines)
    # 5. a closing teaser of another story
    _teaser(lines, cues)
    return _merge(lines, len(text))


def _split(text: str) -> list[_Line]:
    out = []
    pos = 0
    for raw in text.split("\n"):
        end = pos + len(raw) + 1
        out.append(_Line(pos, min(end, len(text)), raw.rstrip("\r")))
        pos = end
    return out


def _blocks(lines: list[_Line], cues: Cues) -> None:
    i = 0
    while i < len(lines):
        ln = lines[i]
        s = ln.text.strip()
        bare = s.rstrip(":").strip()
        kind = None
        if bare in cues.transparency:
            kind = "transparency"
        elif bare in cues.sources_list:
            kind = "sources_list"
        elif len(s) <= 120 and not L.ends_sentence(s) and cues.link_list.match(s):
            kind = "link_list"
        if kind is None:
            i += 1
            continue
        ln.kind, ln.label = "furniture", kind
        i += 1
        if kind == "transparency":
            i = _note(lines, i, cues)
            continue
        count = 0
        bulleted: bool | None = None
        while i < len(lines) and count < BLOCK_MAX:
            t = lines[i].text.strip()
            if not t:
                if count:
                    break
                i += 1
                continue
            bullet = L.is_bullet(t)
            if bulleted is None:
                bulleted = bullet
            fits = bullet if bulleted else (len(t) <= 160 and not L.ends_sentence(t) and not lines[i].label)
            if not fits:
                break
            lines[i].kind, lines[i].label = "furniture", kind
            count += 1
            i += 1


def _note(lines: list[_Line], i: int, cues: Cues) -> int:
    """The lines of a transparency note: those carrying a note cue, right after its header."""
    j = i
    while j < len(lines) and not lines[j].text.strip():
        j += 1
    start = j
    while j < len(lines) and lines[j].text.strip() and cues.transparency_continues.search(lines[j].text):
        lines[j].kind, lines[j].label = "furniture", "transparency"
        j += 1
    return j if j > start else i


def _captions(lines: list[_Line]) -> None:
    prev: _Line | None = None
    for ln in lines:
        if not ln.text.strip():
            continue
        if ln.label == "credit" and prev is not None and prev.kind == "body" and _one_sentence(prev.text):
            prev.kind, prev.label = "furniture", "caption"
        prev = ln


def _one_sentence(text: str) -> bool:
    """… and one sentence: a picture is described once; a body paragraph goes on."""
    s = text.strip()
    return len(s) <= CAPTION_MAX and not _INNER_STOP.search(s)


def _titles(lines: list[_Line], known: str | None) -> None:
    """Headline lines at the top: before the first long paragraph, and in one run."""
    seen = 0
    found = False
    for ln in lines:
        s = ln.text.strip()
        if not s or ln.kind != "body":
            continue
        if known and s == known.strip():
            ln.kind = "title"
            found = True
            continue
        if seen >= TITLE_WINDOW or len(s) > LEAD_LONG:
            break
        seen += 1
        if L.is_single_word(s):
            ln.kind, ln.label = "furniture", "section"
        elif L.is_headline_like(s):
            ln.kind = "title"
            found = True
        elif found:
            break


def _headings(lines: list[_Line]) -> None:
    for ln in lines:
        if ln.kind != "body":
            continue
        s = ln.text.strip()
        if s and L.is_single_word(s):
            ln.kind, ln.label = "furniture", "fragment"
        elif s and L.is_headline_like(s, max_len=HEADING_MAX) and not L.ends_sentence(s):
            ln.label = "heading"


def _teaser(lines: list[_Line], cues: Cues) -> None:
    ignore = cues.topic_ignore | _month_stems(cues.langs)
    head = [topic_terms(ln.text, ignore) for ln in lines if ln.kind == "title"]
    body = [ln for ln in lines if ln.kind == "body" and ln.text.strip()]
    units = [topic_terms(ln.text, ignore) for ln in body]
    k = find_teaser(head, units, [len(ln.text) for ln in body])
    if k is None:
        return
    for ln in body[k:]:
        ln.kind, ln.label = "furniture", "teaser"


@lru_cache(maxsize=16)
def _month_stems(langs: tuple[str, ...]) -> frozenset[str]:
    """Month names say when, not what: they never tie a teaser to the story."""
    return frozenset(m[:6] for m in date_lexicon(langs or None).months)


def _merge(lines: list[_Line], length: int) -> list[Segment]:
    """Join runs of the same kind and label; blank lines go with the line above."""
    segs: list[Segment] = []
    cur_kind, cur_label, cur_start = None, "", 0
    for ln in lines:
        if not ln.text.strip():
            continue
        if (ln.kind, ln.label) != (cur_kind, cur_label):
            if cur_kind is not None:
                segs.append(Segment(cur_start, ln.start, cur_kind, cur_label))  # type: ignore[arg-type]
                cur_start = ln.start
            cur_kind, cur_label = ln.kind, ln.label
    if length > cur_start or not segs:
        segs.append(Segment(cur_start, length, cur_kind or "body", cur_label))  # type: ignore[arg-type]
    return segs
