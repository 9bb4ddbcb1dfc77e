"""Same-claim clusters: one figure from one source, however many outlets printed it.

Two claims are the same claim when they share source, actor, measure, item,
group and value class and their as-of periods overlap (design.md, "Reconciliation
rules"), or nearly: see ``MERGE_GAP_DAYS``. Overlap is not transitive, so a cluster is a connected component of
the overlap graph: on intervals that is one sweep in start order.

Cluster ids are a hash of the key and the component's first day, so they do
not depend on the order documents were ingested in.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from figtrace.periods import Period, published_period, try_parse_period
from figtrace.reconcile.settings import MERGE_GAP_DAYS, UNDATED_WINDOW_DAYS
from figtrace.reconcile.values import value_class


def effective_period(as_of: str | None, published: str | None) -> tuple[Period | None, str]:
    """The period a claim is ordered by, and on what basis (``as_of``, ``published`` or ``none``)."""
    p = try_parse_period(as_of)
    if p is not None:
        return p, "as_of"
    p = published_period(published)
    if p is not None:
        return p, "published"
    return None, "none"


def merge_period(as_of: str | None, published: str | None) -> Period | None:
    """The period used for merging: an undated claim held some time before it was printed."""
    p, basis = effective_period(as_of, published)
    if p is None or basis == "as_of":
        return p
    return Period(p.start - dt.timedelta(days=UNDATED_WINDOW_DAYS), p.end)


def claim_key(c: Mapping[str, Any]) -> str:
    """The merge key without the as-of part; stored so a key's claims are one index lookup."""
    parts = (
        str(c.get("source") or "unattributed").casefold(),
        str(c.get("actor") or "").casefold(),
        str(c.get("measure") or "").casefold(),
        value_class(c.get("qualifier"), float(c["value"]), c.get("low"), c.get("high")),
    )
    # what is counted beyond the measure; absent parts leave the key of older ledgers unchanged.
    # Scope is left out: outlets reprinting one figure state it or not ("bislang"), and an
    # unknown scope would split the same figure in two.
    details = tuple(f"{k}={c[k]}".casefold() for k in ("item", "group") if c.get(k))
    parts += details
    return hashlib.sha1("|".join(parts).encode("utf-8")).hexdigest()[:16]


def cluster_id(key: str, first_day: str) -> str:
    """A component's id: its key and first day, so it does not depend on the order claims arrived in."""
    return "c" + hashlib.sha1(f"{key}|{first_day}".encode()).hexdigest()[:11]


def components(items: list[tuple[Any, Period | None]], gap: int = MERGE_GAP_DAYS) -> list[list[Any]]:
    """Connected components of periods at most ``gap`` days apart; all undated items form one component."""
    dated = sorted(((p, i) for i, p in items if p is not None), key=lambda t: (t[0].start, t[0].end))
    undated = [i for i, p in items if p is None]
    out: list[list[Any]] = []
    current: list[Any] = []
    end: dt.date | None = None
    for p, i in dated:
        if end is not None and (p.start - end).days <= gap:
            current.append(i)
            end = max(end, p.end)
        else:
            if current:
                out.append(current)
            current, end = [i], p.end
    if current:
        out.append(current)
    if undated:
        out.append(undated)
    return out


def assign_clusters(claims: Iterable[Mapping[str, Any]]) -> dict[Any, str]:
    """Cluster id per claim ``id``. Claims need ``id``, the key fields, ``as_of`` and ``published``."""
    by_key: dict[str, list[tuple[Any, Period | None]]] = defaultdict(list)
    for c in claims:
        period = merge_period(c.get("as_of"), c.get("published"))
        by_key[c.get("ckey") or claim_key(c)].append((c["id"], period))
    result: dict[Any, str] = {}
    for key, items in by_key.items():
        periods = dict(items)
        for comp in components(items):
            starts = [periods[i].start for i in comp if periods[i] is not None]
            first = min(starts).isoformat() if starts else "undated"
            cid = cluster_id(key, first)
            for i in comp:
                result[i] = cid
    return result
