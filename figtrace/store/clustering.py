"""Clustering in the ledger: the same figure printed by several outlets shares one cluster id.

Which claims merge is decided by :mod:`figtrace.reconcile.clusters` (pure
functions); this module applies it to the rows of the merge keys a new
document touched, inside the writer's transaction.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

from figtrace.reconcile.clusters import assign_clusters


def recluster(conn: sqlite3.Connection, keys: Iterable[str]) -> None:
    """Recompute the clusters of the merge keys a new document touched."""
    for key in keys:
        rows = conn.execute(
            "SELECT id, ckey, as_of, published, cluster FROM claims WHERE ckey = ?", (key,)).fetchall()
        new = assign_clusters(dict(r) for r in rows)
        changed = [(new[r["id"]], r["id"]) for r in rows if r["cluster"] != new[r["id"]]]
        conn.executemany("UPDATE claims SET cluster = ? WHERE id = ?", changed)
