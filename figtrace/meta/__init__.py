"""Metadata of a document: publication date, outlet, language.

:func:`enrich` fills what the reader did not know, in a fixed order, on a
document the cleaner has segmented already (:mod:`figtrace.pipeline` runs the
cleaner first, so metadata is read from the right lines):

1. the text of the body segments;
2. language (py3langid, limited to the languages with lexicons);
3. publication date: the user's or the page's metadata wins; else a timestamp
   line; else a lower bound from the latest absolute date the text mentions,
   marked ``published_inferred`` with its evidence in ``doc.meta``;
4. outlet: URL, contact address or image host, byline.
"""

from __future__ import annotations

import datetime as dt
import re

from figtrace.lang.dates import DateMention, find_dates, url_dates
from figtrace.letters import UPPER
from figtrace.meta.language import detect_language
from figtrace.meta.outlet import outlet_from_text, outlet_from_url
from figtrace.model import Document

__all__ = ["detect_language", "enrich", "find_dates", "published_from_text"]

#: Furniture whose text may name the outlet (its contact address, its image host).
_OUTLET_LABELS = frozenset({"contact", "transparency", "image", "caption", "credit"})


def enrich(doc: Document, *, today: dt.date | None = None) -> Document:
    """Fill ``lang``, ``published``/``published_inferred``, ``title`` and ``outlet``.

    Values already set (by the user or the page's metadata) are kept. ``today``
    caps inferred dates: a year the text mentions beyond it is a plan, not a bound.
    Without segments, the whole text counts as body.
    """
    from figtrace.clean import load_cues

    text = doc.text
    # 1. the body's text
    body = "\n".join(text[s.start : s.end] for s in doc.segments if s.kind != "furniture")
    # 2. language
    if not doc.lang:
        doc.lang = detect_language(body or text)
        doc.meta.setdefault("lang_source", "detected")
    langs = (doc.lang,)
    # 3. publication date
    if doc.published:
        doc.meta.setdefault("published_source", "given")
        if doc.published_from is None:  # set by whoever built the document: it came with it
            doc.published_from = "metadata"
    else:
        _set_published(doc, langs, today or dt.date.today())
    # 4. title and outlet
    if not doc.title:
        titles = [text[s.start : s.end].strip() for s in doc.segments if s.kind == "title"]
        lines = [t for block in titles for t in block.splitlines() if t.strip()]
        if lines:
            doc.title = max(lines, key=len)
    byline = None
    cues = load_cues()
    for s in doc.segments:
        if s.label == "byline":
            line = text[s.start : s.end].strip().splitlines()[0]
            m = cues.byline.match(line)
            byline = line[m.end() :].strip() if m else line
            doc.meta.setdefault("byline", byline)
            break
    if not doc.outlet:
        outlet, how = (outlet_from_url(doc.url), "url") if doc.url else (None, "")
        if not outlet:
            furniture = "\n".join(text[s.start : s.end] for s in doc.segments if s.label in _OUTLET_LABELS)
            outlet, how = outlet_from_text(furniture, _agency(byline) if byline else None)
        if outlet:
            doc.outlet = outlet
            doc.meta["outlet_source"] = how
    return doc


def _agency(byline: str) -> str | None:
    """A one-word byline is an agency (``afp`` → ``AFP``, ``Reuters``); a person's name is no outlet."""
    if not byline.isalpha():
        return None
    return byline.upper() if byline.islower() and len(byline) <= 5 else byline


def published_from_text(doc: Document, langs: tuple[str, ...] | None = None) -> DateMention | None:
    """The earliest full date on the document's timestamp lines (the original, not the update)."""
    best: DateMention | None = None
    for s in doc.segments:
        if s.label != "timestamp":
            continue
        for m in find_dates(doc.text[s.start : s.end], langs):
            if m.precision == "day" and (best is None or m.date < best.date):
                best = DateMention(s.start + m.start, s.start + m.end, m.date, m.precision)
    return best


#: A wire dateline: "PORT-AU-PRINCE, January 20, 2025 - …", "KIEW, 16.06.2025 (dpa) – …".
_DATELINE = re.compile(
    rf"(?m)^[ \t]*[{UPPER}][{UPPER} .'/\-]{{2,40}},[ \t]*(?P<d>[^\n]{{4,40}}?)[ \t]*"
    r"(?:\([^)\n]{1,30}\)[ \t]*)?[-—–][ \t]")
#: Characters from the top of a document in which a dateline is looked for.
DATELINE_WINDOW = 600


def published_from_dateline(doc: Document, langs: tuple[str, ...] | None = None) -> DateMention | None:
    """The date of a wire dateline near the top, when it names a full day."""
    for m in _DATELINE.finditer(doc.text, 0, min(len(doc.text), DATELINE_WINDOW)):
        for d in find_dates(m.group("d"), langs):
            if d.precision == "day":
                return DateMention(m.start("d") + d.start, m.start("d") + d.end, d.date, d.precision)
    return None


def _set_published(doc: Document, langs: tuple[str, ...], today: dt.date) -> None:
    found = published_from_text(doc, langs) or published_from_dateline(doc, langs)
    if found is not None:
        doc.published = found.iso
        doc.published_inferred = False
        doc.published_from = "body"
        doc.meta["published_source"] = "text"
        doc.meta["published_evidence"] = _evidence(doc.text, found)
        return
    mentions = [m for m in find_dates(doc.text, langs) + url_dates(doc.text) if m.date <= today]
    if not mentions:
        return
    latest = max(mentions, key=lambda m: (m.date, m.precision == "day"))
    doc.published = latest.iso  # at its precision: "2025-06" stays a month
    doc.published_inferred = True
    doc.published_from = "body"
    doc.meta["published_source"] = "inferred"
    doc.meta["published_bound"] = "not_before"
    doc.meta["published_evidence"] = _evidence(doc.text, latest)


def _evidence(text: str, m: DateMention) -> dict[str, object]:
    return {
        "text": text[m.start : m.end],
        "start": m.start,
        "end": m.end,
        "precision": m.precision,
        "value": m.iso,
    }
