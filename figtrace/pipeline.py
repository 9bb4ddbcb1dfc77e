"""The one place that strings the stages together.

Every road (``figtrace.extract()``, ``figtrace extract``, ``figtrace ingest``,
the process pool and Dask) calls :func:`process` on each document, so the same
document gives the same claims whichever road it took. The stages, in order:

====================  ==============================  =========================================
stage                 module                          what it adds to the document
====================  ==============================  =========================================
1. read               :mod:`figtrace.ingest`          text and raw metadata per article
2. decode             :mod:`figtrace.ingest.decode`   text from bytes, mojibake repaired
3. clean              :mod:`figtrace.clean`           segments: title, body, furniture
4. metadata           :mod:`figtrace.meta`            language, publication date, title, outlet
5. extract            :mod:`figtrace.extract`         claims
====================  ==============================  =========================================

Stages 1 and 2 run in the readers (a reader knows the bytes and their
charset); :func:`read` yields their documents. :func:`prepare` runs stages 3
and 4 (after the run's options and a manifest entry are applied),
:func:`process` adds stage 5. The cleaner runs before the metadata is read,
because the metadata readers look at the timestamp, byline and credit lines
that the cleaner finds and detect the language on the body alone.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from figtrace.diagnose import nothing_reason
from figtrace.errors import FigtraceError, InputError
from figtrace.limits import DOCUMENT_BUDGET_S, DOCUMENT_MEMORY_MB, Stopwatch, budget_message, check_lines, time_limit
from figtrace.model import Claim, Document

__all__ = ["Extractor", "Options", "Outcome", "Result", "default_extractor", "prepare", "process", "read",
           "run", "run_documents"]

if TYPE_CHECKING:
    from figtrace.ingest.manifest import Manifest

#: An extractor turns one prepared document into claims (the rule engine, or a test double).
Extractor = Callable[[Document], list[Claim]]


@dataclass(frozen=True, slots=True)
class Options:
    """What a run is given; it travels to every worker, so it stays small and picklable.

    ``lang`` forces the language of every document (else it is detected).
    ``published`` (``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``) is the publication
    date for documents whose metadata and manifest carry none: a fallback, never
    an override. ``manifest`` gives dates and outlets per file or URL.
    ``allow_private`` lets URLs resolve to private or loopback addresses.
    ``extractor`` replaces the rule engine (a module-level function, so that it
    pickles). ``budget`` is the seconds one document may take from the start of
    its reading to its ledger write, ``memory_mb`` how much the process may grow
    while reading or processing it (:mod:`figtrace.limits`; None: unbounded).
    """

    lang: str | None = None
    published: str | None = None
    manifest: Manifest | None = None
    allow_private: bool = False
    extractor: Extractor | None = None
    budget: float | None = DOCUMENT_BUDGET_S
    memory_mb: float | None = DOCUMENT_MEMORY_MB


@dataclass(slots=True)
class Result:
    """One document after every stage: its metadata, its claims and what went wrong on the way."""

    document: Document
    claims: list[Claim]
    warnings: list[str] = field(default_factory=list)
    #: Why a document gave no claims when the tool can see why (furniture only, a forced language
    #: the text is not in): a skip to name and count, not a failure.
    empty_reason: InputError | None = None
    elapsed: float = 0.0  # seconds spent on it so far (reading and processing), against its budget


#: What a batch yields per input: a result, or the input that failed (in its place).
Outcome = Result | InputError


# -- stages 1 and 2 ----------------------------------------------------------------

def read(inputs: Iterable[str], options: Options = Options()) -> Iterator[Document | InputError]:
    """Stages 1 and 2: documents (or the inputs that failed) from files, folders, ``-`` and URLs."""
    from figtrace.ingest import iter_documents

    return iter_documents(inputs, allow_private=options.allow_private, budget=options.budget,
                          memory_mb=options.memory_mb)


# -- stages 3 and 4 ------------------------------------------------------------------

def prepare(document: Document, options: Options = Options()) -> Document:
    """Stages 3 and 4 on a document a reader produced: the run's options, metadata and segments.

    The publication date is, in this order: the manifest's entry (the user's
    word on that file or URL), the container's metadata (set by the reader),
    the ``published`` option, else a guess from the body (:func:`figtrace.meta.enrich`, marked ``published_from =
    "body"``). The document is changed in place and returned; its text never
    changes.
    """
    from figtrace.clean import segment
    from figtrace.meta import enrich

    entry = options.manifest.lookup(document) if options.manifest is not None else None
    if entry is not None:
        if entry.published:
            document.set_published(entry.published, "manifest", "manifest")
        if entry.outlet:
            document.outlet = entry.outlet
            document.meta["outlet_source"] = "manifest"
        if entry.url and not document.url:  # where the file was fetched from
            document.url = entry.url
        if entry.lang and not document.lang:
            document.lang = entry.lang
            document.meta["lang_source"] = "manifest"
    if options.lang:
        document.lang = options.lang
        document.meta["lang_source"] = "user"
    if options.published and not document.published:
        document.set_published(options.published, "option", "user")
    if not document.segments:
        document.segments = segment(document.text, document.lang, title=document.title)
    return enrich(document)


# -- stage 5 --------------------------------------------------------------------------

def process(document: Document, options: Options = Options()) -> Result:
    """Every stage after reading: metadata, segments, then claims.

    Raises :class:`~figtrace.errors.FigtraceError` for a problem the user can
    fix (an unknown language); :func:`run_documents` turns any failure into an
    :class:`~figtrace.errors.InputError` in the document's place.
    """
    started = time.monotonic() - Stopwatch.elapsed(document)  # when its reading began (or now)
    budget = options.budget
    spent = time.monotonic() - started
    remaining = None if budget is None else budget - spent
    with time_limit(remaining, budget_message(budget or 0, "processing it"), memory_mb=options.memory_mb):
        check_lines(document.text)
        doc = prepare(document, options)
        extractor = options.extractor or _engine()
        claims = doc.stamp(extractor(doc))
        empty = None if claims else nothing_reason(doc)
    Stopwatch.reset()
    return Result(doc, claims, _warnings(doc), empty, time.monotonic() - started)


def _warnings(doc: Document) -> list[str]:
    out = []
    if "published_unparsed" in doc.meta:
        out.append(f"publication date {doc.meta['published_unparsed']!r} is not a date like 2025, 2025-06 "
                   f"or 2025-06-16 (ignored)")
    if not doc.published:
        out.append("no publication date: relative dates ('on Monday', 'last week') stay unresolved")
    return out


def _engine() -> Extractor:
    from figtrace.extract import extract_document

    return extract_document


def default_extractor() -> Extractor:
    """The rule engine, or the ``module:function`` named by ``FIGTRACE_EXTRACTOR``.

    The variable lets a drill or another extractor (a test double, a model
    behind an endpoint) run through the same ``figtrace ingest`` path.
    """
    import importlib

    spec = os.environ.get("FIGTRACE_EXTRACTOR")
    if not spec:
        return _engine()
    module, _, name = spec.partition(":")
    try:
        fn = getattr(importlib.import_module(module), name or "extract_document")
    except (ImportError, AttributeError) as e:
        raise FigtraceError(f"FIGTRACE_EXTRACTOR={spec!r} names no importable function: {e}") from None
    if not callable(fn):
        raise FigtraceError(f"FIGTRACE_EXTRACTOR={spec!r} is not a function")
    return fn  # type: ignore[no-any-return]


# -- a batch in this process --------------------------------------------------------------

def run_documents(items: Iterable[Document | InputError], options: Options = Options()) -> Iterator[Outcome]:
    """:func:`process` over documents, in order; each failure becomes an :class:`InputError` in place.

    The per-document stopwatch is cleared before each item is fetched: a reader
    starts it while it reads that item, while a document that was built or read
    earlier starts with its whole budget (never a stale clock of another read).
    """
    source = iter(items)
    while True:
        Stopwatch.reset()
        item = next(source, None)
        if item is None:
            return
        if isinstance(item, InputError):
            yield item
            continue
        try:
            yield process(item, options)
        except FigtraceError as e:  # a user's problem (an unknown language, a time or size limit): its message
            yield InputError(item.name, str(e))
        except RecursionError:
            yield InputError(item.name, "extraction failed: nested too deeply (over Python's recursion limit)")
        except MemoryError:
            yield InputError(item.name, "extraction failed: ran out of memory (document skipped)")
        except Exception as e:  # one article's extraction bug must not stop a batch
            yield InputError(item.name, f"extraction failed: {type(e).__name__}: {e}")
        finally:
            Stopwatch.reset()


def run(inputs: Iterable[str], options: Options = Options()) -> Iterator[Outcome]:
    """Every stage over files, folders, ``-`` and URLs in this process, in input order."""
    return run_documents(read(inputs, options), options)
