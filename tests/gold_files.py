"""Checks every annotated ``<name>.claims.jsonl`` beside its ``<name>.txt`` must pass.

A gold line is a yardstick: a broken one scores the engine wrongly. The bundled
corpus and the held-out sets are checked by these same functions (spec/claims.md:
known enums, verbatim quotes holding their figure, bounds that agree with the
qualifier, well-formed as-of periods); they only read files, never run the engine.
``strict`` adds what the held-out sets promise on top: no keys beyond the spec's,
no repeated source, and no duplicate even among optional lines.
"""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from figtrace.model import MEASURES, QUALIFIERS, SPEC_FIELDS, UNITS, Claim

#: Gold lines may give ``sources`` (every acceptable name) instead of ``source``.
#: ``via`` and ``item`` came to the spec later: gold written before them may leave them out.
REQUIRED = tuple(f for f in SPEC_FIELDS if f not in ("source", "via", "item"))
#: The unit each measure implies; every other measure counts people.
UNIT_OF = {"territory_captured": "km2", "advance": "km", "equipment": "equipment"}
LOWER_ONLY = {"more_than", "at_least", "vague"}
UPPER_ONLY = {"up_to", "at_most", "less_than"}
POINT = {"exact", "approx"}
AS_OF = re.compile(r"\d{4}(-\d{2}(-\d{2})?)?")
#: Keys a gold line may carry on top of the spec's fields.
EXTRA_KEYS = {"sources", "actors", "optional"}


def rows(path: Path) -> list[dict[str, Any]]:
    out = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as e:
            pytest.fail(f"{path.name}:{n}: not JSON: {e}")
        assert isinstance(row, dict), f"{path.name}:{n}: not an object"
        out.append(row)
    return out


def gold_rows(gold: Path) -> list[tuple[str, dict[str, Any]]]:
    """Rows labelled with file, line and figure, so a failure names the line to fix."""
    return [(f"{gold.parent.name}/{gold.name}:{n} ({r.get('figure')!r})", r) for n, r in enumerate(rows(gold), 1)]


def article(gold: Path) -> str:
    return gold.with_name(gold.name.removesuffix(".claims.jsonl") + ".txt").read_text(encoding="utf-8")


def _bound(text: str, end: bool) -> date:
    parts = [int(p) for p in text.split("-")]
    if len(parts) == 1:
        return date(parts[0], 12, 31) if end else date(parts[0], 1, 1)
    if len(parts) == 2:
        if not end:
            return date(parts[0], parts[1], 1)
        nxt = date(parts[0] + (parts[1] == 12), parts[1] % 12 + 1, 1)
        return date.fromordinal(nxt.toordinal() - 1)
    return date(*parts)


def _is_number(x: Any) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool)


def check_fields_and_enums(gold: Path, *, strict: bool) -> None:
    labelled = gold_rows(gold)
    assert sum(not r.get("optional") for _, r in labelled) >= 5, f"{gold.name}: too few claims to be useful"
    for where, r in labelled:
        missing = [k for k in REQUIRED if k not in r]
        assert not missing, f"{where}: missing {missing}"
        if strict:
            unknown = set(r) - set(SPEC_FIELDS) - EXTRA_KEYS
            assert not unknown, f"{where}: unknown keys {sorted(unknown)}"
        assert "source" in r or "sources" in r, f"{where}: no source"
        assert r["doc"] == gold.name.removesuffix(".claims.jsonl") + ".txt", where
        assert r["qualifier"] in QUALIFIERS, f"{where}: qualifier {r['qualifier']!r}"
        assert r["measure"] in MEASURES, f"{where}: measure {r['measure']!r}"
        assert r["unit"] in UNITS, f"{where}: unit {r['unit']!r}"
        assert r["unit"] == UNIT_OF.get(r["measure"], "personnel"), f"{where}: unit {r['unit']} for {r['measure']}"


def check_quotes(gold: Path) -> None:
    text = article(gold)
    for where, r in gold_rows(gold):
        assert r["quote"] and r["quote"] == r["quote"].strip(), where
        assert r["quote"] in text, f"{where}: quote not verbatim in the article"
        assert r["figure"] and r["figure"] in r["quote"], f"{where}: figure not inside its quote"


def check_bounds(gold: Path) -> None:
    for where, r in gold_rows(gold):
        value, low, high, q = r["value"], r["low"], r["high"], r["qualifier"]
        assert _is_number(value) and value > 0, where
        assert low is None or (_is_number(low) and low <= value), where
        assert high is None or (_is_number(high) and value <= high), where
        if q in POINT:
            assert low == value == high, f"{where}: {q} needs low == value == high"
        elif q in LOWER_ONLY:
            assert low == value and high is None, f"{where}: {q} is a lower bound"
        elif q in UPPER_ONLY:
            assert low is None and high == value, f"{where}: {q} is an upper bound"
        else:
            assert low == value and high is not None and high > low, f"{where}: range needs low < high"


def check_sources_actors_as_of(gold: Path, *, strict: bool) -> None:
    for where, r in gold_rows(gold):
        sources = r.get("sources") or [r.get("source")]
        assert all(isinstance(s, str) and s.strip() for s in sources), where
        if strict:
            assert len(set(sources)) == len(sources), f"{where}: repeated source"
        assert isinstance(r["actor"], str) and r["actor"].strip(), where
        assert "actors" not in r or r["actor"] in r["actors"], f"{where}: actor not among actors"
        assert r.get("optional", True) is True, where
        assert r["location"] is None or (isinstance(r["location"], str) and r["location"].strip()), where
        if r["as_of"] is None:
            continue
        parts = r["as_of"].split("..")
        assert len(parts) in (1, 2), f"{where}: as_of {r['as_of']}"
        assert all(AS_OF.fullmatch(p) for p in parts), f"{where}: as_of {r['as_of']}"
        try:
            start, end = _bound(parts[0], end=False), _bound(parts[-1], end=True)
        except ValueError as e:
            pytest.fail(f"{where}: as_of {r['as_of']} is no calendar date: {e}")
        assert start <= end, f"{where}: as_of runs backwards"
        assert date(2020, 1, 1) <= start and end <= date(2026, 12, 31), f"{where}: as_of out of range"


def check_claims_load_without_duplicates(gold: Path, *, strict: bool) -> None:
    seen: set[tuple[Any, ...]] = set()
    for where, r in gold_rows(gold):
        claim = Claim.from_dict({**r, "source": r.get("source") or r["sources"][0]})
        assert claim.to_dict(spec_only=True)["quote"] == r["quote"], where
        if r.get("optional") and not strict:
            continue
        key = (r["quote"], r["figure"], r["value"], r["measure"], r["actor"])
        assert key not in seen, f"{where}: duplicate claim"
        seen.add(key)
