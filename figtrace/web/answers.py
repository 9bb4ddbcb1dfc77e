"""Remember whole answers, so a repeated request costs a dictionary lookup and no handler thread.

Under load the dashboard's latency was its queue: every request, even a bad
parameter's 400, waited for one of the few handler threads behind the others
(bench/load_test.py). Most dashboard requests repeat (the overview, the
conflicts page, a busy pair's timeline, its downloads), so their answers are
kept as sent, and a repeat is answered on the event loop without touching
the ledger; the threads are left to the requests that need it.

Freshness: an answer is kept with the ledger file's signature read before it
was computed (:meth:`figtrace.web.memo.Memo.version`). While the file is
unchanged it is current. Once the file has changed (an ingest is writing),
the answer is still served until ``MAX_STALE_S`` seconds after it was
computed, never longer: during an ingest a page is at most that far behind
the ledger, and one URL costs at most one computation per ``MAX_STALE_S``
(an ingest commits every few hundred milliseconds, so keeping answers only
while the file is unchanged would keep almost none).

What is kept: answers to GET (not the static files, which answer ``If-None-
Match`` themselves) with status 200, 400 or 404, complete, not marked
``Cache-Control: no-store`` (a timeline whose chart is still being drawn), at most
``MAX_BODY`` bytes each and ``MAX_BYTES`` in all, the least recently used
dropped first. Requests for a URL being computed wait for that answer
instead of computing it again. Any other method (a review) forgets every
answer, as it changes what pages show.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

#: Seconds an answer may be served after it was computed once the ledger has changed since.
MAX_STALE_S = 5.0
#: Largest answer kept (bytes); a bigger one is sent and forgotten.
MAX_BODY = 4 * 1024 * 1024
#: Bytes of answers kept in all (least recently used dropped first).
MAX_BYTES = 64 * 1024 * 1024
#: Statuses that say the same for the same URL and ledger (an error of the server, a 503, is not kept).
KEPT_STATUSES = frozenset({200, 400, 404})


@dataclass(slots=True)
class _Answer:
    version: Hashable
    at: float
    status: int
    headers: tuple[tuple[bytes, bytes], ...]
    body: bytes


class AnswerCache:
    """ASGI middleware keeping the answers to GET requests (see the module's docstring)."""

    def __init__(self, app: ASGIApp, version: Callable[[], Hashable | None], max_stale: float = MAX_STALE_S,
                 max_bytes: int = MAX_BYTES, max_body: int = MAX_BODY):
        self.app = app
        self.version = version
        self.max_stale = max_stale
        self.max_bytes = max_bytes
        self.max_body = max_body
        self._data: OrderedDict[Hashable, _Answer] = OrderedDict()
        self._bytes = 0
        self._pending: dict[Hashable, asyncio.Event] = {}
        self.hits = 0
        self.misses = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET" or scope["path"].startswith("/static/"):
            if scope["type"] == "http" and scope["method"] not in ("GET", "HEAD"):
                self.clear()  # a write (a review) can change any page
            await self.app(scope, receive, send)
            return
        version = self.version()
        if version is None:  # a ledger the server cannot watch: nothing can be kept
            await self.app(scope, receive, send)
            return
        key = (scope["path"], scope["query_string"], _host(scope))
        answer = self._usable(key, version)
        if answer is None and key in self._pending:
            await self._pending[key].wait()  # another request is computing this very answer
            answer = self._usable(key, version)
        if answer is not None:
            self.hits += 1
            await send({"type": "http.response.start", "status": answer.status, "headers": list(answer.headers)})
            await send({"type": "http.response.body", "body": answer.body})
            return
        self.misses += 1
        await self._compute(key, version, scope, receive, send)

    def _usable(self, key: Hashable, version: Hashable) -> _Answer | None:
        answer = self._data.get(key)
        if answer is None:
            return None
        if answer.version != version and time.monotonic() - answer.at >= self.max_stale:
            return None
        self._data.move_to_end(key)
        return answer

    async def _compute(self, key: Hashable, version: Hashable, scope: Scope, receive: Receive, send: Send) -> None:
        done: asyncio.Event | None = None
        if key not in self._pending:  # else a third request got here first: compute beside it
            done = self._pending[key] = asyncio.Event()
        started = time.monotonic()
        start: dict[str, Any] = {}
        chunks: list[bytes] = []
        size = 0
        complete = False

        async def capture(message: Message) -> None:
            nonlocal size, complete
            if message["type"] == "http.response.start":
                start.update(message)
            elif message["type"] == "http.response.body" and size <= self.max_body:
                body = message.get("body", b"")
                chunks.append(body)
                size += len(body)
                complete = not message.get("more_body", False)
            await send(message)

        try:
            await self.app(scope, receive, capture)
        finally:
            headers = tuple((bytes(k), bytes(v)) for k, v in start.get("headers", ()))
            if complete and size <= self.max_body and start.get("status") in KEPT_STATUSES \
                    and (b"cache-control", b"no-store") not in headers:
                self._store(key, _Answer(version, started, start["status"], headers, b"".join(chunks)))
            if done is not None:
                del self._pending[key]
                done.set()

    def _store(self, key: Hashable, answer: _Answer) -> None:
        old = self._data.pop(key, None)
        if old is not None:
            self._bytes -= len(old.body)
        self._data[key] = answer
        self._bytes += len(answer.body)
        while self._bytes > self.max_bytes and self._data:
            _, dropped = self._data.popitem(last=False)
            self._bytes -= len(dropped.body)

    def clear(self) -> None:
        self._data.clear()
        self._bytes = 0


def _host(scope: Scope) -> bytes:
    """The Host header (pages may build links with it, so it is part of what makes an answer)."""
    for name, value in scope.get("headers", ()):
        if name == b"host":
            return bytes(value)
    return b""
