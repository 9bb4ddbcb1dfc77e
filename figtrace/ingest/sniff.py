"""Which reader an input needs: by its name first, by its first bytes otherwise."""

from __future__ import annotations

import json
import zlib
from typing import Literal

from figtrace.errors import InputError

Kind = Literal["text", "html", "warc", "jsonl", "feed"]

_BY_SUFFIX: dict[str, Kind] = {
    ".txt": "text",
    ".md": "text",
    ".markdown": "text",
    ".text": "text",
    ".html": "html",
    ".htm": "html",
    ".xhtml": "html",
    ".shtml": "html",
    ".warc": "warc",
    ".warc.gz": "warc",
    ".arc": "warc",
    ".arc.gz": "warc",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".rss": "feed",
    ".atom": "feed",
}
#: Suffixes whose content decides (an .xml file may be a feed or a page).
SNIFFED = frozenset({".xml", ""})
_HTML_MARKS = (
    b"<!doctype html",
    b"<html",
    b"<head",
    b"<body",
    b"<article",
    b"<meta",
    b"<div",
    b"<p>",
    b"<title",
)


def kind_by_name(name: str) -> Kind | None:
    low = name.lower()
    for suffix in (".warc.gz", ".arc.gz"):
        if low.endswith(suffix):
            return _BY_SUFFIX[suffix]
    dot = low.rfind(".")
    slash = max(low.rfind("/"), low.rfind("\\"))
    if dot <= slash + 1:
        return None
    return _BY_SUFFIX.get(low[dot:])


def suffix(name: str) -> str:
    low = name.lower().rsplit("/", 1)[-1]
    for s in (".warc.gz", ".arc.gz"):
        if low.endswith(s):
            return s
    dot = low.rfind(".")
    return low[dot:] if dot > 0 else ""


def kind_by_content(head: bytes) -> Kind:
    """Guess from the first few kilobytes; plain text when nothing else fits."""
    if head[:2] == b"\x1f\x8b":
        try:
            inner = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(head, 64)
        except zlib.error:
            inner = b""
        return "warc" if inner.startswith((b"WARC/", b"filedesc://")) else "text"
    body = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if body.startswith(b"warc/"):
        return "warc"
    start = body[:2048]
    if start.startswith(b"<?xml") or start.startswith((b"<rss", b"<feed", b"<rdf")):
        if any(m in start for m in (b"<rss", b"<feed", b"<rdf:rdf")):
            return "feed"
        return "html" if b"<html" in start else "feed"
    if any(m in start[:1024] for m in _HTML_MARKS):
        return "html"
    if body.startswith(b"{"):
        line = body.split(b"\n", 1)[0]
        try:
            if isinstance(json.loads(line), dict):
                return "jsonl"
        except ValueError:
            pass
    return "text"


#: What the readers take, for the message about a file they do not.
READABLE = "text (.txt, .md), HTML, WARC, JSON Lines and RSS/Atom feeds"

#: First bytes of document formats figtrace cannot read, with a name for the message.
_BINARY_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "a PDF file"),
    (b"PK\x03\x04", "a ZIP archive (.docx, .odt, .xlsx and .epub are ZIP files)"),
    (b"\xd0\xcf\x11\xe0", "an old Microsoft Office file (.doc, .xls)"),
    (b"{\\rtf", "an RTF file"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
)


def binary_format(head: bytes) -> str | None:
    """The name of a known format figtrace cannot read, from its first bytes; None otherwise."""
    for magic, name in _BINARY_MAGIC:
        if head.startswith(magic):
            return name
    return None


def unsupported(display: str, what: str) -> InputError:
    """The skip for an input no reader takes; ``what`` is a suffix (".pdf") or a format's name."""
    label = f"{what} files" if what.startswith(".") else (what or "files without an extension")
    return InputError(display, f"unsupported type: {label} are not read (figtrace reads {READABLE}; "
                               f"convert it to text first)", kind="unsupported")
