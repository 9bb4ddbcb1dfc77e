"""The bundled sample corpus is a yardstick: a broken gold line scores the engine wrongly.

Every ``<name>.claims.jsonl`` beside a ``<name>.txt`` under
``figtrace/data/corpus/<lang>/`` must pass the checks of ``tests/gold_files.py`` (spec/claims.md): known enums,
quotes that really occur in the article, figures inside their quotes,
bounds that agree with the qualifier and well-formed as-of periods.
"""

from __future__ import annotations

from pathlib import Path

import gold_files
import pytest

import figtrace
from figtrace.model import MEASURES

CORPUS = Path(figtrace.__file__).parent / "data" / "corpus"
LANGS = ("de", "en")
TEXTS = sorted(CORPUS.glob("*/*.txt"))
GOLDS = sorted(CORPUS.glob("*/*.claims.jsonl"))
STRICT = False


def test_corpus_has_enough_articles_in_each_language() -> None:
    for lang in LANGS:
        texts = list((CORPUS / lang).glob("*.txt"))
        assert len(texts) >= 8, f"{lang}: only {len(texts)} articles"
    assert len(TEXTS) >= 16


def test_every_article_has_gold_and_every_gold_an_article() -> None:
    texts = {p.with_suffix("") for p in TEXTS}
    golds = {p.with_name(p.name.removesuffix(".claims.jsonl")) for p in GOLDS}
    assert texts - golds == set(), f"articles without claims: {sorted(map(str, texts - golds))}"
    assert golds - texts == set(), f"claims without article: {sorted(map(str, golds - texts))}"


def test_corpus_is_large_enough_to_measure() -> None:
    required = [r for p in GOLDS for r in gold_files.rows(p) if not r.get("optional")]
    assert len(required) >= 150
    assert {r["measure"] for p in GOLDS for r in gold_files.rows(p)} == set(MEASURES)


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
