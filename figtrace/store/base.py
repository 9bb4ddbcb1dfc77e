"""The ledger's connection: opening (and migrating) the SQLite file, closing it."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Self

from figtrace.errors import FigtraceError
from figtrace.store import db


class LedgerBase:
    """An open ledger file; :class:`~figtrace.store.Ledger` adds writing and reading to it."""

    def __init__(self, path: str | Path = "figtrace.db", *, readonly: bool = False):
        self.path = str(path)
        self.readonly = readonly
        self._conn: sqlite3.Connection | None = db.connect(self.path, readonly=readonly)
        try:
            db.migrate(self._conn, self.path, readonly=readonly)
        except BaseException:
            self.close()
            raise

    # -- lifecycle ---------------------------------------------------------
    @property
    def conn(self) -> sqlite3.Connection:
        if self._conn is None:
            raise FigtraceError(f"the ledger {self.path} is closed")
        return self._conn

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.path!r}{', readonly=True' if self.readonly else ''})"

