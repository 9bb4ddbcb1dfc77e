"""Remember expensive views until the ledger file changes.

Conflict checks compare every pair of points and take about a second on a
few thousand claims; the dashboard is read-only, so their result only goes
stale when an ingest writes. The key is the ledger's file signature (size
and modification time of the database and its write-ahead log).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")

#: Entries kept per ledger version; old versions are dropped whole.
MAX_ENTRIES = 128


class Memo:
    def __init__(self, db: str | Path | None):
        self.files = [Path(db), Path(f"{db}-wal")] if db is not None else []
        self._lock = threading.Lock()
        self._version: tuple[Any, ...] | None = None
        self._data: dict[Hashable, Any] = {}
        self._computing: dict[Hashable, threading.Lock] = {}

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

    def get(self, key: Hashable, compute: Callable[[], T]) -> T:
        """``compute()``'s result, reused while the ledger is unchanged.

        Concurrent callers of one key wait for the first one's result instead
        of all computing it (a burst of requests must not multiply the work).
        """
        version = self.version()
        if version is None:
            return compute()
        with self._lock:
            if version != self._version:
                self._version, self._data = version, {}
            if key in self._data:
                return self._data[key]  # type: ignore[no-any-return]
            gate = self._computing.setdefault(key, threading.Lock())
        with gate:
            with self._lock:
                if version == self._version and key in self._data:
                    return self._data[key]  # type: ignore[no-any-return]
            value = compute()
            with self._lock:
                if version == self._version and len(self._data) < MAX_ENTRIES:
                    self._data[key] = value
                self._computing.pop(key, None)
        return value
