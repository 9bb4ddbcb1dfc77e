"""Drawing the dashboard's charts in a worker process.

A chart is drawn by ``vl_convert`` (Vega-Lite in an embedded JavaScript
engine), which takes a quarter of a second to a second per chart and holds
Python's interpreter lock the whole time: drawn inside the server, one chart
stopped every other request for that long (measured in bench/load_test.py).
Drawn in one worker process, the server's threads go on answering while the
chart is drawn on the other core.

The worker is a plain ``python -c`` child speaking JSON lines over its
standard input and output (not :mod:`multiprocessing`, whose "spawn" start
imports the parent's main script again: a script that builds the app without
a ``__main__`` guard would have started a second server per worker). It is
started on the first chart (a dashboard nobody opens a timeline of never
starts it), draws one chart at a time, ends when its input closes (the server
stopped or died), and is started again if it dies.
"""

from __future__ import annotations

import atexit
import json
import os
import selectors
import subprocess
import sys
import threading
import time
from collections import OrderedDict, deque
from dataclasses import dataclass
from typing import IO, Any

from figtrace.errors import FigtraceError
from figtrace.web.budget import DEADLINE, OverBudget

_WORKER = "from figtrace.web.charts import worker_main; worker_main()"


class ChartError(FigtraceError):
    """The chart worker could not draw a chart (the message says why)."""


class ChartWorker:
    """A child process that draws charts; :meth:`draw` blocks its caller (one request thread) only."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._proc: subprocess.Popen[bytes] | None = None
        atexit.register(self.close)

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    def _started(self) -> subprocess.Popen[bytes]:
        if self._proc is None or self._proc.poll() is not None:
            self._proc = subprocess.Popen([sys.executable, "-c", _WORKER], stdin=subprocess.PIPE,
                                          stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        return self._proc

    def draw(self, spec: dict[str, Any]) -> str:
        """Checked SVG for ``spec`` (see :func:`figtrace.report.charts.render_svg`), drawn in the worker.

        Waits at most until the request's deadline (if there is one); a worker
        that dies is started again and the chart asked for once more; one over
        the deadline is stopped, so the next chart starts on a fresh worker.
        """
        deadline = DEADLINE.get()
        wait = -1.0 if deadline is None else max(0.0, deadline - time.monotonic())
        if not self._lock.acquire(timeout=wait):
            raise OverBudget("the chart worker is busy with other charts; try again in a moment")
        try:
            line = (json.dumps(spec, default=str) + "\n").encode()
            for attempt in (1, 2):
                proc = self._started()
                try:
                    assert proc.stdin is not None and proc.stdout is not None
                    proc.stdin.write(line)
                    proc.stdin.flush()
                    answer = _read_line(proc.stdout, deadline)
                except OverBudget:
                    self._stop()
                    raise
                except (BrokenPipeError, EOFError):
                    self._stop()
                    if attempt == 2:
                        raise ChartError("the chart worker died twice while drawing this chart") from None
                    continue
                reply = json.loads(answer)
                if "error" in reply:
                    raise ChartError(f"cannot draw the chart: {reply['error']}")
                return str(reply["svg"])
            raise AssertionError("unreachable")
        finally:
            self._lock.release()

    def _stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None:
            proc.kill()
            proc.wait()

    def close(self) -> None:
        """Stop the worker (at exit; a new chart would start another)."""
        with self._lock:
            proc, self._proc = self._proc, None
        if proc is not None:
            if proc.stdin is not None:
                proc.stdin.close()  # the worker ends at the end of its input
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _read_line(stream: IO[bytes], deadline: float | None) -> bytes:
    """One line from the worker, waiting until ``deadline`` at most (EOFError if it died)."""
    fd = stream.fileno()
    buf = b""
    with selectors.DefaultSelector() as sel:
        sel.register(fd, selectors.EVENT_READ)
        while True:
            timeout = None if deadline is None else deadline - time.monotonic()
            if timeout is not None and timeout <= 0:
                raise OverBudget("the chart took longer than this request's budget to draw; "
                                 "try again in a moment")
            if not sel.select(timeout):
                continue
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                raise EOFError
            buf += chunk
            if buf.endswith(b"\n"):
                return buf


def worker_main() -> None:
    """The worker: one JSON spec per input line, one JSON answer (``svg`` or ``error``) per output line."""
    from figtrace.report.charts import render_svg

    out = sys.stdout.buffer
    for line in sys.stdin.buffer:
        try:
            reply = {"svg": render_svg(json.loads(line))}
        except Exception as e:  # one bad chart must not end the worker
            reply = {"error": f"{type(e).__name__}: {e}"}
        out.write(json.dumps(reply).encode() + b"\n")
        out.flush()


#: Charts kept by their spec (about 50 KB each; least recently used dropped first).
MAX_CHARTS = 512
#: Charts waiting to be drawn at most; beyond, a page gets no chart this time (requests for many new
#: charts at once must not queue minutes of drawing behind them).
MAX_QUEUED = 32
#: Seconds one chart may take in the worker before it is given up (the next starts on a fresh worker).
CHART_BUDGET_S = 30.0


@dataclass(slots=True)
class Chart:
    """A drawn chart: its checked SVG, or why it could not be drawn."""

    svg: str | None
    error: str | None = None


class ChartStore:
    """Charts by their spec, drawn one after another on a background thread, never twice.

    A page asks for its chart with :meth:`get`. A chart drawn before comes back
    at once. A new one is queued; the page waits for it only when no other
    chart is queued or being drawn (a dashboard with one reader always gets its
    chart inline), otherwise it gets the last chart drawn for the same view
    (``view``: a pair and its filters), or None, and the chart is drawn
    behind it. Under load a timeline page used to wait for every chart queued
    before its own (seconds on a busy worker) with its handler thread.
    """

    def __init__(self, drawer: Any, keep: int = MAX_CHARTS):
        self.drawer = drawer  # anything with draw(spec) -> svg: the ChartWorker
        self.keep = keep
        self._lock = threading.Lock()
        self._drawn: OrderedDict[str, Chart] = OrderedDict()
        self._latest: OrderedDict[Any, Chart] = OrderedDict()
        self._queue: deque[tuple[str, dict[str, Any], Any]] = deque()
        self._events: dict[str, threading.Event] = {}
        self._running = False  # the drawing thread is on (set and cleared under the lock)
        self._busy = False  # it is drawing a chart

    def get(self, spec: dict[str, Any], view: Any = None, wait: float = CHART_BUDGET_S) -> Chart | None:
        """The chart of ``spec``; if it is not drawn yet, see the class docstring (None: not drawn yet)."""
        key = json.dumps(spec, sort_keys=True, default=str)
        with self._lock:
            drawn = self._drawn.get(key)
            if drawn is not None:
                self._drawn.move_to_end(key)
                return drawn
            alone = not self._busy and not self._queue
            event = self._events.get(key)
            fallback = self._latest.get(view) if view is not None else None
            if event is None and len(self._queue) >= MAX_QUEUED:
                return fallback  # enough work queued: asked again later (the page script asks again)
            if event is None:
                event = self._events[key] = threading.Event()
                self._queue.append((key, spec, view))
                if not self._running:
                    self._running = True
                    threading.Thread(target=self._draw_queued, daemon=True, name="figtrace-charts").start()
        if alone:
            event.wait(wait)
        with self._lock:
            return self._drawn.get(key) or fallback

    def _draw_queued(self) -> None:
        while True:
            with self._lock:
                if not self._queue:
                    self._busy = self._running = False
                    return
                key, spec, view = self._queue.popleft()
                self._busy = True
            token = DEADLINE.set(time.monotonic() + CHART_BUDGET_S)
            keep = True
            try:
                chart = Chart(self.drawer.draw(spec))
            except OverBudget as e:  # the worker was slow this time: the next page asks again
                chart, keep = Chart(None, str(e)), False
            except FigtraceError as e:  # a chart that cannot be drawn: the page says why
                chart = Chart(None, str(e))
            except Exception as e:  # the thread must go on with the other charts
                chart = Chart(None, f"{type(e).__name__}: {e}")
            finally:
                DEADLINE.reset(token)
            with self._lock:
                if keep:
                    self._drawn[key] = chart
                while len(self._drawn) > self.keep:
                    self._drawn.popitem(last=False)
                if view is not None and chart.svg is not None:
                    self._latest[view] = chart
                    self._latest.move_to_end(view)
                    while len(self._latest) > self.keep:
                        self._latest.popitem(last=False)
                self._events.pop(key).set()
