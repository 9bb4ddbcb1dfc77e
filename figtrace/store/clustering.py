"""Clustering in the ledger: the same figure printed by several outlets shares one cluster id.

Which claims merge is decided by :mod:`figtrace.reconcile.clusters` (pure
functions: connected components of merge periods per merge key). This module
keeps the stored cluster ids equal to those components *incrementally*, inside
the writer's transaction, touching only the clusters a change can reach.

Why it can: each claim stores its merge period (``m_start``/``m_end``, ISO
days; NULL for a claim without any date), and the stored clusters of one key
are always its components. Components of one key, in start order, are
separated by more than ``MERGE_GAP_DAYS``, so their ends rise with their
starts, and a new claim joins exactly the contiguous run of components whose
span ``[first start, last end]`` comes within the gap of its period. That run
is found by walking the ``claims_merge`` index (key, start) backwards from the
new claim's end, one component at a time, and stopping at the first component
that ends too early. Only the members of those components are read and
relabelled. A claim leaving a key (a review changes its source) can only split
its old component, so that one component is recomputed. Undated claims of a
key form one component whose id needs no lookup.

Cost per new claim: a few index probes plus the size of the clusters it joins,
whatever the ledger's size (bench/bench_ledger.py measures it at 1,000,000 claims).
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from figtrace.periods import Period
from figtrace.reconcile.clusters import cluster_id, components, merge_period
from figtrace.reconcile.settings import MERGE_GAP_DAYS

_GAP = dt.timedelta(days=MERGE_GAP_DAYS)


def merge_bounds(as_of: str | None, published: str | None) -> tuple[str | None, str | None]:
    """The ``(m_start, m_end)`` stored on a claim: its merge period as ISO days, or ``(None, None)``."""
    p = merge_period(as_of, published)
    return (p.start.isoformat(), p.end.isoformat()) if p is not None else (None, None)


def _period(start: str | None, end: str | None) -> Period | None:
    if start is None or end is None:
        return None
    return Period(dt.date.fromisoformat(start), dt.date.fromisoformat(end))


def _labels(key: str, items: list[tuple[int, Period | None]]) -> dict[int, str]:
    """Cluster id per claim id for one key's claims (the rule of :func:`assign_clusters`)."""
    periods = dict(items)
    out: dict[int, str] = {}
    for comp in components(items):
        starts = [periods[i].start for i in comp if periods[i] is not None]  # type: ignore[union-attr]
        first = min(starts).isoformat() if starts else "undated"
        cid = cluster_id(key, first)
        for i in comp:
            out[i] = cid
    return out


def _adjacent_clusters(conn: sqlite3.Connection, key: str, start: dt.date, end: dt.date) -> set[str]:
    """The stored clusters of ``key`` whose span comes within the merge gap of ``[start, end]``.

    Walks components from the last one starting before ``end + gap`` backwards
    while they end no earlier than ``start - gap``; claims without a cluster
    yet (the ones being added) are stepped over.
    """
    hi, lo = (end + _GAP).isoformat(), (start - _GAP).isoformat()
    found: set[str] = set()
    bound, strict = hi, False
    while True:
        op = "<" if strict else "<="
        row = conn.execute(
            f"SELECT cluster FROM claims INDEXED BY claims_merge WHERE ckey = ? AND m_start {op} ? "
            "AND cluster IS NOT NULL ORDER BY m_start DESC LIMIT 1", (key, bound)).fetchone()
        if row is None:
            return found
        cid = row[0]
        first, last = conn.execute(
            "SELECT min(m_start), max(m_end) FROM claims INDEXED BY claims_cluster WHERE cluster = ?",
            (cid,)).fetchone()
        if last is None or last < lo:
            return found
        found.add(cid)
        bound, strict = first, True


def recluster_claims(conn: sqlite3.Connection, ids: Iterable[int],
                     old_clusters: Iterable[str | None] = ()) -> list[int]:
    """Bring the clusters up to date after the claims ``ids`` were added or re-keyed; returns the other
    claims whose cluster changed (none: the stored clusters only gained members or new clusters began),
    so a caller redoes what depends on those claims' clusters and nothing else.

    The claims must already be stored with their current ``ckey`` and merge
    bounds. ``old_clusters`` are the clusters re-keyed claims belonged to
    before (those may split). Equivalent to clustering every claim from
    scratch (tests/test_store_clustering.py checks it).
    """
    ids = list(ids)
    if not ids:
        return []
    rows: dict[int, tuple[str, str | None, str | None, str | None]] = {}
    for chunk in range(0, len(ids), 500):
        part = ids[chunk:chunk + 500]
        marks = ",".join("?" * len(part))
        for r in conn.execute(f"SELECT id, ckey, m_start, m_end, cluster FROM claims WHERE id IN ({marks})", part):
            rows[r[0]] = (r[1], r[2], r[3], r[4])
    affected = {c for c in old_clusters if c is not None}
    former = {cl for _, _, _, cl in rows.values() if cl is not None}  # re-keyed claims' clusters: may split
    if former:
        affected |= former
        # the walk steps over the changed claims (cluster NULL): they are placed afresh below
        conn.executemany("UPDATE claims SET cluster = NULL WHERE id = ?", [(i,) for i in rows])
    for key, start, end, _ in rows.values():
        if start is not None and end is not None:
            affected |= _adjacent_clusters(conn, key, dt.date.fromisoformat(start), dt.date.fromisoformat(end))
    members: dict[int, tuple[str, str | None, str | None, str | None]] = dict(rows)
    for cid in affected:
        for r in conn.execute("SELECT id, ckey, m_start, m_end, cluster FROM claims WHERE cluster = ?", (cid,)):
            members.setdefault(r[0], (r[1], r[2], r[3], r[4]))
    by_key: dict[str, list[tuple[int, Period | None]]] = defaultdict(list)
    for i, (key, start, end, _) in members.items():
        by_key[key].append((i, _period(start, end)))
    changed: list[tuple[str, int]] = []
    for key, items in by_key.items():
        for i, cid in _labels(key, items).items():
            before = members[i][3]
            if i in rows or before != cid:
                changed.append((cid, i))
    conn.executemany("UPDATE claims SET cluster = ? WHERE id = ?", changed)
    # claims other than ``ids`` whose cluster changed: clusters merged, split or renamed
    return [i for cid, i in changed if i not in rows and members[i][3] != cid]


def recluster_all(conn: sqlite3.Connection, *, fill_bounds: bool = False, chunk: int = 20_000) -> int:
    """Recompute every cluster from scratch, key by key (the migration); returns rows whose cluster changed.

    With ``fill_bounds`` the merge bounds are first computed from each claim's
    as-of and publication date. Both passes stream (``chunk`` rows at a time,
    one key at a time), so memory stays flat on a ledger of millions of claims.
    """
    if fill_bounds:
        last = 0
        while True:
            part = conn.execute("SELECT id, as_of, published FROM claims WHERE id > ? ORDER BY id LIMIT ?",
                                (last, chunk)).fetchall()
            if not part:
                break
            conn.executemany("UPDATE claims SET m_start = ?, m_end = ? WHERE id = ?",
                             [(*merge_bounds(r[1], r[2]), r[0]) for r in part])
            last = part[-1][0]
    changed: list[tuple[str, int]] = []
    key: str | None = None
    items: list[tuple[int, Period | None]] = []
    stored: dict[int, Any] = {}

    def flush() -> None:
        if key is not None:
            changed.extend((cid, i) for i, cid in _labels(key, items).items() if stored[i] != cid)

    for r in conn.execute("SELECT id, ckey, m_start, m_end, cluster FROM claims INDEXED BY claims_merge "
                          "ORDER BY ckey"):
        if r[1] != key:
            flush()
            key, items, stored = r[1], [], {}
        items.append((r[0], _period(r[2], r[3])))
        stored[r[0]] = r[4]
    flush()
    conn.executemany("UPDATE claims SET cluster = ? WHERE id = ?", changed)
    return len(changed)
