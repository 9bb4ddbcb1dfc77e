"""Validate the second held-out set (tests/heldout2): the yardstick must itself be sound.

A typo in a gold file silently turns into a false negative for the engine,
so every row is checked against its text and the claim contract.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from figtrace.model import MEASURES, QUALIFIERS, UNITS

ROOT = Path(__file__).parent / "heldout2"
TEXTS = sorted(ROOT.glob("*/*.txt"))
GOLDS = sorted(ROOT.glob("*/*.claims.jsonl"))
REQUIRED = (
    "doc",
    "quote",
    "figure",
    "value",
    "low",
    "high",
    "qualifier",
    "measure",
    "actor",
    "unit",
    "as_of",
    "location",
)
DATE = r"\d{4}(?:-(?:0[1-9]|1[0-2])(?:-(?:0[1-9]|[12]\d|3[01]))?)?"
AS_OF = re.compile(rf"{DATE}(?:\.\.{DATE})?")


def _rows(path: Path) -> list[dict]:
    rows = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as exc:
                pytest.fail(f"{path.name}:{n}: not JSON: {exc}")
    return rows


def _text_of(gold: Path) -> str:
    return gold.with_name(gold.name.removesuffix(".claims.jsonl") + ".txt").read_text(encoding="utf-8")


def test_every_text_has_gold_and_back() -> None:
    stems = {p.with_suffix("") for p in TEXTS}
    gold_stems = {p.with_name(p.name.removesuffix(".claims.jsonl")) for p in GOLDS}
    assert stems == gold_stems


def test_set_size_and_languages() -> None:
    langs = [p.parent.name for p in TEXTS]
    assert langs.count("de") >= 6 and langs.count("en") >= 6
    required = [r for g in GOLDS for r in _rows(g) if not r.get("optional")]
    assert len(required) >= 100


@pytest.mark.parametrize("gold", GOLDS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_rows_follow_the_contract(gold: Path) -> None:
    text = _text_of(gold)
    rows = _rows(gold)
    assert rows, f"{gold.name}: no claims"
    doc = gold.name.removesuffix(".claims.jsonl") + ".txt"
    for n, row in enumerate(rows, 1):
        where = f"{gold.name}:{n}"
        missing = [k for k in REQUIRED if k not in row]
        assert not missing, f"{where}: missing {missing}"
        assert row["doc"] == doc, where
        assert row["qualifier"] in QUALIFIERS, where
        assert row["measure"] in MEASURES, where
        assert row["unit"] in UNITS, where
        sources = row.get("sources") or [row.get("source")]
        assert all(isinstance(s, str) and s for s in sources), f"{where}: sources"
        if "actors" in row:
            assert row["actor"] in row["actors"], f"{where}: actor not among actors"
        assert isinstance(row.get("optional", False), bool), where
        assert row["quote"] in text, f"{where}: quote not verbatim in text"
        assert row["figure"] in row["quote"], f"{where}: figure not in quote"
        assert row["as_of"] is None or AS_OF.fullmatch(row["as_of"]), f"{where}: as_of {row['as_of']!r}"


@pytest.mark.parametrize("gold", GOLDS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_numbers_agree_with_qualifier(gold: Path) -> None:
    for n, row in enumerate(_rows(gold), 1):
        where = f"{gold.name}:{n}"
        value, low, high, q = row["value"], row["low"], row["high"], row["qualifier"]
        assert isinstance(value, (int, float)) and value > 0, where
        assert low is None or low <= value, where
        assert high is None or value <= high, where
        if q in ("exact", "approx"):
            assert low == high == value, where
        elif q in ("at_least", "more_than", "vague"):
            assert low == value and high is None, where
        elif q in ("up_to", "at_most", "less_than"):
            assert low is None and high == value, where
        elif q == "range":
            assert low == value and high is not None and high > low, where


@pytest.mark.parametrize("gold", GOLDS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_no_duplicate_rows(gold: Path) -> None:
    keys = [(r["quote"], r["figure"], r["value"], r["measure"], r["actor"]) for r in _rows(gold)]
    assert len(keys) == len(set(keys))
