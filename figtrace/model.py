"""The plain data that travels through the pipeline.

Every stage (ingest → clean → extract → store → reconcile → report) takes and
returns these objects, so the same functions run in one process, a process
pool or a Dask map without adapters. They are frozen where identity matters
(a claim is evidence; nothing downstream may edit it in place).
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Qualifier = Literal[
    "exact", "approx", "at_least", "more_than", "at_most", "less_than", "up_to", "range", "vague"
]
QUALIFIERS: tuple[str, ...] = (
    "exact", "approx", "at_least", "more_than", "at_most", "less_than", "up_to", "range", "vague",
)
MEASURES: tuple[str, ...] = (
    "deployed", "reinforcement", "planned", "killed", "wounded", "killed_or_wounded", "captured",
    "missing", "withdrawn", "territory_captured", "advance", "equipment",
)
UNITS: tuple[str, ...] = ("personnel", "km2", "km", "equipment", "other")
#: What a figure counts over time: a running total ("since the war began"), a
#: count over a period ("over the past day"; the period itself is the as-of) or
#: the toll of one event (an attack, an exchange). Figures of different scopes
#: are never compared with each other.
SCOPES: tuple[str, ...] = ("total", "period", "event")

#: Kinds of text segment. Furniture is kept (not deleted) so figures in a
#: teaser are still found, but never credited to the main story.
SegmentKind = Literal["title", "body", "furniture"]

#: Where a document's publication date came from, most trusted first: the container's
#: metadata (HTML meta, feed entry, JSON Lines ``published``), the user's manifest, the
#: user's ``--published`` (a fallback for documents without a date), or a guess from
#: the body (a timestamp line, a dateline, or a lower bound from the latest date it names).
PUBLISHED_FROM: tuple[str, ...] = ("metadata", "manifest", "option", "body")
#: ``meta["published_source"]`` (the detail) → its ``published_from`` (for documents stored without one).
PUBLISHED_ORIGIN: dict[str, str] = {"record": "metadata", "html": "metadata", "feed": "metadata",
                                    "given": "metadata", "manifest": "manifest", "user": "option", "text": "body",
                                    "inferred": "body"}

#: The rules that decide a claim's fields, by field: ``Claim.rules`` names one of these per field (a
#: stable id for programs and tests; ``Claim.why`` says the same in words, with the words of the text).
RULES: dict[str, dict[str, str]] = {
    "source": {
        "cue": "an attribution cue of the figure's own sentence binds the source",
        "next": "the next sentence names it ('Das erklärte X')",
        "pronoun": "a pronoun or 'the agency' stands for the source named before",
        "carried": "reported speech carries the last source on ('demnach', 'it added', a running quote)",
        "runs_on": "the sentence right after a source's own, in its paragraph, is still its report",
        "restated": "the document states the same figure elsewhere with this source",
        "no_cue": "no cue binds a source: the outlet states it (unattributed)",
    },
    "as_of": {
        "time": "a time expression near the figure",
        "present": "a word for now ('currently', 'bisher'): the publication date",
        "statement_day": "the day the figure's own sentence says it was stated ('medics said Monday')",
        "source_time": "the time of the source's statement, in the sentence that names it",
        "story_time": "the story's event day, from the sentences just before",
        "published": "the publication date (no time expression)",
        "published_inferred": "a publication date guessed from the body (no time expression)",
        "none": "no time expression and no publication date",
    },
    "actor": {
        "count_owner": "the owner of a count before the figure ('North Korea's death toll')",
        "attacker": "attacks or targets are counted for the side that made them",
        "noun_phrase": "a side inside the figure's noun phrase ('Soldaten aus Nordkorea')",
        "side_named": "a side named with a side noun ('Russian side')",
        "victims_place": "civilians belong to the place they are in",
        "victims_country": "civilians belong to the country the sentence names",
        "downed_owner": "what is shot down or destroyed belongs to the other side",
        "speaker_own_people": "a country, function or role counts its own civilians",
        "own_soldiers": "a military body counting soldiers of no named side counts its own",
        "own_side_count": "a health ministry or rescue service counts its own side's casualties",
        "headline_country": "a country heading its own toll ('Iran: 400 Tote')",
        "sentence": "the nearest side named in the figure's sentence",
        "source_own_people": "the source speaks of its own people ('its soldiers')",
        "own_deployment": "a side speaking of its own troops",
        "place": "a place in the sentence names the side",
        "state_personnel": "soldiers in a story on an armed group are the state's",
        "speaker_side": "the side that counts the dead, not the one that struck",
        "story_country": "the country the story happens in",
        "agent_only": "the context names only the one who did it: no actor",
        "context_before": "the side of a sentence earlier in the paragraph",
        "context_after": "the side of a sentence later in the paragraph",
        "context_earlier": "the side of an earlier paragraph",
        "context_later": "the side of a later paragraph",
        "main_actor": "the document's main actor",
        "shared": "shared with the figure before in a list",
        "none": "no side found",
    },
    "scope": {
        "cue": "a scope cue next to the figure ('insgesamt', 'since the war began', 'over the past day')",
        "list": "shared with the coordinated list the figure is part of",
    },
}

#: The fields of the spec's JSON Lines form, in the spec's order.
SPEC_FIELDS: tuple[str, ...] = (
    "doc", "quote", "figure", "value", "low", "high", "qualifier", "measure", "actor", "unit",
    "source", "as_of", "location", "via", "item",
)


@dataclass(frozen=True, slots=True)
class Segment:
    """A span of a document's text with its role.

    ``label`` says why a furniture span is furniture (``caption``,
    ``credit``, ``link_list``, ``teaser``, …) so a user can audit the cleaner.
    """

    start: int
    end: int
    kind: SegmentKind = "body"
    label: str = ""


@dataclass(slots=True)
class Document:
    """One article: the text the user gave plus what we know about it.

    ``text`` is never rewritten: offsets of claims point into it. Cleaning
    only adds ``segments``.

    ``published`` is ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``, at the precision
    its source gave; ``published_from`` says where it came from
    (:data:`PUBLISHED_FROM`), so a date guessed from the body is never passed
    off as metadata.
    """

    text: str
    name: str = ""
    id: str = ""
    title: str | None = None
    url: str | None = None
    outlet: str | None = None
    published: str | None = None
    published_inferred: bool = False
    published_from: str | None = None
    lang: str | None = None
    segments: list[Segment] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.id:
            self.id = content_id(self.text)
        if not self.name:
            self.name = self.id

    def set_published(self, value: object, origin: str, source: str) -> bool:
        """Take ``value`` as the publication date, at its precision, from ``origin`` (:data:`PUBLISHED_FROM`).

        ``source`` is the detail kept in ``meta["published_source"]`` (``record``,
        ``html``, ``feed``, ``manifest``, ``user``). A value that is no date is
        kept in ``meta["published_unparsed"]`` and the date is left as it was.
        """
        from figtrace.periods import iso_date

        date = iso_date(value)
        if date is None:
            if value:
                self.meta["published_unparsed"] = str(value)[:64]
            return False
        self.published = date
        self.published_from = origin
        self.published_inferred = False
        self.meta["published_source"] = source
        return True

    def stamp(self, claims: list[Claim]) -> list[Claim]:
        """Put this document's metadata on each of its claims: its id, publication date and where that
        came from, outlet and URL. The one place it is done (the pipeline calls it after any extractor),
        so every claim of a document carries the same metadata, whichever extractor or road made it.
        """
        for c in claims:
            c.doc_id, c.url, c.outlet = self.id, self.url, self.outlet
            c.published, c.published_from = self.published, self.published_from
        return claims

    def segment_at(self, offset: int) -> Segment | None:
        for seg in self.segments:
            if seg.start <= offset < seg.end:
                return seg
        return None


def content_id(text: str) -> str:
    """Content hash: the same text read twice is the same document."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]


@dataclass(slots=True)
class Claim:
    """One reported figure with who said it, when it holds and where it was said.

    The first block is the spec's contract (``spec/claims.md``); the rest is
    evidence (offsets into ``Document.text``) and reasoning (``why``: which cue
    decided each field, in words, so every output can be checked by a person;
    ``rules``: the same as rule ids of :data:`RULES`, for programs and tests).
    """

    doc: str
    quote: str
    figure: str
    value: float
    low: float | None
    high: float | None
    qualifier: str
    measure: str
    actor: str | None
    unit: str
    source: str
    as_of: str | None
    location: str | None
    #: relays between the source and the outlet, outermost first (spec: ``via``)
    via: list[str] = field(default_factory=list)
    #: for equipment: what is counted, singular English ("tank", "drone")
    item: str | None = None
    #: ``total``, ``period`` or ``event`` (see :data:`SCOPES`); None when the text does not say
    scope: str | None = None
    #: who is counted when it is a part of the whole ("children" in "darunter 20 Kinder")
    group: str | None = None
    # evidence
    start: int = 0
    end: int = 0
    quote_start: int = 0
    quote_end: int = 0
    lang: str | None = None
    segment: str = "body"
    published: str | None = None
    published_from: str | None = None
    outlet: str | None = None
    url: str | None = None
    doc_id: str | None = None
    confidence: float = 1.0
    why: dict[str, str] = field(default_factory=dict)
    #: field → the id of the rule that decided it (:data:`RULES`); not kept by the ledger, which keeps ``why``
    rules: dict[str, str] = field(default_factory=dict)

    def to_dict(self, *, spec_only: bool = False) -> dict[str, Any]:
        d = asdict(self)
        d["value"] = _num(d["value"])
        d["low"] = _num(d["low"])
        d["high"] = _num(d["high"])
        if spec_only:
            return {k: d[k] for k in SPEC_FIELDS}
        ordered = {k: d[k] for k in SPEC_FIELDS}
        ordered["scope"] = d["scope"]
        ordered["group"] = d["group"]
        ordered.update({k: v for k, v in d.items() if k not in ordered})
        return ordered

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Claim:
        names = set(cls.__dataclass_fields__)
        kw = {k: v for k, v in d.items() if k in names}
        via = kw.get("via")
        if isinstance(via, str):  # stored as JSON text (ledger, CSV)
            import json

            via = json.loads(via) if via.startswith("[") else [via]
        kw["via"] = list(via or [])  # older files have no relays, or null
        return cls(**kw)


def _num(x: float | None) -> float | int | None:
    """Whole numbers print as integers (``6000``, not ``6000.0``)."""
    if x is None:
        return None
    if float(x).is_integer() and abs(x) < 1e15:
        return int(x)
    return x
