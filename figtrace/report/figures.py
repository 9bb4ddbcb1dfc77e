"""How a reported figure is read and written back, the same way in every view.

A qualifier changes what a number means ("over 6,000" is a floor, not a
point), so every chart, table and label goes through these few functions
instead of printing ``value`` alone.
"""

from __future__ import annotations

from typing import Any

#: Qualifier → the shape of the claim a chart must draw.
QUALIFIER_CLASS: dict[str, str] = {
    "exact": "exact",
    "approx": "approx.",
    "at_least": "lower bound",
    "more_than": "lower bound",
    "vague": "lower bound",
    "at_most": "upper bound",
    "less_than": "upper bound",
    "up_to": "upper bound",
    "range": "range",
}

#: Measure → the words a reader expects on an axis or heading.
MEASURE_LABEL: dict[str, str] = {
    "deployed": "deployed",
    "reinforcement": "reinforcements",
    "planned": "planned deployment",
    "killed": "killed",
    "wounded": "wounded",
    "killed_or_wounded": "killed or wounded",
    "captured": "captured",
    "missing": "missing",
    "withdrawn": "withdrawn",
    "territory_captured": "territory captured",
    "advance": "advance",
    "equipment": "equipment",
}

UNIT_SUFFIX: dict[str, str] = {"km2": " km²", "km": " km"}


def qualifier_class(qualifier: str | None) -> str:
    return QUALIFIER_CLASS.get(qualifier or "exact", "exact")


def measure_label(measure: str | None) -> str:
    return MEASURE_LABEL.get(measure or "", (measure or "").replace("_", " "))


def fmt_number(x: float | int | None) -> str:
    """``6000`` → ``6,000``; ``2.5`` → ``2.5``; None → ``?``."""
    if x is None:
        return "?"
    x = float(x)
    if x.is_integer():
        return f"{int(x):,}"
    return f"{x:,.2f}".rstrip("0").rstrip(".")


def fmt_claim(row: dict[str, Any]) -> str:
    """A compact, language-neutral reading of a figure: ``6,000+``, ``~2,000``, ``≥1,000``."""
    q = row.get("qualifier") or "exact"
    value, low, high = row.get("value"), row.get("low"), row.get("high")
    suffix = UNIT_SUFFIX.get(row.get("unit") or "", "")
    if q == "range":
        return f"{fmt_number(low if low is not None else value)}–{fmt_number(high)}{suffix}"
    n = fmt_number(value)
    text = {
        "approx": f"~{n}",
        "at_least": f"≥{n}",
        "more_than": f"{n}+",
        "vague": f"{n}s",
        "at_most": f"≤{n}",
        "less_than": f"<{n}",
        "up_to": f"≤{n}",
    }.get(q, n)
    return text + suffix
