"""The one definition of how a ledger view is narrowed.

Every listing (``claims``, ``timeline``, ``conflicts``, ``sources``,
``documents``, ``report``, the dashboard and its API) takes the same filters,
declared once in :data:`FILTERS`: the CLI options, the dashboard's query
parameters and the SQL conditions are all generated from it, so a filter that
works on one view works, with the same meaning, on every other.

Names are taken in any form the knowledge base knows: ``--actor Nordkorea``
is ``North Korea`` and ``--source NIS`` is ``South Korea NIS``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, fields, replace
from typing import Any

import click

from figtrace.errors import FigtraceError
from figtrace.periods import PeriodError, parse_period
from figtrace.store.kb import canonical_actor, canonical_source


@dataclass(frozen=True, slots=True)
class FilterSpec:
    """One filter: its name (query parameter and keyword), CLI flags and help."""

    name: str
    flags: tuple[str, ...]
    help: str
    metavar: str = "TEXT"


FILTERS: tuple[FilterSpec, ...] = (
    FilterSpec("actor", ("--actor",), "Whose people or units are counted; any alias the knowledge base "
               "knows ('Nordkorea' is 'North Korea').", "NAME"),
    FilterSpec("measure", ("--measure",), "What is counted (killed, deployed, killed_or_wounded, …).",
               "MEASURE"),
    FilterSpec("source", ("--source",), "Who asserts the figure; aliases work ('NIS' is 'South Korea NIS').",
               "NAME"),
    FilterSpec("since", ("--since",), "Only figures holding on or after DATE (2025, 2025-06, 2025-06-16).",
               "DATE"),
    FilterSpec("until", ("--until",), "Only figures holding on or before DATE.", "DATE"),
    FilterSpec("outlet", ("--outlet",), "Only articles of this outlet.", "NAME"),
    FilterSpec("lang", ("--lang",), "Only articles in this language (de, en).", "CODE"),
    FilterSpec("q", ("--search", "-s"), "Full-text search in the quotes (words, or FTS5 syntax).", "WORDS"),
    FilterSpec("doc", ("--doc",), "Only this document (its file name, URL or id).", "DOC"),
)

FILTER_NAMES: tuple[str, ...] = tuple(s.name for s in FILTERS)


@dataclass(frozen=True, slots=True)
class Filters:
    """A set of filters; an unset one (None) does not narrow anything.

    ``reviewed`` keeps only claims an analyst has reviewed; ``rejected``
    also shows claims a review rejected (hidden from every view otherwise).
    """

    actor: str | None = None
    measure: str | None = None
    source: str | None = None
    since: str | None = None
    until: str | None = None
    outlet: str | None = None
    lang: str | None = None
    q: str | None = None
    doc: str | None = None
    reviewed: bool = False
    rejected: bool = False

    @classmethod
    def of(cls, **values: Any) -> Filters:
        """Filters from keyword arguments; empty strings count as unset, unknown names are an error."""
        known = {f.name for f in fields(cls)}
        unknown = set(values) - known
        if unknown:
            raise TypeError(f"unknown filter(s): {', '.join(sorted(unknown))}")
        clean = {k: (v.strip() if isinstance(v, str) else v) for k, v in values.items()}
        return cls(**{k: v for k, v in clean.items() if v not in (None, "")})

    def resolved(self) -> Filters:
        """The actor in canonical form, the measure in lower case, dates checked (FigtraceError names a bad one).

        A source is matched as given and in canonical form by :func:`claim_conditions`.
        """
        for name in ("since", "until"):
            value = getattr(self, name)
            if value is not None:
                period_bound(value, "start", name)
        return replace(
            self,
            actor=canonical_actor(self.actor) if self.actor else None,
            measure=self.measure.strip().lower() if self.measure else None,
        )

    def as_dict(self) -> dict[str, Any]:
        """The filters that are set (for links and messages)."""
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name) not in (None, False)}

    def without(self, *names: str) -> Filters:
        return replace(self, **{n: (False if n in ("reviewed", "rejected") else None) for n in names})

    def narrows(self, *ignore: str) -> bool:
        """Whether any filter besides ``ignore`` is set."""
        return any(k not in ignore for k in self.as_dict())

    def describe(self) -> str:
        """``actor=North Korea, since=2025-06`` for messages."""
        return ", ".join(f"{k}={v}" for k, v in self.as_dict().items()) or "no filters"


def period_bound(value: str, which: str, name: str) -> str:
    """``since``/``until`` accept any as-of form; since takes its first day, until its last."""
    try:
        p = parse_period(value)
    except PeriodError:
        p = None
    if p is None:
        raise FigtraceError(f"{name} {value!r} is not a date like 2025, 2025-06 or 2025-06-16")
    return (p.start if which == "start" else p.end).isoformat()


def fts_query(q: str) -> str:
    """Plain words are searched as words; FTS5 syntax passes through for those who use it."""
    if any(ch in q for ch in '"*():^') or any(t in ("AND", "OR", "NOT", "NEAR") for t in q.split()):
        return q
    return " ".join('"' + t.replace('"', "") + '"' for t in q.split())


def claim_conditions(f: Filters, *, current: bool = True, fts_joined: bool = False) -> tuple[list[str], list[Any]]:
    """SQL conditions over ``claims c JOIN documents d`` for resolved filters ``f``.

    Reviews are applied in the claims table itself (see :mod:`figtrace.store.reviews`),
    so the conditions read the reviewed values. ``fts_joined``: the query reads
    ``claims_fts`` joined on ``c.id`` (a search driven by the full-text index, see
    :data:`SEARCH_FROM`), so the search is a ``MATCH`` on it rather than a subquery
    that would collect every matching row first.
    """
    where: list[str] = []
    args: list[Any] = []
    if current:  # a rejected claim is not current (store/reviews.py): shown only when asked for
        where.append("(c.current = 1 OR c.rejected = 1)" if f.rejected else "c.current = 1")
    if f.reviewed:
        where.append("c.reviewed = 1")
    if f.measure:
        where.append("c.measure = ?")
        args.append(f.measure)
    # a name as stored, or its canonical form: a source the extractor named literally is found
    # by that name even where the knowledge base folds it into another ("General Staff")
    for name, canonical in (("actor", canonical_actor), ("source", canonical_source)):
        value = getattr(f, name)
        if value:
            where.append(f"c.{name} IN (?, ?)")
            args += [value, canonical(value)]
    if f.since:
        where.append("c.t_end >= ?")
        args.append(period_bound(f.since, "start", "since"))
    if f.until:
        where.append("c.t_start <= ?")
        args.append(period_bound(f.until, "end", "until"))
    if f.lang:
        where.append("coalesce(c.lang, d.lang) = ?")
        args.append(f.lang)
    if f.outlet:
        where.append("c.outlet = ? COLLATE NOCASE")
        args.append(f.outlet)
    if f.doc:
        where.append("(d.id = ? OR d.name = ? OR d.url = ?)")
        args += [f.doc, f.doc, f.doc]
    if f.q:
        where.append("claims_fts MATCH ?" if fts_joined else
                     "c.id IN (SELECT rowid FROM claims_fts WHERE claims_fts MATCH ?)")
        args.append(fts_query(f.q))
    return where, args


def needs_documents(f: Filters) -> bool:
    """Whether the conditions of ``f`` read the documents table (``d``); counts skip the join otherwise."""
    return bool(f.lang or f.doc)


#: ``FROM`` of a search: the full-text index drives the query in its own (rowid) order, so a page
#: of the newest matches is read without collecting, let alone sorting, every match.
SEARCH_FROM = " FROM claims_fts JOIN claims c ON c.id = claims_fts.rowid JOIN documents d ON d.id = c.doc_id"


def where_sql(conditions: list[str]) -> str:
    return (" WHERE " + " AND ".join(conditions)) if conditions else ""


# -- the command line -------------------------------------------------------


def filter_options(*, skip: tuple[str, ...] = (), required: tuple[str, ...] = ()) -> Callable[[Any], Any]:
    """Add every filter of :data:`FILTERS` as a click option; the command receives ``filters: Filters``.

    ``required`` names filters a view cannot do without (a timeline needs an
    actor and a measure); ``skip`` leaves some out.
    """

    def deco(f: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(f)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            values = {name: kwargs.pop(name, None) for name in FILTER_NAMES}
            if "reviewed" in kwargs:
                values["reviewed"] = kwargs.pop("reviewed")
            filters = Filters.of(**values)
            try:
                filters = filters.resolved()
            except FigtraceError as e:
                raise click.UsageError(str(e)) from None
            return f(*args, filters=filters, **kwargs)

        for spec in reversed(FILTERS):
            if spec.name in skip:
                continue
            wrapper = click.option(*spec.flags, spec.name, metavar=spec.metavar, help=spec.help,
                                   required=spec.name in required)(wrapper)
        return wrapper

    return deco


class FilteredLedger:
    """A ledger seen through filters: every view method narrows by them (the report and dashboard use it).

    Filters given to a call win over the fixed ones; a timeline's own actor and
    measure always win, so the report's reinforcement lane still works under
    ``--measure deployed``.
    """

    def __init__(self, ledger: Any, filters: Filters):
        self.ledger = ledger
        self.filters = filters
        self._base = filters.as_dict()

    def _with(self, kwargs: dict[str, Any], *drop: str) -> dict[str, Any]:
        base = {k: v for k, v in self._base.items() if k not in drop}
        return {**base, **{k: v for k, v in kwargs.items() if v is not None}}

    def claims(self, **kwargs: Any) -> list[dict[str, Any]]:
        return self.ledger.claims(**self._with(kwargs))  # type: ignore[no-any-return]

    def count_claims(self, **kwargs: Any) -> int:
        return self.ledger.count_claims(**self._with(kwargs))  # type: ignore[no-any-return]

    def claim(self, id: int) -> dict[str, Any] | None:
        return self.ledger.claim(id)  # type: ignore[no-any-return]

    def timeline(self, actor: str, measure: str, **kwargs: Any) -> Any:
        return self.ledger.timeline(actor, measure, **self._with(kwargs, "actor", "measure"))

    def metrics(self, **kwargs: Any) -> list[dict[str, Any]]:
        return self.ledger.metrics(**self._with(kwargs))  # type: ignore[no-any-return]

    def sources(self, **kwargs: Any) -> list[dict[str, Any]]:
        return self.ledger.sources(**self._with(kwargs))  # type: ignore[no-any-return]

    def documents(self, **kwargs: Any) -> list[dict[str, Any]]:
        return self.ledger.documents(**self._with(kwargs))  # type: ignore[no-any-return]

    def conflicts(self, *, factor: float = 2.0, **kwargs: Any) -> list[Any]:
        return self.ledger.conflicts(factor=factor, **self._with(kwargs))  # type: ignore[no-any-return]

    def __getattr__(self, name: str) -> Any:
        return getattr(self.ledger, name)
