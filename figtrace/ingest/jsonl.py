"""JSON Lines exports: one article per line (``text``; optional ``url``, ``title``, ``published``, ``id``)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any, BinaryIO

from figtrace.errors import InputError

_SKIP_CHUNK = 1 << 16


def iter_jsonl(stream: BinaryIO, name: str, max_record: int) -> Iterator[tuple[str, dict[str, Any]] | InputError]:
    """(record name, record) per line; a line's own problem is its own InputError."""
    lineno = 0
    while True:
        raw = stream.readline(max_record + 1)
        if not raw:
            return
        lineno += 1
        here = f"{name}#{lineno}"
        if len(raw) > max_record and not raw.endswith(b"\n"):
            _skip_line(stream)
            yield InputError(here, f"line is over the {max_record}-byte limit")
            continue
        if lineno == 1:
            raw = raw.removeprefix(b"\xef\xbb\xbf")
        if not raw.strip():
            continue
        try:
            obj = json.loads(raw)
        except UnicodeDecodeError:
            yield InputError(here, "not UTF-8 (JSON Lines must be UTF-8)")
            continue
        except RecursionError:
            yield InputError(here, "JSON nested too deeply to read (over Python's recursion limit)")
            continue
        except ValueError as e:
            yield InputError(here, f"not valid JSON: {getattr(e, 'msg', e)}")
            continue
        if not isinstance(obj, dict):
            yield InputError(here, "not a JSON object")
            continue
        text = obj.get("text")
        if not isinstance(text, str) or not text.strip():
            yield InputError(here, 'no "text" field with the article')
            continue
        rid = obj.get("id")
        yield (str(rid) if isinstance(rid, str | int) and str(rid) else here), obj


def _skip_line(stream: BinaryIO) -> None:
    while True:
        chunk = stream.readline(_SKIP_CHUNK)
        if not chunk or chunk.endswith(b"\n"):
            return
