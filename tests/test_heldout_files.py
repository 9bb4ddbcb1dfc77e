"""The held-out set is the yardstick for rules nobody tuned on it, so a broken gold line mis-scores the engine.

Every ``<name>.claims.jsonl`` beside a ``<name>.txt`` under ``tests/heldout/<lang>/``
must pass the checks of ``tests/gold_files.py`` (spec/claims.md): known enums, quotes that really occur in the
article, figures inside their quotes, bounds that agree with the qualifier
and well-formed as-of periods. The checks only read files; they never run
the extraction engine.
"""

from __future__ import annotations

from pathlib import Path

import gold_files
import pytest

from figtrace.model import MEASURES

HELDOUT = Path(__file__).parent / "heldout"
LANGS = ("de", "en")
TEXTS = sorted(HELDOUT.glob("*/*.txt"))
GOLDS = sorted(HELDOUT.glob("*/*.claims.jsonl"))
STRICT = True


def test_each_language_has_six_articles() -> None:
    for lang in LANGS:
        texts = list((HELDOUT / lang).glob("*.txt"))
        assert len(texts) >= 6, f"{lang}: only {len(texts)} held-out articles"


def test_every_article_has_gold_and_every_gold_an_article() -> None:
    texts = {p.with_suffix("") for p in TEXTS}
    golds = {p.with_name(p.name.removesuffix(".claims.jsonl")) for p in GOLDS}
    assert texts - golds == set(), f"articles without claims: {sorted(map(str, texts - golds))}"
    assert golds - texts == set(), f"claims without article: {sorted(map(str, golds - texts))}"


def test_set_is_large_and_varied_enough_to_measure() -> None:
    rows = [r for p in GOLDS for r in gold_files.rows(p)]
    required = [r for r in rows if not r.get("optional")]
    assert len(required) >= 120, f"only {len(required)} required claims"
    assert {r["measure"] for r in required} == set(MEASURES)
    assert {r["qualifier"] for r in required} >= {"exact", "approx", "at_least", "more_than", "up_to", "range", "vague"}
    assert len({r["actor"] for r in required}) >= 10, "the set should span many actors and wars"


per_gold = pytest.mark.parametrize("gold", GOLDS, ids=lambda p: f"{p.parent.name}/{p.name}")


@per_gold
def test_rows_have_every_field_and_known_enums(gold: Path) -> None:
    gold_files.check_fields_and_enums(gold, strict=STRICT)


@per_gold
def test_quotes_are_verbatim_and_hold_their_figure(gold: Path) -> None:
    gold_files.check_quotes(gold)


@per_gold
def test_bounds_agree_with_the_qualifier(gold: Path) -> None:
    gold_files.check_bounds(gold)


@per_gold
def test_sources_actors_and_as_of_are_well_formed(gold: Path) -> None:
    gold_files.check_sources_actors_as_of(gold, strict=STRICT)


@per_gold
def test_gold_rows_load_as_claims_and_are_not_duplicated(gold: Path) -> None:
    gold_files.check_claims_load_without_duplicates(gold, strict=STRICT)
