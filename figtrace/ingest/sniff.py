"""Which reader an input needs: by its name first, by its first bytes otherwise."""

from __future__ import annotations

import json
import zlib
from typing import Literal

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
