"""Drawing the dashboard's charts in a worker process.

A chart is drawn by ``vl_convert`` (Vega-Lite in an embedded JavaScript
engine), which takes a quarter of a second to a second per chart and holds
Python's interpreter lock the whole time: drawn inside the server, one chart
stopped every other request for that long (measured in bench/load_test.py).
Drawn in one worker process, the server's threads go on answering while the
chart is drawn on the other core.

The worker is started on the first chart (so a dashboard nobody opens a
timeline of never starts it), draws one chart at a time, and ends with the
server (or with its parent, if the server is killed).
"""

from __future__ import annotations

import atexit
import multiprocessing
import threading
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from figtrace.report.charts import render_svg
from figtrace.web.budget import DEADLINE, OverBudget

#: Worker processes drawing charts: one keeps the other core for the server (2-core machines).
CHART_PROCESSES = 1


class ChartWorker:
    """A process that draws charts; :meth:`draw` blocks its caller (one request thread) only."""

    def __init__(self, processes: int = CHART_PROCESSES):
        self.processes = processes
        self._lock = threading.Lock()
        self._pool: ProcessPoolExecutor | None = None

    def _executor(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._pool is None:
                # spawn, not fork: the server has threads (a forked copy of a held lock never unlocks)
                self._pool = ProcessPoolExecutor(self.processes, mp_context=multiprocessing.get_context("spawn"))
                atexit.register(self.close)
            return self._pool

    def draw(self, spec: dict[str, Any]) -> str:
        """Checked SVG for ``spec`` (see :func:`figtrace.report.charts.render_svg`), drawn in the worker.

        Waits at most until the request's deadline; a worker that died (killed,
        out of memory) is replaced and the chart drawn once more.
        """
        for attempt in (1, 2):
            future: Future[str] = self._executor().submit(render_svg, spec)
            deadline = DEADLINE.get()
            try:
                if deadline is None:
                    return future.result()
                import time

                return future.result(timeout=max(0.0, deadline - time.monotonic()))
            except TimeoutError:
                raise OverBudget("the chart took longer than this request's budget to draw; "
                                 "try again in a moment") from None
            except BrokenProcessPool:
                with self._lock:
                    self._pool = None
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)
