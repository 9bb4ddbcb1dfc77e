"""What a stated figure allows: its bounds, its class and how to print it.

"over 6,000" and "about 2,000" are not numbers but intervals; every
comparison in the consistency rules goes through :func:`bounds` so a lower
bound is never read as an exact figure.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from figtrace.reconcile.settings import APPROX_TOLERANCE

#: Qualifier classes for merging. Exact and approximate figures of one source
#: merge: outlets drop "about" freely when they reprint a figure.
QUALIFIER_CLASS: dict[str, str] = {
    "exact": "point",
    "approx": "point",
    "at_least": "lower",
    "more_than": "lower",
    "at_most": "upper",
    "less_than": "upper",
    "up_to": "upper",
    "range": "range",
    "vague": "vague",
}

_WORDS: dict[str, str] = {
    "approx": "about ",
    "at_least": "at least ",
    "more_than": "more than ",
    "at_most": "at most ",
    "less_than": "less than ",
    "up_to": "up to ",
}

#: The vague amounts of the spec's convention, named back in words for explanations.
_VAGUE: dict[float, str] = {12: "dozens", 100: "hundreds", 1000: "thousands", 10000: "tens of thousands"}


def qualifier_class(qualifier: str | None) -> str:
    return QUALIFIER_CLASS.get(qualifier or "exact", "point")


def _fmt_num(x: float) -> str:
    if float(x).is_integer():
        return f"{int(x):,}"
    return f"{x:,.2f}".rstrip("0").rstrip(".")


def format_number(x: float | None) -> str:
    """English thousands separators: 6000 → "6,000"; 2.5 → "2.5"."""
    return "?" if x is None else _fmt_num(float(x))


def value_class(qualifier: str | None, value: float, low: float | None, high: float | None) -> str:
    """The part of the merge key that says "the same figure"."""
    cls = qualifier_class(qualifier)
    if cls == "range":
        return f"range:{format_number(low if low is not None else value)}-{format_number(high)}"
    if cls == "lower":
        return f"lower:{format_number(low if low is not None else value)}"
    if cls == "upper":
        return f"upper:{format_number(high if high is not None else value)}"
    return f"{cls}:{format_number(value)}"


def bounds(c: Mapping[str, Any], *, tolerant: bool = True) -> tuple[float, float]:
    """The interval of true values the wording allows (``inf`` = open).

    With ``tolerant``, an approximate figure is widened by
    :data:`APPROX_TOLERANCE` so that rounding never contradicts anything.
    """
    value = float(c["value"])
    low, high = c.get("low"), c.get("high")
    cls = qualifier_class(c.get("qualifier"))
    lo = float(low) if low is not None else (0.0 if cls == "upper" else value)
    hi = float(high) if high is not None else (math.inf if cls in ("lower", "vague") else value)
    if tolerant and c.get("qualifier") == "approx":
        lo, hi = lo * (1 - APPROX_TOLERANCE), hi * (1 + APPROX_TOLERANCE)
    return lo, hi


def stated_bounds(c: Mapping[str, Any]) -> tuple[float, float, bool]:
    """Low and high as printed, and whether the high end is open ("6,000+")."""
    value = float(c["value"])
    low, high = c.get("low"), c.get("high")
    cls = qualifier_class(c.get("qualifier"))
    lo = float(low) if low is not None else value
    if high is not None:
        return lo, float(high), False
    return lo, value, cls in ("lower", "vague")


def describe(c: Mapping[str, Any]) -> str:
    """A figure in plain English for explanations: "more than 6,000 killed or wounded"."""
    q = c.get("qualifier") or "exact"
    if q == "vague":
        fig = _VAGUE.get(float(c["value"]), f"at least {format_number(c['value'])} (vague)")
    elif q == "range" and c.get("high") is not None:
        low = c.get("low") if c.get("low") is not None else c["value"]
        fig = f"{format_number(low)}–{format_number(c['high'])}"
    else:
        fig = _WORDS.get(q, "") + format_number(c["value"])
    measure = str(c.get("measure") or "").replace("_", " ")
    return f"{fig} {measure}".strip()


def describe_with_source(c: Mapping[str, Any]) -> str:
    """"South Korea NIS's about 2,000 killed (2025-09)"."""
    when = c.get("as_of") or (f"published {c['published']}" if c.get("published") else "undated")
    source = c.get("source") or "unattributed"
    if source == "unattributed":
        return f"an unattributed {describe(c)} ({when})"
    owner = f"{source}'" if source.endswith("s") else f"{source}'s"
    return f"{owner} {describe(c)} ({when})"
