"""Split text into paragraphs and sentences, keeping offsets into the original.

Scraped news text is line-based: a line is a paragraph (headlines and captions
carry no final full stop), so every line break ends a sentence. Inside a line,
a sentence ends at ``.``, ``!`` or ``?`` followed by a capital or a quote,
except after an abbreviation from the lexicon or a German-style ordinal
(``am 15. Juni``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from figtrace.lang import get_lexicon


@dataclass(frozen=True, slots=True)
class Sentence:
    start: int
    end: int
    paragraph: int
    index: int  # position in the document

    def text(self, doc_text: str) -> str:
        return doc_text[self.start: self.end]


_CANDIDATE = re.compile(r"[.!?…](?<![.!?…].)[.!?…]*+[\"'”“»«’)\]]*(?=[\s\u00a0]+[\"'„“»«‚(\[]?[^\W\d_]|[\s\u00a0]+\d)")
_LINE = re.compile(r"[^\n\r\u2028\u2029]+")


class SentenceSplitter:
    def __init__(self, lang: str):
        lex = get_lexicon(lang)
        s = lex.sentences
        self.abbrev = tuple(sorted({a.lower() for a in s.get("abbreviations", [])}, key=len, reverse=True))
        self.ordinal_dot = bool(s.get("ordinal_dot"))
        months = lex.time.get("months", {})
        self.months = {m.lower() for m in months}

    def split(self, text: str, start: int = 0, end: int | None = None) -> list[Sentence]:
        end = len(text) if end is None else end
        out: list[Sentence] = []
        para = 0
        for line in _LINE.finditer(text, start, end):
            a, b = line.start(), line.end()
            if not text[a:b].strip():
                continue
            cut = a
            for m in _CANDIDATE.finditer(text, a, b):
                if self._is_boundary(text, a, m):
                    out.extend(self._emit(text, cut, m.end(), para, len(out)))
                    cut = m.end()
            out.extend(self._emit(text, cut, b, para, len(out)))
            para += 1
        return out

    def _emit(self, text: str, a: int, b: int, para: int, idx: int) -> list[Sentence]:
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        if a >= b:
            return []
        return [Sentence(a, b, para, idx)]

    def _is_boundary(self, text: str, line_start: int, m: re.Match[str]) -> bool:
        dot = m.group(0)
        if not dot.startswith("."):
            return True
        before = text[max(line_start, m.start() - 12): m.start() + 1].lower()
        word = re.search(r"(\S+)$", before)
        if word:
            w = word.group(1)
            if w.endswith(self.abbrev) and any(  # (one test of all first: most words end in none)
                    w.endswith(ab) and (len(w) == len(ab) or not w[-len(ab) - 1].isalpha()) for ab in self.abbrev):
                return False
            if len(w) == 2 and w[0].isalpha():  # an initial: "J. Smith"
                return False
        nxt = re.match(r"[\s\u00a0]+([\"'„“»«‚(\[]?)(\w+)", text[m.end(): m.end() + 40])
        if self.ordinal_dot and re.search(r"(?<![\d.,])\d{1,3}$", text[max(line_start, m.start() - 4): m.start()]):
            # "am 15. Juni", "die 3. Armee": a German ordinal, not the end of a sentence
            if nxt and (nxt.group(2).lower() in self.months or nxt.group(2)[0].islower() or nxt.group(2)[0].isdigit()):
                return False
            if nxt and int(re.search(r"(\d{1,3})$", text[max(line_start, m.start() - 4): m.start()]).group(1)) <= 31:
                return False
        return True


@cache
def splitter(lang: str) -> SentenceSplitter:
    return SentenceSplitter(lang)
