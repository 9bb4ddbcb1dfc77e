"""Kept answers and charts drawn apart: a repeated request costs no handler, a chart never holds up a page."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from typing import Any

from starlette.testclient import TestClient

from figtrace.web import create_app
from figtrace.web.answers import AnswerCache
from figtrace.web.charts import ChartStore


class _App:
    """An ASGI app that counts its calls and answers with the call number (after ``delay`` seconds)."""

    def __init__(self, status: int = 200, headers: tuple[tuple[bytes, bytes], ...] = (), delay: float = 0.0):
        self.calls = 0
        self.status, self.headers, self.delay = status, headers, delay

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        self.calls += 1
        n = self.calls
        if self.delay:
            await asyncio.sleep(self.delay)
        await send({"type": "http.response.start", "status": self.status,
                    "headers": [(b"content-type", b"text/plain"), *self.headers]})
        await send({"type": "http.response.body", "body": f"answer {n}".encode()})


def _get(cache: AnswerCache, path: str = "/claims", query: bytes = b"limit=5",
         method: str = "GET") -> tuple[int, bytes]:
    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b""}

    scope = {"type": "http", "method": method, "path": path, "query_string": query,
             "headers": [(b"host", b"127.0.0.1")]}
    asyncio.run(cache(scope, receive, send))
    return sent[0]["status"], b"".join(m.get("body", b"") for m in sent[1:])


def test_an_answer_is_kept_while_the_ledger_is_unchanged_and_for_max_stale_after() -> None:
    app, version = _App(), ["v1"]
    cache = AnswerCache(app, version=lambda: version[0], max_stale=0)
    assert _get(cache) == (200, b"answer 1")
    assert _get(cache) == (200, b"answer 1") and app.calls == 1  # the same URL: no handler ran
    assert _get(cache, query=b"limit=6") == (200, b"answer 2")  # another query is another answer
    version[0] = "v2"  # an ingest wrote: with no staleness allowed, computed again
    assert _get(cache) == (200, b"answer 3")

    lenient = AnswerCache(app, version=lambda: version[0], max_stale=60)
    assert _get(lenient) == (200, b"answer 4")
    version[0] = "v3"
    assert _get(lenient) == (200, b"answer 4")  # within max_stale of its computation: still served


def test_errors_of_the_server_answers_marked_no_store_and_writes_are_not_kept() -> None:
    for status, headers in ((503, ()), (500, ()), (200, ((b"cache-control", b"no-store"),))):
        app = _App(status, headers)
        cache = AnswerCache(app, version=lambda: "v")
        _get(cache)
        _get(cache)
        assert app.calls == 2, status
    app = _App()
    cache = AnswerCache(app, version=lambda: "v")
    _get(cache)
    _get(cache, method="POST")  # a review: every kept answer may be out of date
    _get(cache)
    assert app.calls == 3
    unwatched = AnswerCache(app, version=lambda: None)  # a ledger the server cannot watch: nothing kept
    _get(unwatched)
    _get(unwatched)
    assert app.calls == 5


def test_concurrent_requests_for_one_url_compute_it_once() -> None:
    app = _App(delay=0.2)
    cache = AnswerCache(app, version=lambda: "v")

    async def both() -> list[bytes]:
        out: list[bytes] = []

        async def one() -> None:
            chunks: list[bytes] = []

            async def send(message: dict[str, Any]) -> None:
                chunks.append(message.get("body", b""))

            await cache({"type": "http", "method": "GET", "path": "/", "query_string": b"", "headers": []},
                        None, send)  # type: ignore[arg-type]
            out.append(b"".join(chunks))

        await asyncio.gather(one(), one(), one())
        return out

    assert asyncio.run(both()) == [b"answer 1"] * 3 and app.calls == 1


def test_the_dashboard_answers_a_repeat_without_opening_the_ledger(tmp_path: Path) -> None:
    from conftest_browser import build_ledger

    app = create_app(build_ledger(tmp_path / "kept.db"))
    opened: list[int] = []
    real = app.state.open_ledger

    def counting() -> Any:
        opened.append(1)
        return real()

    app.state.open_ledger = counting
    client = TestClient(app, base_url="http://127.0.0.1")
    first = client.get("/api/claims", params={"limit": 3})
    n = len(opened)
    again = client.get("/api/claims", params={"limit": 3})
    assert again.content == first.content and len(opened) == n
    # a kept answer passes the same guards as any other
    assert "content-security-policy" in again.headers and "server-timing" in again.headers
    assert client.get("/api/claims", params={"limit": "ten"}).status_code == 400


class _GatedDrawer:
    """Draws ``<svg>`` charts, each only once the test opens its gate."""

    def __init__(self) -> None:
        self.gate = threading.Event()
        self.drawn: list[str] = []

    def draw(self, spec: dict[str, Any]) -> str:
        self.gate.wait(10)
        self.drawn.append(spec["n"])
        return f"<svg>{spec['n']}</svg>"


def test_a_page_waits_for_its_chart_only_when_no_other_chart_is_ahead() -> None:
    drawer = _GatedDrawer()
    store = ChartStore(drawer)
    opener = threading.Timer(0.1, drawer.gate.set)
    opener.start()
    assert store.get({"n": "a"}, view="pair", wait=5).svg == "<svg>a</svg>"  # alone: waited for it
    assert store.get({"n": "a"}, view="pair", wait=0).svg == "<svg>a</svg>"  # drawn once, kept
    drawer.gate.clear()
    threading.Thread(target=store.get, args=({"n": "b"}, "other", 5), daemon=True).start()
    while not store._busy:  # the worker is on chart b
        threading.Event().wait(0.01)
    assert store.get({"n": "c"}, view="new pair", wait=5) is None  # behind another chart: not drawn yet
    assert store.get({"n": "a2"}, view="pair", wait=5).svg == "<svg>a</svg>"  # the pair's last chart meanwhile
    drawer.gate.set()
    while len(drawer.drawn) < 4:
        threading.Event().wait(0.01)
    assert store.get({"n": "c"}, view="new pair", wait=0).svg == "<svg>c</svg>"
    assert drawer.drawn == ["a", "b", "c", "a2"]


def test_charts_waiting_to_be_drawn_are_bounded() -> None:
    from figtrace.web.charts import MAX_QUEUED

    drawer = _GatedDrawer()
    store = ChartStore(drawer)
    for n in range(MAX_QUEUED * 3):
        assert store.get({"n": str(n)}, view=n, wait=0) is None
    assert len(store._queue) <= MAX_QUEUED
    drawer.gate.set()


def test_a_timeline_whose_chart_is_being_drawn_answers_at_once_and_is_not_kept(tmp_path: Path) -> None:
    from conftest_browser import build_ledger

    from figtrace.report.charts import render_svg

    class Slow:
        def __init__(self) -> None:
            self.gate = threading.Event()

        def draw(self, spec: dict[str, Any]) -> str:
            self.gate.wait(10)
            return render_svg(spec)

    app = create_app(build_ledger(tmp_path / "pending.db"))
    slow = Slow()
    app.state.charts = ChartStore(slow)
    client = TestClient(app, base_url="http://127.0.0.1")
    app.state.charts._busy = True  # as if another chart were being drawn
    r = client.get("/timeline", params={"actor": "North Korea", "measure": "killed"})
    assert r.status_code == 200 and 'id="chart-pending"' in r.text and "<svg" not in r.text
    assert r.headers["cache-control"] == "no-store"
    app.state.charts._busy = False
    slow.gate.set()
    for _ in range(200):
        r = client.get("/timeline", params={"actor": "North Korea", "measure": "killed"})
        if "<svg" in r.text:
            break
        threading.Event().wait(0.05)
    assert r.text.count("<svg") == 1 and "chart-pending" not in r.text and "cache-control" not in r.headers
