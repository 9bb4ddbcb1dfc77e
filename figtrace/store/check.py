"""``figtrace check``: is the ledger file sound, and if not, what can be saved from it.

A ledger can be damaged by what SQLite cannot protect against (a disk that
lies about flushes, a copy taken mid-write, a byte flipped on the way). Every
reader then says "the ledger file is damaged: run `figtrace check`"
(:mod:`figtrace.store.db`); this is that command:

1. SQLite's own ``PRAGMA integrity_check`` (every page, index and constraint);
2. for each table that holds evidence, how many rows can still be read,
   skipping over damaged pages (a row-by-row walk by rowid that jumps ahead
   when a page cannot be read);
3. with ``--recover-to NEW.db`` (the command and the re-extraction live in
   :mod:`figtrace.scale`: the store runs no engine): every readable document is re-extracted and
   stored in a new ledger. Documents are the evidence (their text, URL, outlet
   and date); claims, clusters, search and overview are derived from them, so a
   ledger rebuilt from its documents is whole again.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from figtrace.errors import InputError
from figtrace.model import PUBLISHED_ORIGIN, Document

#: Problems listed from the integrity check (SQLite can report millions).
MAX_PROBLEMS = 20
#: Tables whose rows are evidence or were typed by a person; the rest are derived.
EVIDENCE_TABLES: tuple[tuple[str, str], ...] = (
    ("documents", "articles with their text"),
    ("claims", "extracted figures (re-extracted from the documents on recovery)"),
    ("sources", "source names"),
)
#: Rowids looked up one by one past damage when the table's largest rowid is unreadable too.
_MAX_BLIND_PROBES = 100_000


@dataclass(slots=True)
class TableCount:
    """How many rows of one table SQLite says it has, and how many could be read."""

    table: str
    about: str
    stored: int | None  # None: even counting failed
    readable: int
    unreadable: int = 0  # rows found but not readable (a damaged first page counts as one)


@dataclass(slots=True)
class CheckReport:
    path: str
    problems: list[str] = field(default_factory=list)
    tables: list[TableCount] = field(default_factory=list)
    schema_version: int | None = None

    @property
    def ok(self) -> bool:
        return not self.problems

    def lines(self) -> list[str]:
        """The report for a person, one finding a line."""
        if self.ok:
            counts = ", ".join(f"{t.readable} {t.table}" for t in self.tables)
            return [f"{self.path}: ok (SQLite integrity check passed; {counts}; schema version "
                    f"{self.schema_version})"]
        out = [f"{self.path}: the ledger file is damaged; SQLite's integrity check found:"]
        out += [f"  - {p}" for p in self.problems[:MAX_PROBLEMS]]
        if len(self.problems) > MAX_PROBLEMS:
            out.append(f"  - … and more (first {MAX_PROBLEMS} shown)")
        out.append("What can still be read:")
        for t in self.tables:
            stored = "unknown" if t.stored is None else str(t.stored)
            skipped = f", {t.unreadable} found but unreadable" if t.unreadable else ""
            out.append(f"  {t.table}: {t.readable} readable of {stored} stored ({t.about}){skipped}")
        docs = next((t for t in self.tables if t.table == "documents"), None)
        if docs is not None and docs.readable:
            out.append(f"Recover: `figtrace check --db {self.path} --recover-to NEW.db` re-extracts the "
                       f"{docs.readable} readable documents into a new ledger (this file is not changed).")
        else:
            out.append("No document can be read: restore the ledger from a backup, or ingest the articles "
                       "again into a new ledger.")
        return out

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "ok": self.ok, "problems": self.problems[:MAX_PROBLEMS],
                "schema_version": self.schema_version,
                "tables": [{"table": t.table, "stored": t.stored, "readable": t.readable,
                            "unreadable": t.unreadable} for t in self.tables]}


def _open_raw(path: Path) -> sqlite3.Connection:
    """A plain read-only connection: the raw SQLite errors are what this command reports on."""
    from figtrace.store.db import LedgerError, _check_header

    if not path.exists():
        raise LedgerError(f"no ledger at {path}")
    _check_header(path)
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, isolation_level=None)
    conn.execute("PRAGMA cell_size_check = ON")
    return conn


def readable_rows(conn: sqlite3.Connection, table: str, columns: str = "*") -> Iterator[tuple[Any, ...] | None]:
    """Every row of ``table`` SQLite can still read, in rowid order, skipping damaged pages.

    Yields ``(rowid, *columns)`` per readable row and ``None`` per rowid that
    exists but cannot be read. A scan runs until it hits damage; from there
    each rowid is looked up on its own (a lookup descends the tree by another
    path than the scan) until one reads again, then scanning resumes.
    """
    hi = _max_rowid(conn, table)
    last = 0
    while True:
        try:
            for row in conn.execute(f"SELECT rowid, {columns} FROM {table} WHERE rowid > ? ORDER BY rowid",
                                    (last,)):
                last = row[0]
                yield row
            return
        except sqlite3.DatabaseError:
            pass
        probe, misses = last + 1, 0
        while hi is None or probe <= hi:
            try:
                row = conn.execute(f"SELECT rowid, {columns} FROM {table} WHERE rowid = ?", (probe,)).fetchone()
            except sqlite3.DatabaseError:
                yield None
                row = None
            if row is not None:
                last = probe
                yield row
                break
            probe += 1
            misses += 1
            if hi is None and misses > _MAX_BLIND_PROBES:
                return
        else:
            return


def _max_rowid(conn: sqlite3.Connection, table: str) -> int | None:
    try:
        got = conn.execute(f"SELECT max(rowid) FROM {table}").fetchone()[0]
        return int(got) if got is not None else 0
    except sqlite3.DatabaseError:
        return None


def check_ledger(path: str | Path) -> CheckReport:
    """Run SQLite's integrity check and count what can be read from each evidence table."""
    p = Path(path)
    report = CheckReport(str(path))
    conn = _open_raw(p)
    try:
        try:
            report.schema_version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        except sqlite3.DatabaseError as e:
            report.problems.append(f"cannot read the header: {e}")
        try:
            rows = conn.execute(f"PRAGMA integrity_check({MAX_PROBLEMS + 1})").fetchall()
            found = [line.strip() for r in rows for line in str(r[0]).splitlines()
                     if line.strip() and line.strip() != "ok" and not line.startswith("***")]
        except sqlite3.DatabaseError as e:
            found = [str(e)]
        report.problems.extend(found)
        for table, about in EVIDENCE_TABLES:
            try:
                stored: int | None = int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
            except sqlite3.DatabaseError:
                stored = None
            readable = damaged = 0
            try:
                for row in readable_rows(conn, table, "1"):
                    if row is None:
                        damaged += 1
                    else:
                        readable += 1
            except sqlite3.DatabaseError:  # even the first page of the table
                damaged += 1
            if damaged and not report.problems:
                report.problems.append(f"{table}: rows that cannot be read")
            report.tables.append(TableCount(table, about, stored, readable, damaged))
    finally:
        conn.close()
    return report


_DOC_COLUMNS = "id, name, url, title, outlet, published, published_inferred, lang, text, meta"


def readable_documents(path: str | Path) -> Iterator[Document | InputError]:
    """The documents that can still be read from a (damaged) ledger, as they were stored."""
    conn = _open_raw(Path(path))
    try:
        for row in readable_rows(conn, "documents", _DOC_COLUMNS):
            if row is None:
                yield InputError(f"{path}#documents", "a stored document cannot be read (damaged page)")
                continue
            _rowid, doc_id, name, url, title, outlet, published, inferred, lang, text, meta = row
            if not isinstance(text, str) or not text:
                yield InputError(f"{path}#{name}", "the stored text cannot be read")
                continue
            try:
                meta_d = json.loads(meta) if meta else {}
            except ValueError:
                meta_d = {}
            meta_d = meta_d if isinstance(meta_d, dict) else {}
            yield Document(text=text, name=name or doc_id, url=url, title=title, outlet=outlet,
                           published=published, published_inferred=bool(inferred), lang=lang, meta=meta_d,
                           published_from=PUBLISHED_ORIGIN.get(str(meta_d.get("published_source"))) if published
                           else None)
    finally:
        conn.close()
