"""Remember expensive views, and refresh them in the background when the ledger changes.

The overview, the filter choices and the consistency findings each read much
of the ledger. The dashboard is read-only, so a view only goes stale when an
ingest writes; the key is the ledger's file signature (size and modification
time of the database and its write-ahead log).

During an ingest the signature changes with every document. Recomputing on
every change would make each request pay for a whole-ledger view, so a
request is answered from the last value computed (stale by at most
``REFRESH_EVERY_S`` plus the time a refresh takes) while one background thread
per view computes the new one. Only the very first request for a view
computes it in place, within its request budget.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from figtrace.web.budget import DEADLINE, OverBudget

T = TypeVar("T")

#: Views kept (least recently used dropped first). A timeline page (chart and claims) is 0.1-0.5 MB;
#: 128 entries were fewer than the load test's pairs with their pages and API views, so entries were
#: dropped before their next request and charts redrawn again and again.
MAX_ENTRIES = 512
#: Least seconds between two background refreshes of one view while the ledger keeps changing.
REFRESH_EVERY_S = 10.0


@dataclass(slots=True)
class _Entry:
    version: tuple[Any, ...]
    value: Any
    at: float


class Memo:
    def __init__(self, db: str | Path | None, refresh_every: float = REFRESH_EVERY_S):
        self.files = [Path(db), Path(f"{db}-wal")] if db is not None else []
        self.refresh_every = refresh_every
        self._lock = threading.Lock()
        self._data: OrderedDict[Hashable, _Entry] = OrderedDict()
        self._computing: dict[Hashable, threading.Lock] = {}
        self._refreshing: set[Hashable] = set()

    def version(self) -> tuple[Any, ...] | None:
        if not self.files:
            return None
        sig = []
        for f in self.files:
            try:
                st = f.stat()
                sig.append((st.st_mtime_ns, st.st_size))
            except FileNotFoundError:
                sig.append(None)
        return tuple(sig)

    def get(self, key: Hashable, compute: Callable[[], T], version: Hashable | None = None) -> T:
        """``compute()``'s result: current if remembered, else the last one while a refresh runs.

        ``version`` is what the value depends on when the caller can say it more
        narrowly than the ledger file (one pair's claims: a chart is then not
        redrawn because an ingest wrote about another actor); by default, the
        file's signature. Concurrent callers of one key wait for the first one's
        result instead of all computing it (a burst of requests must not multiply
        the work).
        """
        if not self.files:
            return compute()
        signature: tuple[Any, ...] = (self.version() or ()) if version is None else (version,)
        now = time.monotonic()
        with self._lock:
            entry = self._data.get(key)
            if entry is not None:
                self._data.move_to_end(key)
                if entry.version != signature and key not in self._refreshing \
                        and now - entry.at >= self.refresh_every:
                    self._refreshing.add(key)
                    threading.Thread(target=self._refresh, args=(key, compute, signature), daemon=True,
                                     name=f"figtrace-refresh-{key!s:.40}").start()
                return entry.value  # type: ignore[no-any-return]
            gate = self._computing.setdefault(key, threading.Lock())
        # wait for another request computing this view, but only as long as this request may
        deadline = DEADLINE.get()
        wait = -1 if deadline is None else max(0.0, deadline - time.monotonic())
        if not gate.acquire(timeout=wait):
            raise OverBudget("this view of the ledger is still being computed for another request; "
                             "try again in a moment")
        try:
            with self._lock:
                entry = self._data.get(key)
                if entry is not None:
                    return entry.value  # type: ignore[no-any-return]
            # shared work: not bound by this request's deadline (if the request gives up, the
            # result is still stored for the next one)
            token = DEADLINE.set(None)
            try:
                value = compute()
            finally:
                DEADLINE.reset(token)
            self._store(key, signature, value)
        finally:
            gate.release()
            with self._lock:
                if self._computing.get(key) is gate:
                    self._computing.pop(key, None)
        return value

    def _store(self, key: Hashable, version: tuple[Any, ...], value: Any) -> None:
        with self._lock:
            self._data[key] = _Entry(version, value, time.monotonic())
            self._data.move_to_end(key)
            while len(self._data) > MAX_ENTRIES:
                self._data.popitem(last=False)

    def _refresh(self, key: Hashable, compute: Callable[[], Any], version: tuple[Any, ...]) -> None:
        """Recompute one view for the ledger as it is now; on failure keep the old value.

        ``version`` was read before the computation starts, so a write during it
        leaves the value marked old and the next request refreshes it again."""
        try:
            value = compute()
            self._store(key, version, value)
        except Exception:  # the next request will try again (and show its own error if it fails)
            with self._lock:
                entry = self._data.get(key)
                if entry is not None:
                    entry.at = time.monotonic()
        finally:
            with self._lock:
                self._refreshing.discard(key)
