"""WARC (and ARC) files from crawls: every HTML response record is one document.

Streamed record by record with warcio, so a multi-gigabyte crawl never sits in
memory; a record over the size cap is skipped with its own error, and a file
cut short ends with an error after the records that were intact.
"""

from __future__ import annotations

import os
import zlib
from collections.abc import Iterator
from typing import BinaryIO

from figtrace.errors import InputError


def iter_warc(
    stream: BinaryIO, name: str, max_record: int
) -> Iterator[tuple[str, str | None, bytes, str | None] | InputError]:
    """(record name, target URL, HTML bytes, charset) per HTML record, ``name#1``, ``name#2``, …"""
    from warcio.archiveiterator import ArchiveIterator
    from warcio.exceptions import ArchiveLoadFailed

    n = 0
    try:
        records = ArchiveIterator(stream, arc2warc=True)
        for record in records:
            if record.rec_type is None:
                raise ValueError("a record without a WARC type (not a WARC record)")
            if record.rec_type not in ("response", "resource"):
                continue
            headers = record.http_headers
            if headers is not None:
                status = headers.get_statuscode()
                if not status or not status.startswith("2"):
                    continue
                ctype = headers.get_header("Content-Type") or ""
            else:
                ctype = record.rec_headers.get_header("Content-Type") or ""
            if "html" not in ctype.lower():
                continue
            n += 1
            rec_name = f"{name}#{n}"
            data = record.content_stream().read(max_record + 1)
            if len(data) > max_record:
                yield InputError(rec_name, f"record is over the {max_record}-byte limit")
                continue
            if getattr(record.raw_stream, "limit", 0) > 0:
                # the record promised more bytes than the file holds: the crawl was cut here
                raise EOFError(f"record {n} ends early")
            yield rec_name, record.rec_headers.get_header("WARC-Target-URI"), data, _charset(ctype)
        size = _size(stream)
        if size is not None and records.offset < size:
            # warcio stops quietly at a gzip member cut short: the bytes after the last record are lost
            raise EOFError(f"the last {size - records.offset:,} bytes are not a whole record")
    except (ArchiveLoadFailed, EOFError, zlib.error, ValueError, OSError) as e:
        reason = str(e).strip().splitlines()[0][:120] if str(e).strip() else type(e).__name__
        yield InputError(name, f"truncated or damaged WARC after {n} HTML records: {reason}")
    except Exception as e:  # warcio trips over malformed headers (a response without WARC-Target-URI)
        reason = str(e).strip().splitlines()[0][:120] if str(e).strip() else ""
        yield InputError(name, f"damaged WARC record after {n} HTML records (warcio: {type(e).__name__}"
                               f"{': ' + reason if reason else ''}); the records after it are not read")


def _size(stream: BinaryIO) -> int | None:
    """The size of a file behind ``stream`` (None for a pipe such as stdin)."""
    try:
        return os.fstat(stream.fileno()).st_size
    except (OSError, AttributeError, ValueError):
        return None


def _charset(ctype: str) -> str | None:
    for part in ctype.split(";")[1:]:
        key, _, value = part.partition("=")
        if key.strip().lower() == "charset" and value.strip():
            return value.strip().strip('"').lower()
    return None
