"""Line-level furniture rules: what one scraped line is, judged on its own.

Shapes live here (a credit is a *short* line starting with a credit cue); the
words come from :mod:`figtrace.clean.cues`. Every rule is anchored or bounded
by line length, so no regex can run away on a long paragraph.
"""

from __future__ import annotations

import re

from figtrace.clean.cues import Cues
from figtrace.lang.dates import blank_times, date_lexicon
from figtrace.letters import LOWER, UPPER

CAPTION_MAX = 600  # a caption is one paragraph at most
SHORT = 150  # a credit, byline or widget line is never longer
TIMESTAMP_MAX = 120  # a timestamp line with its words ("Aktualisiert am …, 14:49 Uhr")
TIMESTAMP_RESIDUE = 8  # letters left once dates, times and timestamp words are gone

_MD_IMAGE = re.compile(r"^\s*!\[[^\]\n]*\]\([^)\n]*\)\s*$")
_MD_LINK_LINE = re.compile(r"^\s*\[[^\]\n]+\]\([^)\n]+\)\s*$")
# possessive quantifiers: "\s*\|?\s*" on a line of spaces would otherwise backtrack quadratically
_TABLE_RULE = re.compile(r"^\s*+\|?\s*+:?-{3,}+:?\s*+(?:\|\s*+:?-{3,}+:?\s*+)*+\|?\s*+$")
_TAGS = re.compile(rf"^(?:[{UPPER}][{LOWER}]+(?:-[{UPPER}]?[{LOWER}]+)*){{3,}}$")
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_BULLET = re.compile(r"^\s*(?:[-*•·–▪►>]|\d{1,2}[.)])\s+\S")
_SINGLE = re.compile(r"^[^\W\d_][\w'’-]*$")
_LETTERS = re.compile(r"[^\W\d_]")
#: Digits shaped like a date or a time ("16.06.", "14:49", "2025"); other lines skip the date patterns.
#: (The digit first, then the alternatives: a scan that opens with a character class skips ahead to it.)
_DATEISH = re.compile(r"\d(?:[.:/-]\d|\.\s?[^\W\d_]|\d{3})")
_SENTENCE_END = re.compile(r"[.!?…:;,]['\"“”„«»‹›’)\]]*\s*$")
_TITLE_BAD_END = re.compile(r"[.:;,]['\"“”„«»‹›’)\]]*\s*$")


def is_bullet(line: str) -> bool:
    return bool(_BULLET.match(line))


def is_headline_like(line: str, *, max_len: int = 160) -> bool:
    """A heading: short, a few words, no full stop at the end."""
    s = line.strip()
    return 0 < len(s) <= max_len and " " in s and not _TITLE_BAD_END.search(s)


def ends_sentence(line: str) -> bool:
    return bool(_SENTENCE_END.search(line))


def classify(line: str, cues: Cues) -> str:
    """The furniture label of a line on its own, or "" for body text."""
    s = line.strip()
    n = len(s)
    if not s:
        return ""
    if s in cues.lines:
        return cues.lines[s]
    if _MD_IMAGE.match(s):
        return "image"
    if n <= SHORT and (cues.credit.match(s) or "©" in s):
        return "credit"
    if n <= SHORT and cues.image.search(s):
        return "image"
    if n <= CAPTION_MAX and (cues.caption_marker.search(s) or cues.caption_tail.search(s, max(0, n - 120))):
        return "caption"
    if _TAGS.match(s):
        return "tags"
    if n <= TIMESTAMP_MAX and _DATEISH.search(s):
        label = _timestamp(s, cues)
        if label:
            return label
    if n <= SHORT and cues.reading_time.search(s) and _residue(cues.reading_time.sub(" ", s)) <= TIMESTAMP_RESIDUE:
        return "reading_time"
    if "|" in s and _is_table_row(s):
        return "table"
    if _TABLE_RULE.match(s):
        return "table"
    if n <= 80 and cues.byline.match(s) and len(s.split()) <= 8 and not s.endswith("."):
        return "byline"
    if n <= 200 and "@" in s and _EMAIL.search(s):
        return "contact"
    if _MD_LINK_LINE.match(s):
        return "link"
    return ""


def _is_table_row(s: str) -> bool:
    """Pipes between short cells: a table flattened by the scraper, not prose."""
    cells = [c.strip() for c in s.split("|")]
    edged = s.startswith("|") or s.endswith("|")
    cells = [c for c in cells if c]
    return (
        (len(cells) >= 2 or edged) and all(len(c) <= 60 for c in cells) and not ends_sentence(cells[0] if cells else "")
    )


def _timestamp(s: str, cues: Cues) -> str:
    scan = blank_times(s)
    has_time = scan != s
    rest = scan
    has_date = False
    for pat in date_lexicon(cues.langs or None).full:
        rest, k = pat.subn(" ", rest)
        has_date = has_date or k > 0
    if not (has_date or has_time):
        return ""
    rest = cues.reading_time.sub(" ", rest)
    rest = cues.timestamp_words.sub(" ", rest)
    if _residue(rest) > TIMESTAMP_RESIDUE:
        return ""
    return "timestamp" if has_date else "reading_time" if cues.reading_time.search(s) else "timestamp"


def _residue(s: str) -> int:
    return len(_LETTERS.findall(s))


def is_single_word(line: str) -> bool:
    return bool(_SINGLE.match(line.strip()))
