"""Source aliases for queries, from the knowledge base (:mod:`figtrace.kb`, the one loader of ``kb/``).

The ledger stores canonical source names as the extractor gives them; the
aliases only help users: ``--source NIS`` finds ``South Korea NIS``, and
``figtrace sources`` lists what each name is also called.
"""

from __future__ import annotations

import re
from functools import lru_cache

from figtrace.kb import get_kb


@lru_cache(maxsize=1)
def load_aliases() -> dict[str, list[str]]:
    """Canonical source name → every alias the knowledge base lists for it (empty when it cannot load)."""
    from figtrace.errors import FigtraceError

    try:
        kb = get_kb()
    except FigtraceError:
        return {}
    return {name: kb.source_aliases(name) for name in kb.sources}


def canonical_source(name: str, aliases: dict[str, list[str]] | None = None) -> str:
    """The canonical name for ``name`` (itself when it is no known alias)."""
    if aliases is None:
        return _canonical_known("source", name)
    return _canonical(name, aliases)


@lru_cache(maxsize=4096)
def _canonical_known(kind: str, name: str) -> str:
    """:func:`_canonical` over the knowledge base's own tables, remembered: every filtered request
    names an actor or source, and matching every alias pattern took about 10 ms per name."""
    return _canonical(name, load_aliases() if kind == "source" else _actor_aliases())


def _canonical(name: str, table: dict[str, list[str]]) -> str:
    folded = name.strip().casefold()
    # a canonical name first, then a literal alias, then a pattern ("ukrainisch*" must not
    # turn "Ukrainian General Staff" into another Ukrainian body)
    for canon in table:
        if canon.casefold() == folded:
            return canon
    for canon, names in table.items():
        if any(a.casefold() == folded for a in names):
            return canon
    for canon, names in table.items():
        if any(_alias_matches(a, folded) for a in names):
            return canon
    return name


def _alias_matches(alias: str, folded: str) -> bool:
    """An alias ending a word in "*" matches any inflection of it ("südkoreanisch*")."""
    pattern = re.escape(alias.casefold()).replace(r"\*", r"\w*")
    return re.fullmatch(pattern, folded) is not None


@lru_cache(maxsize=1)
def _actor_aliases() -> dict[str, list[str]]:
    """Canonical actor → every alias in every language (empty when the knowledge base cannot load)."""
    from figtrace.errors import FigtraceError
    from figtrace.kb import get_kb

    try:
        kb = get_kb()
    except FigtraceError:
        return {}
    return {name: [a for names in e.aliases.values() for a in names] for name, e in kb.actors.items()}


def canonical_actor(name: str) -> str:
    """The canonical actor for ``name`` in any language the knowledge base knows ("Nordkorea" → "North Korea").

    A name the knowledge base does not know is returned as given, so actors the
    extractor named on its own can still be asked for.
    """
    return _canonical_known("actor", name)
