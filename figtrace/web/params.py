"""Query parameters of the dashboard, each parsed with a bound.

Every parameter is declared once in ``PARAMS``: the parser enforces it and
the OpenAPI description is generated from it, so the two cannot disagree.
A request outside a bound gets a 400 naming the parameter, ``limit`` too:
nothing is cut off silently; a client pages with ``offset`` (every listing
answers with its ``total`` and a ``next`` link).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from figtrace.model import MEASURES
from figtrace.periods import iso_date
from figtrace.store.filters import FILTER_NAMES, FILTERS

#: Longest free-text parameter accepted (search terms, names).
MAX_TEXT = 200
#: Longest query string accepted at all.
MAX_QUERY = 2000
#: Most rows one request returns; a larger ``limit`` is refused (400), never cut silently.
MAX_LIMIT = 500
DEFAULT_LIMIT = 100
MAX_OFFSET = 1_000_000
DATE_PATTERN = r"^\d{4}(-\d{2}){0,2}$"


class BadParam(ValueError):
    """A query parameter outside its bounds; the message names it."""

    def __init__(self, name: str, message: str):
        super().__init__(f"query parameter {name!r}: {message}")
        self.name = name


def _text(name: str, raw: str) -> str:
    if len(raw) > MAX_TEXT:
        raise BadParam(name, f"longer than {MAX_TEXT} characters")
    if any(ord(ch) < 32 for ch in raw):
        raise BadParam(name, "contains control characters")
    return raw.strip()


#: A document is named by file name, id or URL; URLs run longer than other names.
MAX_DOC = 2048


def _doc(name: str, raw: str) -> str:
    if len(raw) > MAX_DOC:
        raise BadParam(name, f"longer than {MAX_DOC} characters")
    if any(ord(ch) < 32 for ch in raw):
        raise BadParam(name, "contains control characters")
    return raw.strip()


def _date(name: str, raw: str) -> str:
    if not re.fullmatch(r"\d{4}(-\d{2}){0,2}", raw):
        raise BadParam(name, "expected a date like 2025-06-16, 2025-06 or 2025")
    if iso_date(raw) != raw:
        raise BadParam(name, f"{raw!r} is not a calendar date")
    return raw


def _measure(name: str, raw: str) -> str:
    if raw not in MEASURES:
        raise BadParam(name, f"unknown measure; one of {', '.join(MEASURES)}")
    return raw


def _lang(name: str, raw: str) -> str:
    if not re.fullmatch(r"[a-z]{2,3}", raw):
        raise BadParam(name, "expected a language code like de or en")
    return raw


def _int(lo: int, hi: int, *, cap: bool = False) -> Callable[[str, str], int]:
    def parse(name: str, raw: str) -> int:
        if not re.fullmatch(r"\d{1,9}", raw):
            raise BadParam(name, "expected a whole number")
        n = int(raw)
        if n < lo:
            raise BadParam(name, f"must be at least {lo}")
        if n > hi:
            if cap:
                return hi
            raise BadParam(name, f"must be at most {hi}")
        return n

    return parse


def _flag(name: str, raw: str) -> bool:
    if raw.lower() not in ("1", "true", "yes", "on", "0", "false", "no", "off"):
        raise BadParam(name, "expected 1 or 0")
    return raw.lower() in ("1", "true", "yes", "on")


def _status(name: str, raw: str) -> str:
    from figtrace.store.documents import STATUSES

    if raw not in STATUSES:
        raise BadParam(name, f"one of {', '.join(STATUSES)}")
    return raw


def _factor(name: str, raw: str) -> float:
    try:
        x = float(raw)
    except ValueError as e:
        raise BadParam(name, "expected a number like 2 or 1.5") from e
    if not 1.0 <= x <= 100.0:
        raise BadParam(name, "must be between 1 and 100")
    return x


@dataclass(frozen=True, slots=True)
class Param:
    name: str
    parse: Callable[[str, str], Any]
    description: str
    schema: dict[str, Any]


_TEXT_SCHEMA = {"type": "string", "maxLength": MAX_TEXT}

#: How each shared filter (figtrace/store/filters.py) is parsed and described as a query parameter.
_FILTER_PARSE: dict[str, tuple[Callable[[str, str], Any], dict[str, Any]]] = {
    "actor": (_text, _TEXT_SCHEMA),
    "measure": (_measure, {"type": "string", "enum": list(MEASURES)}),
    "source": (_text, _TEXT_SCHEMA),
    "since": (_date, {"type": "string", "pattern": DATE_PATTERN}),
    "until": (_date, {"type": "string", "pattern": DATE_PATTERN}),
    "outlet": (_text, _TEXT_SCHEMA),
    "lang": (_lang, {"type": "string", "pattern": "^[a-z]{2,3}$"}),
    "q": (_text, _TEXT_SCHEMA),
    "doc": (_doc, {"type": "string", "maxLength": MAX_DOC}),
}

PARAMS: dict[str, Param] = {p.name: p for p in (
    *(Param(spec.name, _FILTER_PARSE[spec.name][0], spec.help, _FILTER_PARSE[spec.name][1]) for spec in FILTERS),
    Param("reviewed", _flag, "Only claims an analyst reviewed (rejected ones included).",
          {"type": "boolean", "default": False}),
    Param("status", _status, "Documents: read, no-claims, superseded, skipped or failed.",
          {"type": "string", "enum": ["read", "no-claims", "superseded", "skipped", "failed"]}),
    Param("limit", _int(1, MAX_LIMIT), f"Rows per page, at most {MAX_LIMIT} (page on with offset or the "
          f"'next' link).", {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT}),
    Param("offset", _int(0, MAX_OFFSET), "Rows to skip.",
          {"type": "integer", "minimum": 0, "maximum": MAX_OFFSET, "default": 0}),
    Param("factor", _factor, "How far two sources may differ before it is a conflict.",
          {"type": "number", "minimum": 1, "maximum": 100, "default": 2}),
)}

#: The filters every listing understands: the shared definition, so the dashboard, the API and the CLI agree.
CLAIM_FILTERS: tuple[str, ...] = FILTER_NAMES


def parse_params(query: Mapping[str, str], names: tuple[str, ...], raw_query: str = "") -> dict[str, Any]:
    """The named parameters present and non-empty in ``query``, parsed; raises BadParam."""
    if len(raw_query) > MAX_QUERY:
        raise BadParam("query", f"longer than {MAX_QUERY} characters")
    out: dict[str, Any] = {}
    for name in names:
        raw = query.get(name)
        if raw is None or raw == "":
            continue
        out[name] = PARAMS[name].parse(name, raw)
        if out[name] == "":
            del out[name]
    return out


#: Largest id SQLite can hold; a bigger one in a URL names no claim.
MAX_ID = 2**63 - 1


def path_id(raw: object) -> int | None:
    """A claim id from the path, or None when it cannot name a stored claim."""
    n = int(str(raw))
    return n if 0 < n <= MAX_ID else None


def paging(query: Mapping[str, str]) -> tuple[int, int]:
    """``(limit, offset)`` with defaults, bounded."""
    p = parse_params(query, ("limit", "offset"))
    return int(p.get("limit", DEFAULT_LIMIT)), int(p.get("offset", 0))
