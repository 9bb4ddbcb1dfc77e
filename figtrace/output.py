"""One way to print rows, shared by every listing command.

Borrowed from sqlite-utils: one decorator gives every command the same
``--format`` flag, so ``claims``, ``timeline`` and ``conflicts`` can all be
piped into jq, pandas or a spreadsheet the same way.
"""

from __future__ import annotations

import csv
import json
import re
import sys
from collections.abc import Callable, Iterable, Sequence
from typing import IO, Any

import click

FORMATS = ("table", "jsonl", "csv", "parquet")


def output_options(default: str = "table", formats: Sequence[str] = FORMATS) -> Callable[[Any], Any]:
    """Add ``--format`` and ``--output`` to a click command."""

    def deco(f: Any) -> Any:
        f = click.option(
            "--format", "fmt", type=click.Choice(list(formats)), default=default, show_default=True,
            help="Output format.",
        )(f)
        f = click.option(
            "-o", "--output", "output", type=click.Path(dir_okay=False, allow_dash=True), default="-",
            help="Write to this file instead of standard output (required for parquet).",
        )(f)
        return f

    return deco


def _cell(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if isinstance(v, list | tuple):
        return ", ".join(_cell(x) for x in v)
    if isinstance(v, dict):
        return json.dumps(v, ensure_ascii=False)
    return str(v)


#: First characters that make a spreadsheet read a cell as a formula (OWASP "CSV Injection"):
#: ``=`` ``+`` ``-`` ``@``, tab and carriage return, and the full-width forms some spreadsheets
#: also accept. Article text is written by strangers, so a quote such as ``=HYPERLINK(…)``
#: must reach an analyst's spreadsheet as text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
_FORMULA_FIRST = frozenset(FORMULA_STARTS)  # each is one character
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:[.,]\d+)*|\.\d+)(?:[eE][+-]?\d+)?")


def csv_cell(v: Any) -> str:
    """One CSV cell, neutralised: a text that a spreadsheet would run as a formula gets a leading ``'``.

    Numbers (``-3``, ``+1.5e3``) stay as they are: they cannot call anything, and a
    quote would turn them into text for every reader. The csv writer quotes every
    cell, so separators and quotes inside it are escaped too (the rest of OWASP's advice).
    """
    text = v if type(v) is str else _cell(v)  # the common case first: a download writes ~20,000 cells
    if text and text[0] in _FORMULA_FIRST and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def write_rows(
    rows: Iterable[dict[str, Any]], fmt: str, fields: Sequence[str] | None = None,
    out: IO[str] | None = None, path: str | None = None, table_fields: Sequence[str] | None = None,
) -> int:
    """Write rows in ``fmt``; returns how many were written.

    ``fields`` fixes the column order for csv/table (jsonl keeps every key);
    ``table_fields`` narrows the human table to what fits a terminal. CSV cells
    are neutralised against formula injection (:func:`csv_cell`).
    """
    if fmt == "parquet":
        if not path or path == "-":
            raise click.UsageError("--format parquet needs --output FILE")
        return _write_parquet(list(rows), path)
    close = False
    if out is None:
        if path and path != "-":
            out = open(path, "w", encoding="utf-8", newline="")  # noqa: SIM115
            close = True
        else:
            out = sys.stdout
    try:
        n = 0
        if fmt == "jsonl":
            for r in rows:
                out.write(json.dumps(r, ensure_ascii=False) + "\n")
                n += 1
            return n
        rows = list(rows)
        cols = list(fields or (list(rows[0].keys()) if rows else []))
        if fmt == "csv":
            w = csv.writer(out, quoting=csv.QUOTE_ALL)
            w.writerow([csv_cell(c) for c in cols])
            for r in rows:
                w.writerow([csv_cell(r.get(c)) for c in cols])
            return len(rows)
        cols = list(table_fields or cols)
        _write_table(rows, cols, out)
        return len(rows)
    finally:
        if close:
            out.close()


def _write_table(rows: list[dict[str, Any]], cols: list[str], out: IO[str], width: int = 60) -> None:
    cells = [[_cell(r.get(c)) for c in cols] for r in rows]
    cells = [[c if len(c) <= width else c[: width - 1] + "…" for c in row] for row in cells]
    widths = [max([len(c)] + [len(row[i]) for row in cells]) for i, c in enumerate(cols)]
    out.write("  ".join(c.ljust(w) for c, w in zip(cols, widths, strict=True)).rstrip() + "\n")
    out.write("  ".join("-" * w for w in widths) + "\n")
    for row in cells:
        out.write("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() + "\n")


def _write_parquet(rows: list[dict[str, Any]], path: Any) -> int:
    """Rows as one Parquet table (``path``: a file name or a binary file); nested dicts become JSON text."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    norm = [{k: (json.dumps(v, ensure_ascii=False) if isinstance(v, dict) else v) for k, v in r.items()}
            for r in rows]
    pq.write_table(pa.Table.from_pylist(norm), path)
    return len(rows)


def parquet_bytes(rows: list[dict[str, Any]]) -> bytes:
    """Rows as the bytes of a Parquet file (the dashboard's downloads)."""
    import io

    buf = io.BytesIO()
    _write_parquet(rows, buf)
    return buf.getvalue()


def stderr_is_terminal() -> bool:
    """Whether progress bars belong on standard error: a terminal, not a pipe or a log file."""
    return sys.stderr.isatty()
