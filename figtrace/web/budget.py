"""Every dashboard request is bounded: in how many run at once, in time and in what it may read.

- **At once**: at most ``MAX_IN_FLIGHT`` requests are handled together (the
  rest of the thread pool stays free for static files and the next requests);
  one more gets 503 at once with a message and ``Retry-After``.
- **Time**: each request has ``REQUEST_BUDGET_S`` seconds. SQLite work is
  interrupted when the deadline passes (a progress handler on the request's
  connection), and if a handler has not started its answer by then, the
  client gets 503 with a message while the worker thread finishes and is
  discarded. Either way the client waits at most the budget (plus a moment).
- **Memory**: what one request may read is bounded by the paging limits
  (``figtrace/web/params.py``) and the view caps (``figtrace/web/pages.py``),
  so no response grows with the ledger.

503 is the honest answer to "over budget": the request was valid, the server
chose not to spend more on it; the message says so and how to narrow it.
"""

from __future__ import annotations

import asyncio
import contextvars
import json
import sqlite3
import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from figtrace.errors import FigtraceError

#: Seconds one request may take.
REQUEST_BUDGET_S = 10.0
#: Requests handled at once (more wait for one of ``WORKER_THREADS``); beyond, 503 at once.
MAX_IN_FLIGHT = 64
#: Threads that run the (synchronous) handlers. Python runs one thread at a time, so more threads
#: than cores only interleave requests (each takes longer, none finishes sooner) and each holds a
#: ledger connection and its page cache; a few threads still overlap SQLite's work, which runs
#: outside the interpreter lock. Starlette's default is 40.
WORKER_THREADS = 6
#: SQLite virtual-machine steps between two deadline checks (about a millisecond of work).
PROGRESS_STEPS = 20_000

#: The deadline of the request being handled (None outside a request).
DEADLINE: contextvars.ContextVar[float | None] = contextvars.ContextVar("figtrace_deadline", default=None)


class OverBudget(FigtraceError):
    """A request took longer than its budget; answered with 503 and this message."""


def over_budget_message(budget: float) -> str:
    return (f"this request took longer than its {budget:g} s budget and was stopped; narrow it (filters, "
            f"a smaller limit) or try again when the server is less busy")


def watch_connection(conn: sqlite3.Connection) -> None:
    """Interrupt this connection's queries once the current request's deadline has passed."""
    deadline = DEADLINE.get()
    if deadline is None:
        return

    def check() -> int:
        return 1 if time.monotonic() > deadline else 0

    conn.set_progress_handler(check, PROGRESS_STEPS)


def raise_if_interrupted(e: BaseException) -> None:
    """Turn SQLite's "interrupted" (our progress handler) into :class:`OverBudget`."""
    if isinstance(e, sqlite3.OperationalError) and "interrupted" in str(e) and DEADLINE.get() is not None:
        raise OverBudget(over_budget_message(REQUEST_BUDGET_S)) from None


def check_deadline() -> None:
    """For long Python loops in a handler: stop once the request's deadline has passed."""
    deadline = DEADLINE.get()
    if deadline is not None and time.monotonic() > deadline:
        raise OverBudget(over_budget_message(REQUEST_BUDGET_S))


async def _send_503(scope: Scope, send: Send, message: str, retry_after: int) -> None:
    path = scope.get("path", "")
    if path.startswith(("/api/", "/download/")):
        body = json.dumps({"error": message, "status": 503}).encode()
        ctype = b"application/json"
    else:
        from html import escape

        body = (f"<!doctype html><html lang=en><meta charset=utf-8><title>503</title>"
                f"<h1>Service unavailable</h1><p>{escape(message)}</p></html>").encode()
        ctype = b"text/html; charset=utf-8"
    await send({"type": "http.response.start", "status": 503, "headers": [
        (b"content-type", ctype), (b"content-length", str(len(body)).encode()),
        (b"retry-after", str(retry_after).encode()), (b"cache-control", b"no-store")]})
    await send({"type": "http.response.body", "body": body})


class RequestBudget:
    """ASGI middleware: the concurrency cap and the time budget of every HTTP request."""

    def __init__(self, app: ASGIApp, budget: float = REQUEST_BUDGET_S, max_in_flight: int = MAX_IN_FLIGHT,
                 threads: int = WORKER_THREADS):
        self.app = app
        self.budget = budget
        self.max_in_flight = max_in_flight
        self.threads = threads
        self.in_flight = 0
        self._sized = False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self._sized:  # the pool belongs to the running event loop: sized on its first request
            import anyio.to_thread

            anyio.to_thread.current_default_thread_limiter().total_tokens = self.threads
            self._sized = True
        if scope["type"] != "http" or scope.get("path", "").startswith("/static/"):
            await self.app(scope, receive, send)
            return
        if self.in_flight >= self.max_in_flight:
            await _send_503(scope, send, f"the server is busy ({self.in_flight} requests at once); "
                                         f"try again in a moment", 1)
            return
        self.in_flight += 1
        started = False
        abandoned = False
        arrived = time.monotonic()

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if abandoned:
                return  # the client already has its 503
            if message["type"] == "http.response.start":
                started = True
                # the server's own share of the wait (thread-pool queue included), for load tests and browsers
                spent = (time.monotonic() - arrived) * 1000
                message = {**message, "headers": [*message.get("headers", []),
                                                  (b"server-timing", f"app;dur={spent:.1f}".encode())]}
            await send(message)

        token = DEADLINE.set(time.monotonic() + self.budget)
        task = asyncio.ensure_future(self.app(scope, receive, guarded_send))  # runs with the deadline set
        DEADLINE.reset(token)
        handed_over = False
        try:
            try:
                # a moment past the deadline: SQLite's interruption usually answers first, with its message
                await asyncio.wait_for(asyncio.shield(task), timeout=self.budget + 0.5)
            except TimeoutError:
                if started:
                    await task  # the answer is streaming already: let it end
                    return
                abandoned = True
                handed_over = True
                task.add_done_callback(self._finished)
                await _send_503(scope, send, over_budget_message(self.budget), 5)
        finally:
            if not handed_over:
                self.in_flight -= 1

    def _finished(self, task: asyncio.Future[Any]) -> None:
        """An abandoned request's thread has finished: free its place."""
        self.in_flight -= 1
        if not task.cancelled():
            task.exception()  # retrieved, so asyncio does not log it as never retrieved
