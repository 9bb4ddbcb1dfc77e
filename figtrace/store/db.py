"""Opening a ledger file safely: WAL, busy timeout, migrations, clear errors.

Everything that can go wrong with the file itself (not a SQLite file, from a
newer figtrace, read-only, disk full, locked) is turned into one
:class:`LedgerError` whose message names the file and says what to do.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from figtrace.errors import FigtraceError
from figtrace.store.schema import MIGRATIONS, OWN_TABLES, SCHEMA_VERSION

#: How long a writer waits for another process's transaction before giving
#: up. One document is one short transaction, so 30 s means something is
#: wrong (a stuck process), not ordinary contention.
BUSY_TIMEOUT_S: float = 30.0

#: Memory map and page cache per connection: a 1,000,000-claim ledger is ~600 MB.
#: Readers map it whole (timelines read scattered rows); a writer maps little, so a
#: long ingest's resident memory stays bounded whatever the ledger's size (BENCHMARKS.md).
MMAP_BYTES = 1 << 30
WRITER_MMAP_BYTES = 32 << 20
CACHE_KIB = 64 * 1024

_SQLITE_HEADER = b"SQLite format 3\x00"


class LedgerError(FigtraceError):
    """The ledger file cannot be used as asked; the message names the file."""


class LedgerDamaged(LedgerError, sqlite3.DatabaseError):
    """SQLite found the file corrupt. Also a ``sqlite3.DatabaseError``, so code that
    handles database errors still does; every reader shows the same message."""


class QueryInterrupted(LedgerError):
    """A query stopped by its caller's progress handler (a dashboard request out of time)."""


def damaged_message(path: str | Path, detail: str = "") -> str:
    """What every command and page says about a corrupt ledger file."""
    why = f" ({path}: {detail})" if detail else f" ({path})"
    return f"the ledger file is damaged: run `figtrace check --db {path}` to see what can be recovered{why}"


def is_damage(e: BaseException) -> bool:
    """Whether a SQLite error means the file itself is corrupt (not a busy lock or a bad query)."""
    if isinstance(e, LedgerDamaged):
        return True
    if not isinstance(e, sqlite3.DatabaseError):
        return False
    name = getattr(e, "sqlite_errorname", "") or ""
    text = str(e)
    return (name.startswith("SQLITE_CORRUPT") or name == "SQLITE_NOTADB" or "malformed" in text
            or "file is not a database" in text or "database corruption" in text)


#: Times a read that SQLite calls corrupt is tried again before the file is called damaged, and the
#: first pause. Under a concurrent ingest a read-only connection was measured to meet "database disk
#: image is malformed" now and then on a sound file (``figtrace check`` passed after every such run,
#: bench/load_test.py); a damaged page fails every time, a passing glitch does not.
READ_RETRIES = 4
READ_RETRY_PAUSE_S = 0.02


class _Cursor(sqlite3.Cursor):
    """A cursor whose every step turns corruption into :class:`LedgerDamaged` naming the file.

    SQLite reports a damaged page only when a query reaches it, which may be in
    the middle of ``fetchall`` anywhere in the code: catching it here means no
    reader (CLI, report, dashboard, library) shows a raw traceback for it. On a
    read-only connection a statement that meets corruption before any of its
    rows was handed out is run again a few times first (``READ_RETRIES``).
    """

    _statement: tuple[Any, ...] | None = None
    _handed_out = False

    def _damaged(self, e: sqlite3.Error) -> BaseException:
        conn = self.connection
        path = getattr(conn, "ledger_path", "the ledger")
        if isinstance(e, sqlite3.OperationalError) and str(e) == "interrupted":
            return QueryInterrupted(f"{path}: the query was stopped: its request ran out of time")
        return LedgerDamaged(damaged_message(path, str(e))) if is_damage(e) else e

    def _may_retry(self, e: sqlite3.Error) -> bool:
        return (getattr(self.connection, "ledger_readonly", False) and is_damage(e)
                and self._statement is not None and not self._handed_out)

    def execute(self, *args: Any, **kwargs: Any) -> _Cursor:  # type: ignore[override]
        self._statement, self._handed_out = (args, kwargs), False
        for attempt in range(READ_RETRIES + 1):
            try:
                return super().execute(*args, **kwargs)  # type: ignore[return-value]
            except sqlite3.Error as e:
                if attempt == READ_RETRIES or not self._may_retry(e):
                    raise self._damaged(e) from None
                time.sleep(READ_RETRY_PAUSE_S * 2**attempt)
        raise AssertionError("unreachable")

    def executemany(self, *args: Any, **kwargs: Any) -> _Cursor:  # type: ignore[override]
        self._statement = None
        try:
            return super().executemany(*args, **kwargs)  # type: ignore[return-value]
        except sqlite3.Error as e:
            raise self._damaged(e) from None

    def _fetch(self, fetch: Any, *args: Any) -> Any:
        for attempt in range(READ_RETRIES + 1):
            try:
                got = fetch(*args)
                self._handed_out = True
                return got
            except sqlite3.Error as e:
                if attempt == READ_RETRIES or not self._may_retry(e):
                    raise self._damaged(e) from None
                time.sleep(READ_RETRY_PAUSE_S * 2**attempt)
                statement = self._statement
                assert statement is not None
                try:
                    super().execute(*statement[0], **statement[1])
                except sqlite3.Error:
                    continue
        raise AssertionError("unreachable")

    def fetchone(self) -> Any:
        return self._fetch(super().fetchone)

    def fetchmany(self, *args: Any, **kwargs: Any) -> list[Any]:
        return self._fetch(lambda: super(_Cursor, self).fetchmany(*args, **kwargs))  # type: ignore[no-any-return]

    def fetchall(self) -> list[Any]:
        return self._fetch(super().fetchall)  # type: ignore[no-any-return]

    def __next__(self) -> Any:
        if self._handed_out:
            try:
                return super().__next__()
            except sqlite3.Error as e:
                raise self._damaged(e) from None
        return self._fetch(super().__next__)


class LedgerConnection(sqlite3.Connection):
    """A connection that knows its file and hands out :class:`_Cursor` cursors."""

    ledger_path: str = "the ledger"

    def cursor(self, factory: Any = _Cursor) -> Any:  # type: ignore[override]
        return super().cursor(factory)

    # the C shortcuts would make a plain cursor: route them through ours
    def execute(self, sql: str, parameters: Any = (), /) -> Any:  # type: ignore[override]
        return self.cursor().execute(sql, parameters)

    def executemany(self, sql: str, parameters: Any, /) -> Any:  # type: ignore[override]
        return self.cursor().executemany(sql, parameters)


def describe_error(e: sqlite3.Error, path: str | Path) -> str:
    """One sentence for the user from a SQLite error."""
    name = getattr(e, "sqlite_errorname", "") or ""
    text = str(e)
    if name == "SQLITE_FULL" or "disk is full" in text:
        return (f"cannot write to {path}: the disk is full; the ledger keeps every document stored so far, "
                f"free space and rerun to add the rest")
    if name.startswith("SQLITE_IOERR") or "disk I/O error" in text:
        return (f"cannot write to {path}: input/output error (disk full, file size limit or a failing "
                f"disk); the ledger keeps every document stored so far, fix the cause and rerun")
    if name.startswith("SQLITE_READONLY") or "readonly" in text or "read-only" in text:
        return (f"{path} is read-only: figtrace cannot write to it (check the permissions of the file "
                f"and its folder); read-only commands still work")
    if name == "SQLITE_BUSY" or "locked" in text:
        return (f"{path} is locked by another process for more than {BUSY_TIMEOUT_S:g} s; "
                f"wait for it to finish and rerun")
    if name == "SQLITE_NOTADB" or "not a database" in text:
        if _has_sqlite_header(Path(path)):  # SQLite's own header, then garbage: a damaged ledger
            # (reading the header here may drop this process's locks: it only runs on a broken file)
            return damaged_message(path, text)
        return f"{path} is not a SQLite database, so not a figtrace ledger"
    if isinstance(e, LedgerDamaged):
        return text
    if name.startswith("SQLITE_CORRUPT") or "malformed" in text:
        return damaged_message(path, text)
    if name.startswith("SQLITE_CANTOPEN") or "unable to open" in text:
        return f"cannot open {path}: check that its folder exists and is readable"
    return f"{path}: database error: {text}"


def ledger_error(e: sqlite3.Error, path: str | Path) -> LedgerError:
    if isinstance(e, LedgerDamaged):
        return e
    message = describe_error(e, path)
    return (LedgerDamaged if message.startswith("the ledger file is damaged") else LedgerError)(message)


def _has_sqlite_header(path: Path) -> bool:
    try:
        with path.open("rb") as f:
            return f.read(16) == _SQLITE_HEADER
    except OSError:
        return False


#: Files (device, inode, size at the time) whose header this process has read already.
_HEADERS_SEEN: set[tuple[int, int]] = set()


def _check_header(path: Path) -> None:
    """Refuse a file that is not SQLite's, reading its header once per file and process.

    Why once: closing any descriptor of a file drops every POSIX lock this
    process holds on it, SQLite's included. A dashboard opening the ledger per
    request while other requests read it released their locks with each header
    read, so a finishing ingest believed itself the last user, checkpointed and
    removed the write-ahead log under them: the readers saw "database disk image
    is malformed" on a sound file (bench/load_test.py found it; SQLite's "How To
    Corrupt An SQLite Database File", section 2.2).
    """
    try:
        st = path.stat()
    except FileNotFoundError:
        return
    except OSError as e:
        raise LedgerError(f"cannot read {path}: {e.strerror or e}") from None
    key = (st.st_dev, st.st_ino)
    if key in _HEADERS_SEEN:
        return
    try:
        with path.open("rb") as f:
            head = f.read(16)
    except OSError as e:
        raise LedgerError(f"cannot read {path}: {e.strerror or e}") from None
    if head and head != _SQLITE_HEADER:
        raise LedgerError(f"{path} is not a SQLite database, so not a figtrace ledger")
    if head:
        _HEADERS_SEEN.add(key)


def connect(path: str | Path, *, readonly: bool = False) -> sqlite3.Connection:
    """An autocommit connection (transactions are explicit) with the ledger's pragmas."""
    memory = str(path) == ":memory:"
    p = Path(path)
    if not memory:
        _check_header(p)
        if readonly and not p.exists():
            raise LedgerError(f"no ledger at {path}: run 'figtrace ingest ... --db {path}' first")
        if not readonly:
            _check_writable(p)
    try:
        if readonly and not memory:
            conn = _connect_readonly(p)
        else:
            conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_S, isolation_level=None,
                                   check_same_thread=False, factory=LedgerConnection)
        conn.ledger_path = str(path)  # type: ignore[attr-defined]
        conn.ledger_readonly = readonly  # type: ignore[attr-defined]
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA foreign_keys = ON")
        # Timelines read scattered rows of a large file: map it and keep a bigger page cache.
        conn.execute(f"PRAGMA mmap_size = {MMAP_BYTES if readonly else WRITER_MMAP_BYTES}")
        conn.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
        if not readonly and not memory:
            _set_wal(conn)
            conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.Error as e:
        raise ledger_error(e, path) from None
    return conn


def _check_writable(p: Path) -> None:
    """Say "read-only" up front: SQLite would only fail later, mid-write, with a vaguer error."""
    import os

    folder = p.parent if str(p.parent) else Path(".")
    if p.exists() and not os.access(p, os.W_OK):
        raise LedgerError(f"{p} is read-only: figtrace cannot write to it (check its permissions); "
                          f"read-only commands such as 'figtrace claims' still work")
    if not folder.is_dir():
        raise LedgerError(f"cannot create {p}: the folder {folder} does not exist")
    if not os.access(folder, os.W_OK | os.X_OK):
        what = "write to" if p.exists() else "create"
        raise LedgerError(f"cannot {what} {p}: its folder {folder} is read-only (SQLite needs to create "
                          f"journal files beside the ledger)")


def _connect_readonly(p: Path) -> sqlite3.Connection:
    """Read-only, also where the folder is not writable (WAL's -shm cannot be made there)."""
    import os

    uri = p.resolve().as_uri()
    conn = sqlite3.connect(f"{uri}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_S, isolation_level=None,
                           check_same_thread=False, factory=LedgerConnection)
    conn.ledger_path = str(p)  # type: ignore[attr-defined]
    conn.ledger_readonly = True  # type: ignore[attr-defined]
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return conn
    except sqlite3.OperationalError:
        conn.close()
        folder = p.parent if str(p.parent) else Path(".")
        if os.access(folder, os.W_OK):
            raise  # a lock or a passing error, not a folder where -shm cannot be made
    # No other process can be writing where nobody may create the -shm file; only then is the
    # file immutable (an immutable connection ignores the write-ahead log and every lock).
    return sqlite3.connect(f"{uri}?mode=ro&immutable=1", uri=True, isolation_level=None,
                           check_same_thread=False, factory=LedgerConnection)


def _set_wal(conn: sqlite3.Connection) -> None:
    """WAL lets readers (the dashboard) work while an ingest writes."""
    for attempt in range(50):
        try:
            conn.execute("PRAGMA journal_mode = WAL").fetchone()
            return
        except sqlite3.OperationalError as e:
            if "locked" not in str(e) or attempt == 49:
                raise
            time.sleep(0.1)


def schema_version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def _statements(sql: str) -> list[str]:
    """Split a script into statements (executescript would commit our transaction)."""
    out, buf = [], ""
    for line in sql.splitlines(keepends=True):
        buf += line
        if sqlite3.complete_statement(buf):
            if buf.strip():
                out.append(buf.strip())
            buf = ""
    if buf.strip():
        out.append(buf.strip())
    return out


def migrate(conn: sqlite3.Connection, path: str | Path, *, readonly: bool = False) -> int:
    """Bring the schema to the current version, all in one transaction; returns the old version."""
    version = schema_version(conn)
    if version > SCHEMA_VERSION:
        raise LedgerError(
            f"{path} was written by a newer figtrace (schema version {version}; this one knows up to "
            f"{SCHEMA_VERSION}): upgrade figtrace to read it"
        )
    if version == SCHEMA_VERSION:
        return version
    if version == 0:
        tables = {r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")}
        foreign = tables - OWN_TABLES
        if foreign:
            raise LedgerError(f"{path} is a SQLite database but not a figtrace ledger "
                              f"(it has tables {', '.join(sorted(foreign)[:5])})")
    if readonly:
        raise LedgerError(f"{path} has schema version {version}, older than this figtrace's "
                          f"{SCHEMA_VERSION}: open it once for writing (e.g. 'figtrace ingest') "
                          f"to migrate it")
    with immediate(conn, path):
        _apply(conn, schema_version(conn), SCHEMA_VERSION)  # another process may have migrated while we waited
    return version


def _apply(conn: sqlite3.Connection, start: int, upto: int) -> None:
    """Migrations ``start + 1`` to ``upto``, in the open transaction, each recorded in ``migrations``."""
    now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    for number, m in enumerate(MIGRATIONS[start:upto], start=start + 1):
        for stmt in _statements(m.sql):
            conn.execute(stmt)
        if m.python is not None:
            m.python(conn)
        conn.execute("INSERT INTO migrations(version, name, applied_at) VALUES (?, ?, ?)", (number, m.name, now))
    conn.execute(f"PRAGMA user_version = {upto}")


@contextlib.contextmanager
def immediate(conn: sqlite3.Connection, path: Path | str) -> Iterator[None]:
    """One write transaction (``BEGIN IMMEDIATE``): committed when the block ends, rolled back on any
    error or interrupt, so a ledger never keeps half a change; SQLite's errors reach the user named
    after the ledger file."""
    try:
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
    except sqlite3.Error as e:
        raise ledger_error(e, path) from None


def apply_migrations(conn: sqlite3.Connection, upto: int) -> None:
    """Apply the first ``upto`` migrations only: makes an old-schema database (tests, tools)."""
    with immediate(conn, conn.execute("PRAGMA database_list").fetchone()[2] or ":memory:"):
        _apply(conn, 0, upto)


def quick_check(conn: sqlite3.Connection) -> str:
    """SQLite's quick check of the whole file: "ok", or its first problem (reads every page once)."""
    try:
        return str(conn.execute("PRAGMA quick_check(1)").fetchone()[0])
    except sqlite3.Error as e:
        return str(e)


def ensure_sound(conn: sqlite3.Connection, path: str | Path) -> None:
    """Raise :class:`LedgerDamaged` unless SQLite's quick check passes.

    Readers call it once when they open a ledger: a damaged table can make a
    query fail, but a damaged *index* can also make one quietly return fewer
    rows, and only a check tells the two apart. It reads every page once
    (about 0.1 s per 100,000 claims; BENCHMARKS.md).
    """
    result = quick_check(conn)
    if result != "ok":
        raise LedgerDamaged(damaged_message(path, result.splitlines()[0][:200]))
