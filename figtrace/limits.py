"""Bounds on one input, so that no file, record or URL can stall or sink a batch.

Every input is isolated: whatever it does (an exception in a third-party
reader, a recursion too deep, a time or size limit) becomes one
:class:`~figtrace.errors.InputError` line naming it, the batch goes on, and the
summary counts it. Three kinds of bound, each with its own clear message:

- **size**: a document is at most ``DEFAULT_MAX_BYTES`` (the readers), a line
  at most ``MAX_LINE_CHARS`` characters, a page at most ``MAX_TAGS`` tags.
  These keep memory per document bounded (a tag flood of a million elements
  cost over 1 GB in the HTML parser before this limit);
- **time**: one budget per document, ``DOCUMENT_BUDGET_S``, from the moment
  its reading starts (decoding, HTML parsing) through metadata, cleaning and
  extraction to the ledger write. In the main thread of a process (the CLI,
  each pool worker) it is enforced by a timer signal, so it also stops code
  that never checks a clock; elsewhere (threads of a Dask worker) the
  engine's own cooperative budget still applies;
- **depth**: nested structures that Python's parsers would follow until a
  ``RecursionError`` are reported as too deeply nested.

Calibrated together: the 10 MB document of ``bench/bench_limits.py`` must be
processed within the budget, and the hostile corpus of ``tests/test_hostile.py``
must end each file within it.
"""

from __future__ import annotations

import contextlib
import signal
import threading
import time
from collections.abc import Callable, Iterator

from figtrace.errors import ExtractionTimeout, FigtraceError

#: Seconds one document may take, from the start of its reading to its ledger write.
DOCUMENT_BUDGET_S = 30.0
#: Longest line accepted (characters). A news paragraph is a few thousand; a
#: megabyte without a line break is a dump or an attack, not an article.
MAX_LINE_CHARS = 200_000
#: Most tags one HTML page (or feed entry, or WARC record) may have. A long
#: news page has a few thousand; a million tiny tags made the parser take minutes.
MAX_TAGS = 200_000


class InputTooLarge(FigtraceError):
    """One input is over a size limit (line, tags); the message names the limit."""


class DocumentTimeout(ExtractionTimeout):
    """One document took longer than its budget in some stage; it is skipped, the batch goes on."""


def check_lines(text: str, limit: int = MAX_LINE_CHARS) -> None:
    """Raise :class:`InputTooLarge` if a line of ``text`` is longer than ``limit`` characters (linear)."""
    start = 0
    n = len(text)
    while start < n:
        nl = text.find("\n", start)
        end = n if nl < 0 else nl
        if end - start > limit:
            line = text.count("\n", 0, start) + 1
            raise InputTooLarge(
                f"line {line:,} is {end - start:,} characters long, over the {limit:,}-character limit "
                f"for one line (not an article; split it into paragraphs)")
        start = end + 1


def _timer_usable() -> bool:
    return (hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
            and signal.getitimer(signal.ITIMER_REAL)[0] == 0)


@contextlib.contextmanager
def time_limit(seconds: float | None, message: Callable[[], str]) -> Iterator[None]:
    """Raise :class:`DocumentTimeout` (with ``message()``) if the block runs longer than ``seconds``.

    A timer signal interrupts Python code wherever it is (a C call finishes
    first); outside the main thread, or when a timer is already running (a
    nested limit), the block runs unbounded here and relies on its own checks.
    """
    if seconds is None or not _timer_usable():
        yield
        return
    if seconds <= 0:
        raise DocumentTimeout(message())

    def on_alarm(signum: int, frame: object) -> None:
        raise DocumentTimeout(message())

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


class Stopwatch:
    """When the reading of a document began, per thread and per document.

    The readers are generators consumed lazily by the stages after them, so a
    document is read, processed and stored before the next one is read: the
    reading guard starts the clock before reading and, once the document
    exists, ties the start to it (:meth:`mark`); :meth:`elapsed` then counts
    for that very document only, so a clock left running by a reader nobody
    finished can never eat the budget of another document.
    """

    _local = threading.local()

    @classmethod
    def start(cls) -> None:
        cls._local.started = time.monotonic()

    @classmethod
    def mark(cls, document: object) -> None:
        """The document just read began at the last :meth:`start`."""
        started = getattr(cls._local, "started", None)
        cls._local.doc = (id(document), document, started) if started is not None else None
        cls._local.started = None

    @classmethod
    def elapsed(cls, document: object = None) -> float:
        """Seconds since the reading of ``document`` began (0 when it was not read by a reader here).

        Without a document: how long the reading under way has taken (0 when none is).
        """
        if document is None:
            started = getattr(cls._local, "started", None)
            return 0.0 if started is None else time.monotonic() - started
        doc = getattr(cls._local, "doc", None)
        if doc is None or doc[1] is not document:
            return 0.0
        return time.monotonic() - doc[2]

    @classmethod
    def reset(cls) -> None:
        cls._local.started = None
        cls._local.doc = None


def budget_message(budget: float, stage: str, what: str = "") -> Callable[[], str]:
    """The message of a document over its budget, naming the stage it was in."""
    return lambda: (f"took longer than its {budget:g} s budget while {stage}{what} "
                    f"(document skipped; the batch goes on)")
