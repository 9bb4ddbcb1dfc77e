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
- **memory**: the process may grow by at most ``DOCUMENT_MEMORY_MB`` while
  one document is read or processed (a watchdog thread samples the resident
  memory and stops the document, :class:`DocumentOverMemory`); a pool worker
  process also runs under a hard address-space limit (:func:`bound_process_memory`),
  so even memory taken inside a C library (a parser) ends in a ``MemoryError``
  or the loss of that worker, which the pool reports as one error line;
- **depth**: nested structures that Python's parsers would follow until a
  ``RecursionError`` are reported as too deeply nested.

Outside the main thread (the threads of a Dask worker) no timer signal can
reach the code, so the same watchdog stops a document over its time budget
there too: every stage of every road is bounded in time and memory.

Calibrated together: the 10 MB document of ``bench/bench_limits.py`` must be
processed within the budget, and the hostile corpus of ``tests/test_hostile.py``
must end each file within it.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from figtrace.errors import ExtractionTimeout, FigtraceError

#: Seconds one document may take, from the start of its reading to its ledger write.
DOCUMENT_BUDGET_S = 30.0
#: Longest line accepted (characters). A news paragraph is a few thousand; a
#: megabyte without a line break is a dump or an attack, not an article.
MAX_LINE_CHARS = 200_000
#: Most tags one HTML page (or feed entry, or WARC record) may have. A long
#: news page has a few thousand; a million tiny tags made the parser take minutes.
MAX_TAGS = 200_000


#: Megabytes a process may grow by while it reads or processes one document. The 10 MB document of
#: bench/bench_limits.py peaks at 364 MB; a tag flood took 1.16 GB before the tag limit.
DOCUMENT_MEMORY_MB = 768
#: Hard address-space allowance of a pool worker beyond what it had mapped when it started (MB):
#: above the watchdog's bound, for memory taken where the watchdog cannot stop it (inside C code).
WORKER_ADDRESS_SPACE_MB = 3072
#: Seconds between two samples of the watchdog.
WATCH_EVERY_S = 0.02


class InputTooLarge(FigtraceError):
    """One input is over a size limit (line, tags); the message names the limit."""


class DocumentTimeout(ExtractionTimeout):
    """One document took longer than its budget in some stage; it is skipped, the batch goes on."""


class DocumentOverMemory(InputTooLarge):
    """One document made the process grow past its memory bound; it is skipped, the batch goes on."""


def memory_message(limit_mb: float, stage: str) -> Callable[[], str]:
    return lambda: (f"needed more than its {limit_mb:g} MB of memory while {stage} "
                    f"(document skipped; the batch goes on)")


def resident_bytes() -> int | None:
    """This process's resident memory (None where ``/proc`` is not there to ask)."""
    try:
        with open("/proc/self/statm", "rb") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None


def bound_process_memory(extra_mb: float = WORKER_ADDRESS_SPACE_MB) -> None:
    """A hard address-space limit for this process: what it has mapped now plus ``extra_mb``.

    For pool workers (their initializer): an allocation past it fails with
    ``MemoryError`` (one document's error line) instead of driving the machine
    into swap or the kernel's out-of-memory killer; a worker that dies of it
    is replaced and the input named (:func:`figtrace.scale.pool.isolate`).
    """
    try:
        import resource

        with open("/proc/self/statm", "rb") as f:
            mapped = int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        limit = mapped + int(extra_mb * 2**20)
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        if soft == resource.RLIM_INFINITY or soft > limit:
            resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except (ImportError, OSError, ValueError):
        return  # no such limit on this system: the watchdog's bound still holds


def _raising(base: type[BaseException], message: str) -> type[BaseException]:
    """An exception class that carries ``message`` (an asynchronous exception is raised as a class)."""

    def init(self: BaseException, *args: object) -> None:
        base.__init__(self, message)

    return type(base.__name__, (base,), {"__init__": init, "__module__": base.__module__})


@dataclass(slots=True)
class _Watch:
    thread: int
    deadline: float | None
    time_message: Callable[[], str]
    rss_limit: int | None
    memory_message: Callable[[], str]
    fired: bool = False


class _Watchdog:
    """One daemon thread per process that stops a document over its time (off the main thread) or
    memory bound by raising an exception in the thread processing it, at its next Python step."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)
        self._watches: dict[int, _Watch] = {}
        self._thread: threading.Thread | None = None

    def watching(self, thread: int) -> bool:
        with self._lock:
            return thread in self._watches

    def add(self, watch: _Watch) -> None:
        with self._lock:
            self._watches[watch.thread] = watch
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="figtrace-watchdog", daemon=True)
                self._thread.start()
            self._wake.notify()

    def remove(self, watch: _Watch) -> None:
        with self._lock:
            self._watches.pop(watch.thread, None)
            if watch.fired:  # fired as the block ended: never let it land in the caller's code
                ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(watch.thread), None)

    def _run(self) -> None:
        while True:
            with self._lock:
                while not self._watches:
                    self._wake.wait()
                watches = [w for w in self._watches.values() if not w.fired]
            rss = resident_bytes() if any(w.rss_limit is not None for w in watches) else None
            now = time.monotonic()
            for w in watches:
                if w.deadline is not None and now > w.deadline:
                    self._fire(w, _raising(DocumentTimeout, w.time_message()))
                elif w.rss_limit is not None and rss is not None and rss > w.rss_limit:
                    self._fire(w, _raising(DocumentOverMemory, w.memory_message()))
            time.sleep(WATCH_EVERY_S)

    def _fire(self, watch: _Watch, exc: type[BaseException]) -> None:
        with self._lock:
            if self._watches.get(watch.thread) is watch and not watch.fired:
                watch.fired = True
                ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(watch.thread), ctypes.py_object(exc))


_WATCHDOG = _Watchdog()


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
def time_limit(seconds: float | None, message: Callable[[], str], *, memory_mb: float | None = None,
               stage: str = "processing it") -> Iterator[None]:
    """Raise :class:`DocumentTimeout` (with ``message()``) if the block runs longer than ``seconds``,
    and :class:`DocumentOverMemory` if the process grows by more than ``memory_mb`` in it.

    In the main thread a timer signal interrupts Python code wherever it is (a
    C call finishes first); in any other thread the watchdog raises the same
    exception there. A limit nested in another of the same thread (a reader's
    inside a document's) is left to the outer one.
    """
    if seconds is not None and seconds <= 0:
        raise DocumentTimeout(message())
    thread = threading.get_ident()
    main = threading.current_thread() is threading.main_thread()
    if _WATCHDOG.watching(thread):  # nested: the outer limit covers this block
        yield
        return
    timer = seconds is not None and main and _timer_usable()
    deadline = None if seconds is None or main else time.monotonic() + seconds
    base = resident_bytes() if memory_mb is not None else None
    rss_limit = None if base is None or memory_mb is None else base + int(memory_mb * 2**20)
    watch = None
    if deadline is not None or rss_limit is not None:
        watch = _Watch(thread, deadline, message, rss_limit, memory_message(memory_mb or 0, stage))
        _WATCHDOG.add(watch)
    try:
        if not timer:
            yield
            return
        with _timer(seconds or 0, message):
            yield
    finally:
        if watch is not None:
            _WATCHDOG.remove(watch)


@contextlib.contextmanager
def _timer(seconds: float, message: Callable[[], str]) -> Iterator[None]:
    """The main thread's time limit: a timer signal."""

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
