"""``figtrace serve``: the read-only dashboard as a Starlette app.

The app never holds a writable handle: each request opens the ledger
read-only and closes it, so the dashboard can run beside an ingest and can
never change the evidence it shows.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from figtrace.errors import FigtraceError
from figtrace.report.view import LedgerView
from figtrace.web import api, pages, review, static_files
from figtrace.web.answers import MAX_STALE_S, AnswerCache
from figtrace.web.budget import REQUEST_BUDGET_S, OverBudget, RequestBudget, over_budget_message, watch_connection
from figtrace.web.charts import ChartStore, ChartWorker
from figtrace.web.memo import Memo
from figtrace.web.params import BadParam
from figtrace.web.security import ReadOnly, SecurityHeaders

STATIC = Path(__file__).with_name("static")

LedgerOpener = Callable[[], AbstractContextManager[LedgerView]]

#: Host names a browser may use to reach a loopback server; anything else is
#: refused so a hostile web page cannot reach the dashboard by DNS rebinding.
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "[::1]", "::1")


#: SQLite page cache of one request's connection (KiB).
REQUEST_CACHE_KIB = 8 * 1024
#: Seconds between two quick checks of a ledger file that keeps changing (an ingest beside the server).
CHECK_EVERY_S = 60.0


class Soundness:
    """Whether the ledger file passed SQLite's quick check, re-asked when the file changed.

    A damaged index can make a query quietly return fewer rows instead of
    failing, so a page cannot tell by itself; the check reads the whole file
    (about 0.1 s per 100,000 claims), so it runs once per file version and at
    most every ``every`` seconds, by one request while the others go on.
    """

    def __init__(self, memo: Memo, every: float | None = CHECK_EVERY_S):
        self.memo = memo
        self.every = every
        self._lock = threading.Lock()
        self._checked: tuple[Any, ...] | bool | None = False  # the file version last checked
        self._at = -float("inf")
        self._damaged: str | None = None

    def ensure(self, conn: Any, path: str | Path) -> None:
        """Raise :class:`~figtrace.store.db.LedgerDamaged` if the file is known or found damaged."""
        from figtrace.store.db import LedgerDamaged, damaged_message, quick_check

        if self.every is None:
            return
        version = self.memo.version()
        now = time.monotonic()
        with self._lock:
            due = version != self._checked and (self._checked is False or now - self._at >= self.every)
            if not due:
                if self._damaged:
                    raise LedgerDamaged(self._damaged)
                return
            self._checked, self._at = version, now
        result = quick_check(conn)
        with self._lock:
            self._damaged = None if result == "ok" else damaged_message(path, result.splitlines()[0][:200])
            if self._damaged:
                raise LedgerDamaged(self._damaged)


def readonly_opener(db: str | Path, soundness: Soundness | None = None) -> LedgerOpener:
    """Open the ledger at ``db`` read-only, once per request (checked by ``soundness`` when given)."""
    from figtrace.store import Ledger

    path = Path(db)

    @contextmanager
    def open_ledger() -> Iterator[LedgerView]:
        with Ledger(path, readonly=True) as ledger:
            if soundness is not None:
                soundness.ensure(ledger.conn, path)
            # one connection per request, dozens at once: a small page cache each and no memory map
            # (a map of the whole file per connection counted it dozens of times in the server's memory)
            ledger.conn.execute(f"PRAGMA cache_size = -{REQUEST_CACHE_KIB}")
            ledger.conn.execute("PRAGMA mmap_size = 0")
            watch_connection(ledger.conn)  # the request's time budget also stops its queries
            yield ledger

    return open_ledger


# The exception handlers are async: Starlette runs a sync handler on a worker thread, so every 400 or
# 404 waited for a second thread after the one its request had (measured under load: twice as slow).
async def _bad_param(request: Request, exc: Exception) -> Response:
    return _error(request, 400, str(exc))


async def _figtrace_error(request: Request, exc: Exception) -> Response:
    """A bad search or date the ledger refused is the client's 400; a broken ledger or no time left, our 503."""
    from figtrace.store.db import LedgerError, QueryInterrupted

    if isinstance(exc, OverBudget | QueryInterrupted):
        return _error(request, 503, over_budget_message(REQUEST_BUDGET_S))
    return _error(request, 503 if isinstance(exc, LedgerError) else 400, str(exc))


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    return _error(request, exc.status_code, exc.detail)


def _error(request: Request, status: int, message: str) -> Response:
    if request.url.path.startswith(("/api/", "/download/")):
        return JSONResponse({"error": message, "status": status}, status_code=status)
    return pages.error_page(request, status, message)


def create_app(db: str | Path | None = None, *, open_ledger: LedgerOpener | None = None,
               allowed_hosts: tuple[str, ...] = LOOPBACK_HOSTS,
               check_every: float | None = CHECK_EVERY_S, allow_review: bool = False,
               stale_answers_s: float = MAX_STALE_S) -> Starlette:
    """The dashboard over the ledger at ``db`` (or whatever ``open_ledger`` yields).

    ``allowed_hosts`` are the Host header values accepted; pass ``("*",)``
    only when serving beyond this machine on purpose. ``check_every`` spaces
    the quick checks of a changing file (None: never check). ``allow_review``
    opens the one write the dashboard has: reviews from a claim page.
    ``stale_answers_s`` is how long a kept answer may be served after the
    ledger changed (0: only while it is unchanged; see :mod:`figtrace.web.answers`).
    """
    if allow_review and db is None:
        raise ValueError("create_app(allow_review=True) needs the database path to write reviews to")
    memo = Memo(db)
    if open_ledger is None:
        if db is None:
            raise ValueError("create_app needs a database path or an open_ledger callable")
        open_ledger = readonly_opener(db, Soundness(memo, check_every))
    routes = [
        Route("/", pages.overview, name="overview"),
        Route("/timeline", pages.timeline, name="timeline"),
        Route("/claims", pages.claims, name="claims"),
        Route("/claim/{id:int}", pages.claim, name="claim"),
        Route("/conflicts", pages.conflicts, name="conflicts"),
        Route("/sources", pages.sources, name="sources"),
        Route("/documents", pages.documents, name="documents"),
        Route("/claim/{id:int}/review", review.post_review, methods=["POST"], name="review"),
        *api.routes(),
        Route("/static/{name:str}", static_files.handler(static_files.load(STATIC)), name="static"),
    ]
    middleware = [
        Middleware(SecurityHeaders),
        Middleware(RequestBudget),
        Middleware(ReadOnly, writable=review.REVIEW_PATH if allow_review else None),
        Middleware(TrustedHostMiddleware, allowed_hosts=list(allowed_hosts)),
        # innermost: a kept answer has passed every guard above
        Middleware(AnswerCache, version=memo.version, max_stale=stale_answers_s),
    ]
    handlers: dict[Any, Callable[..., Any]] = {
        BadParam: _bad_param, FigtraceError: _figtrace_error, HTTPException: _http_error}
    app = Starlette(routes=routes, middleware=middleware, exception_handlers=handlers)
    app.state.open_ledger = open_ledger
    app.state.memo = memo
    app.state.charts = ChartStore(ChartWorker())
    app.state.db_name = Path(db).name if db is not None else ""
    app.state.db_path = Path(db) if db is not None else None
    app.state.allow_review = allow_review
    app.state.review_secret = review.new_secret()
    return app
