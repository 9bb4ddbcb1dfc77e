"""The gold sets are yardsticks: a broken gold line scores the engine wrongly.

Every ``<name>.claims.jsonl`` beside a ``<name>.txt`` of the bundled corpus
(``figtrace/data/corpus/<lang>/``) and of the held-out set (``tests/heldout/<lang>/``,
rules nobody tuned on it; checked strictly) must pass the checks of
``tests/gold_files.py`` (spec/claims.md): known enums, quotes that really occur in
the article, figures inside their quotes, bounds that agree with the qualifier and
well-formed as-of periods. The checks only read files; they never run the engine.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import gold_files
import pytest

import figtrace
from figtrace.model import MEASURES

LANGS = ("de", "en")


@dataclass(frozen=True)
class GoldSet:
    name: str
    folder: Path
    strict: bool  # every spec field present, canonical names only
    per_lang: int  # articles at least, per language
    required: int  # required (not optional) claims at least

    @property
    def texts(self) -> list[Path]:
        return sorted(self.folder.glob("*/*.txt"))

    @property
    def golds(self) -> list[Path]:
        return sorted(self.folder.glob("*/*.claims.jsonl"))


CORPUS = GoldSet("corpus", Path(figtrace.__file__).parent / "data" / "corpus", False, 8, 150)
HELDOUT = GoldSet("heldout", Path(__file__).parent / "heldout", True, 6, 120)
SETS = (CORPUS, HELDOUT)
per_set = pytest.mark.parametrize("gs", SETS, ids=lambda s: s.name)
per_gold = pytest.mark.parametrize(("gs", "gold"), [(s, g) for s in SETS for g in s.golds],
                                   ids=lambda x: x.name if isinstance(x, GoldSet) else f"{x.parent.name}/{x.name}")


@per_set
def test_each_language_has_enough_articles(gs: GoldSet) -> None:
    for lang in LANGS:
        texts = list((gs.folder / lang).glob("*.txt"))
        assert len(texts) >= gs.per_lang, f"{gs.name}/{lang}: only {len(texts)} articles"


@per_set
def test_every_article_has_gold_and_every_gold_an_article(gs: GoldSet) -> None:
    texts = {p.with_suffix("") for p in gs.texts}
    golds = {p.with_name(p.name.removesuffix(".claims.jsonl")) for p in gs.golds}
    assert texts - golds == set(), f"articles without claims: {sorted(map(str, texts - golds))}"
    assert golds - texts == set(), f"claims without article: {sorted(map(str, golds - texts))}"


@per_set
def test_set_is_large_and_varied_enough_to_measure(gs: GoldSet) -> None:
    rows = [r for p in gs.golds for r in gold_files.rows(p)]
    required = [r for r in rows if not r.get("optional")]
    assert len(required) >= gs.required, f"{gs.name}: only {len(required)} required claims"
    assert {r["measure"] for r in rows} == set(MEASURES)
    if gs.strict:
        assert {r["measure"] for r in required} == set(MEASURES)
        assert {r["qualifier"] for r in required} >= {"exact", "approx", "at_least", "more_than", "up_to", "range",
                                                       "vague"}
        assert len({r["actor"] for r in required}) >= 10, "the set should span many actors and wars"


@per_gold
def test_rows_have_every_field_and_known_enums(gs: GoldSet, gold: Path) -> None:
    gold_files.check_fields_and_enums(gold, strict=gs.strict)


@per_gold
def test_quotes_are_verbatim_and_hold_their_figure(gs: GoldSet, gold: Path) -> None:
    gold_files.check_quotes(gold)


@per_gold
def test_bounds_agree_with_the_qualifier(gs: GoldSet, gold: Path) -> None:
    gold_files.check_bounds(gold)


@per_gold
def test_sources_actors_and_as_of_are_well_formed(gs: GoldSet, gold: Path) -> None:
    gold_files.check_sources_actors_as_of(gold, strict=gs.strict)


@per_gold
def test_gold_rows_load_as_claims_and_are_not_duplicated(gs: GoldSet, gold: Path) -> None:
    gold_files.check_claims_load_without_duplicates(gold, strict=gs.strict)
