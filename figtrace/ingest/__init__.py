"""Readers: turn whatever the user has (files, folders, stdin, URLs) into Documents.

:func:`iter_documents` yields a :class:`~figtrace.model.Document` per
article with the metadata its container carried (HTML meta, feed entry, JSON
Lines fields), or an
:class:`~figtrace.errors.InputError` per input (or record) that failed, so one
bad file never stops a batch. It is a generator all the way down: a folder is
walked lazily and WARC and JSON Lines files are streamed record by record.

Readers by extension, else by the first bytes: ``.txt``/``.md`` (text),
``.html``/``.htm`` (trafilatura), ``.warc``/``.warc.gz`` (warcio),
``.jsonl``, ``.rss``/``.atom``/``.xml`` feeds, folders (recursive), ``-``
(stdin) and ``http(s)://`` URLs of pages or feeds.

Readers only read: cleaning, metadata and extraction are later stages, strung
together in :mod:`figtrace.pipeline`; this package imports none of them.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, BinaryIO

from figtrace.errors import FigtraceError, InputError
from figtrace.ingest.decode import decode, repair
from figtrace.ingest.errors import ReadError
from figtrace.ingest.fetch import FetchPolicy, fetch, make_client
from figtrace.ingest.sniff import SNIFFED, Kind, binary_format, kind_by_content, kind_by_name, suffix, unsupported
from figtrace.limits import DOCUMENT_BUDGET_S, DOCUMENT_MEMORY_MB, Stopwatch, budget_message, time_limit
from figtrace.model import Document

__all__ = ["DEFAULT_MAX_BYTES", "FetchPolicy", "ReadError", "iter_documents"]

#: Largest single document (a file, a WARC record, a JSON line) read into memory.
DEFAULT_MAX_BYTES = 50 * 1024 * 1024
_HEAD = 8192
_STREAMED: frozenset[Kind] = frozenset({"warc", "jsonl"})


def iter_documents(
    inputs: Iterable[str],
    *,
    allow_private: bool = False,
    timeout: float = 20.0,
    max_bytes: int = DEFAULT_MAX_BYTES,
    fetch_policy: FetchPolicy | None = None,
    budget: float | None = DOCUMENT_BUDGET_S,
    memory_mb: float | None = DOCUMENT_MEMORY_MB,
) -> Iterator[Document | InputError]:
    """Documents from files, folders, ``-`` (stdin) and URLs, with the metadata their container carried.

    ``allow_private`` permits fetching loopback,
    private and link-local addresses (refused by default). ``max_bytes`` caps
    one document; ``fetch_policy`` overrides the network guards' defaults.
    ``budget`` bounds the seconds spent reading one document, ``memory_mb`` how
    much the process may grow meanwhile (None: unbounded).

    Each file, record, stream and URL is isolated: whatever its reader raises
    (a third-party parser's bug, a recursion too deep, running out of time or
    memory) becomes one :class:`InputError` naming it, and the next input is read.
    """
    if isinstance(inputs, str):  # one path given bare, not a list of its characters
        inputs = [inputs]
    policy = fetch_policy or FetchPolicy(timeout=timeout, allow_private=allow_private)
    reader = _Reader(max_bytes=max_bytes, policy=policy, budget=budget, memory_mb=memory_mb)
    try:
        for item in inputs:
            yield from reader.read(item)
    finally:
        reader.close()


class _Reader:
    """Options of one batch and its HTTP client (opened on the first URL)."""

    def __init__(self, *, max_bytes: int, policy: FetchPolicy, budget: float | None = DOCUMENT_BUDGET_S,
                 memory_mb: float | None = DOCUMENT_MEMORY_MB):
        self.max_bytes = max_bytes
        self.policy = policy
        self.budget = budget
        self.memory_mb = memory_mb
        self._client: Any = None

    def close(self) -> None:
        if self._client is not None:
            self._client.close()

    @property
    def client(self) -> Any:
        if self._client is None:
            self._client = make_client(self.policy)
        return self._client

    # -- dispatch -------------------------------------------------------------

    def read(self, item: str) -> Iterator[Document | InputError]:
        if item == "-":
            yield from self._guarded(self._stdin(), "<stdin>")
        elif item.lower().startswith(("http://", "https://")):
            yield from self._guarded(self._url(item), item)
        else:
            p = Path(item)
            if p.is_dir():
                yield from self._dir(p)
            elif not p.exists():
                yield InputError(item, "no such file or folder")
            else:
                yield from self._guarded(self._file(p, item), item)

    def _guarded(self, items: Iterator[Document | InputError], display: str) -> Iterator[Document | InputError]:
        """One input's documents, each read within the budget; anything its reader raises is one error line.

        The reader of that input stops there (a generator that raised cannot go
        on); the batch goes on with the next input. The stopwatch of each
        document starts here, so the later stages take what is left of its budget.
        """
        try:
            yield from self._timed(items, display)
        finally:  # done, failed or abandoned: no document of this input is being read any more
            Stopwatch.reset()

    def _timed(self, items: Iterator[Document | InputError], display: str) -> Iterator[Document | InputError]:
        while True:
            Stopwatch.start()
            try:
                with time_limit(self.budget, budget_message(self.budget or 0, "reading it"),
                                memory_mb=self.memory_mb, stage="reading it"):
                    item = next(items)
            except StopIteration:
                return
            except RecursionError:
                yield InputError(display, "nested too deeply to read (over Python's recursion limit)")
            except MemoryError:
                yield InputError(display, "ran out of memory while reading it (skipped)")
            except FigtraceError as e:  # a time or size limit
                yield InputError(display, str(e))
            except Exception as e:  # a reader's (or a library's) bug must not stop the batch
                text = str(e).strip().splitlines()[0][:160] if str(e).strip() else ""
                yield InputError(display, f"cannot read it: {type(e).__name__}{': ' + text if text else ''}")
            else:
                Stopwatch.mark(item)
                yield item
                continue
            items.close()
            return

    def _dir(self, root: Path) -> Iterator[Document | InputError]:
        for item in walk_folder(root):
            if isinstance(item, InputError):
                yield item
            else:
                yield from self._guarded(self._file(Path(item), item), item)

    def _file(self, p: Path, display: str) -> Iterator[Document | InputError]:
        try:
            size = p.stat().st_size
            with p.open("rb") as f:
                head = f.read(_HEAD)
                named = kind_by_name(p.name)
                binary = None if named else binary_format(head)
                if binary:
                    yield unsupported(display, binary)
                    return
                kind = named or kind_by_content(head)
                if kind in _STREAMED:
                    f.seek(0)
                    yield from self._stream(kind, f, p.name, display)
                    return
                if size > self.max_bytes:
                    yield InputError(display, f"file is {_mb(size)}, over the {_mb(self.max_bytes)} limit")
                    return
                data = head + f.read(self.max_bytes + 1 - len(head))
        except OSError as e:
            yield InputError(display, f"cannot read: {e.strerror or e}")
            return
        for item in self._whole(kind, data, p.name, display):
            if isinstance(item, Document):
                item.meta["path"] = display  # where it was read: a manifest names files by path
            yield item

    def _stdin(self) -> Iterator[Document | InputError]:
        stream: BinaryIO = sys.stdin.buffer
        peek = getattr(stream, "peek", None)
        head = peek(_HEAD)[:_HEAD] if peek else b""
        kind = kind_by_content(head) if head else "text"
        if kind in _STREAMED:
            yield from self._stream(kind, stream, "<stdin>", "<stdin>")
            return
        data = stream.read(self.max_bytes + 1)
        if len(data) > self.max_bytes:
            yield InputError("<stdin>", f"input is over the {_mb(self.max_bytes)} limit")
            return
        yield from self._whole(kind, data, "<stdin>", "<stdin>")

    def _url(self, url: str) -> Iterator[Document | InputError]:
        try:
            got = fetch(url, self.policy, self.client)
        except ReadError as e:
            yield InputError(url, str(e))
            return
        if got.kind == "feed":
            yield from self._feed(got.body, url, url, base_url=got.url)
        else:
            yield self._html(_decoded(got.body, got.charset), url, url, url=got.url)

    # -- readers --------------------------------------------------------------

    def _whole(self, kind: Kind, data: bytes, name: str, display: str) -> Iterator[Document | InputError]:
        if not data.strip():
            yield InputError(display, "empty input")
        elif len(data) > self.max_bytes:
            yield InputError(display, f"input is over the {_mb(self.max_bytes)} limit")
        elif kind == "html":
            yield self._html(data, name, display)
        elif kind == "feed":
            yield from self._feed(data, name, display)
        else:
            yield self._text(data, name, display)

    def _stream(self, kind: Kind, stream: BinaryIO, name: str, display: str) -> Iterator[Document | InputError]:
        if kind == "warc":
            from figtrace.ingest.warc import iter_warc

            for rec in iter_warc(stream, name, self.max_bytes):
                if isinstance(rec, InputError):
                    yield _renamed(rec, name, display)
                else:
                    rec_name, url, html, charset = rec
                    yield self._html(_decoded(html, charset), rec_name, rec_name, url=url)
            return
        from figtrace.ingest.jsonl import iter_jsonl

        for item in iter_jsonl(stream, name, self.max_bytes):
            if isinstance(item, InputError):
                yield _renamed(item, name, display)
            else:
                yield self._record(*item)

    def _text(self, data: bytes, name: str, display: str) -> Document | InputError:
        try:
            text, encoding = decode(data)
        except ReadError as e:
            return InputError(display, str(e))
        text, repaired = repair(text)
        if not text.strip():
            return InputError(display, "empty input")
        meta: dict[str, Any] = {"format": "text", "encoding": encoding}
        if repaired:
            meta["repaired"] = "mojibake"
        return Document(text=text, name=name, meta=meta)

    def _html(
        self,
        data: bytes | str,
        name: str,
        display: str,
        *,
        url: str | None = None,
        title: str | None = None,
        published: str | None = None,
    ) -> Document | InputError:
        from figtrace.ingest.html import read_html

        try:
            page = read_html(data, url=url)
        except ReadError as e:
            return InputError(display, str(e))
        meta: dict[str, Any] = {"format": "html"}
        if page.repaired:
            meta["repaired"] = "mojibake"
        doc = Document(text=page.text, name=name, url=page.url, title=page.title or title, meta=meta)
        if page.sitename:
            meta["sitename"] = page.sitename
            if not page.url:
                doc.outlet = page.sitename
                meta["outlet_source"] = "html"
        if page.published or published:
            doc.set_published(page.published or published, "metadata", "html" if page.published else "feed")
        return doc

    def _feed(
        self, data: bytes, name: str, display: str, *, base_url: str | None = None
    ) -> Iterator[Document | InputError]:
        from figtrace.ingest.feed import parse_feed

        try:
            entries = list(parse_feed(data, base_url))  # a broken feed fails before any fetch
        except ReadError as e:
            yield InputError(display, str(e))
            return
        for i, entry in enumerate(entries, 1):
            if entry.link and entry.link.lower().startswith(("http://", "https://")):
                try:
                    got = fetch(entry.link, self.policy, self.client)
                except ReadError as e:
                    yield InputError(entry.link, str(e))
                    continue
                yield self._html(
                    _decoded(got.body, got.charset),
                    entry.link,
                    entry.link,
                    url=got.url,
                    title=entry.title,
                    published=entry.published,
                )
            elif entry.content:
                label = entry.link or entry.id or f"{name}#{i}"
                yield self._html(
                    f"<html><body><article>{entry.content}</article></body></html>",
                    label,
                    label,
                    url=entry.link,
                    title=entry.title,
                    published=entry.published,
                )
            else:
                yield InputError(f"{name}#{i}", "feed entry has neither a link nor content")

    def _record(self, name: str, rec: dict[str, Any]) -> Document:
        text, repaired = repair(rec["text"])
        meta: dict[str, Any] = {"format": "jsonl"}
        if repaired:
            meta["repaired"] = "mojibake"
        doc = Document(
            text=text,
            name=name,
            meta=meta,
            url=rec.get("url") if isinstance(rec.get("url"), str) else None,
            title=rec.get("title") if isinstance(rec.get("title"), str) else None,
        )
        if isinstance(rec.get("lang"), str) and rec["lang"]:
            doc.lang = rec["lang"]
            doc.meta["lang_source"] = "given"
        doc.set_published(rec.get("published"), "metadata", "record")
        return doc


def walk_folder(root: str | Path) -> Iterator[str | InputError]:
    """Files below ``root`` in a stable order; a file no reader takes is an ``unsupported`` skip, never silent.

    Hidden files and folders (``.git``, ``.DS_Store``) are not the user's articles and are passed over.
    """
    for here, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for f in sorted(files):
            if f.startswith("."):
                continue
            p = str(Path(here) / f)
            if kind_by_name(f) is None and suffix(f) not in SNIFFED:
                yield unsupported(p, suffix(f))
            else:
                yield p


def _decoded(body: bytes, charset: str | None) -> bytes | str:
    """The page as text when the server named its charset and it fits; else bytes for trafilatura to sniff."""
    if charset:
        try:
            return body.decode(charset)
        except (LookupError, UnicodeDecodeError):
            pass
    return body


def _renamed(err: InputError, name: str, display: str) -> InputError:
    """A record's error names the input as the user gave it: ``data/crawl.warc.gz#3``."""
    if err.input == name or err.input.startswith(name + "#"):
        return InputError(display + err.input[len(name) :], err.message)
    return err


def _mb(n: int) -> str:
    return f"{n / (1024 * 1024):.0f} MB" if n >= 1024 * 1024 else f"{n} bytes"
