"""The claims ledger: documents, segments, claims and sources in one SQLite file.

The class is split along its jobs, one module each:

- :mod:`figtrace.store.base`: opening, migrating and closing the file;
- :mod:`figtrace.store.writing`: storing documents with their claims, overview counts;
- :mod:`figtrace.store.clustering`: the cluster ids of figures printed by several outlets;
- :mod:`figtrace.store.findings`: consistency findings, computed at write time and paged;
- :mod:`figtrace.store.queries`: claims, timelines, sources, documents.

The ledger stores results and answers queries; it reads no files and runs
no engine (:mod:`figtrace.scale.sink` feeds it from every road).
"""

from __future__ import annotations

from figtrace.store.findings import Findings
from figtrace.store.queries import _SELECT_CLAIMS, _SELECT_TIMELINE, Queries
from figtrace.store.writing import IngestAborted, IngestSummary, InvalidClaim, Writing

__all__ = ["_SELECT_CLAIMS", "_SELECT_TIMELINE", "IngestAborted", "IngestSummary", "InvalidClaim", "Ledger"]


class Ledger(Writing, Findings, Queries):
    """The claims ledger in one SQLite file (``figtrace.db`` by default)."""
