"""Golden files: articles next to their expected claims, scored with the spec's rules.

Each ``figtrace/data/corpus/<lang>/<name>.txt`` has ``<name>.claims.jsonl``
beside it, annotated by hand. The engine must stay above the pinned floors in
``tests/quality_floors.toml`` per language; the seeds in ``../shared`` are
scored too when present (they are the project's founding sample, not shipped).
"""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import pytest

from figtrace.evaluate import LEVELS, score
from figtrace.pipeline import Result, run

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "figtrace" / "data" / "corpus"
SHARED = ROOT.parent / "shared"
FLOORS = tomllib.loads((Path(__file__).parent / "quality_floors.toml").read_text(encoding="utf-8"))


def _gold(paths: list[Path]) -> list[dict]:
    rows: list[dict] = []
    for p in paths:
        rows.extend(json.loads(line) for line in p.read_text(encoding="utf-8").splitlines() if line.strip())
    return rows


def _predict(texts: list[Path]) -> list[dict]:
    out: list[dict] = []
    for item in run([str(t) for t in texts]):
        assert isinstance(item, Result), item
        out.extend(c.to_dict() for c in item.claims)
    return out


def _report(result) -> str:  # type: ignore[no-untyped-def]
    lines = [f"{lv}: {result.levels[lv].to_dict()}" for lv in LEVELS]
    for c in result.missed["typed"][:15]:
        lines.append(f"missed: {c['doc']} {c['figure']!r} {c['measure']} {c.get('actor') or c.get('actors')}")
    return "\n".join(lines)


@pytest.mark.parametrize("lang", sorted(p.name for p in CORPUS.iterdir() if p.is_dir()))
def test_corpus_meets_floors(lang: str) -> None:
    texts = sorted((CORPUS / lang).glob("*.txt"))
    assert texts, f"no sample articles for {lang}"
    result = score(_gold([t.with_suffix(".claims.jsonl") for t in texts]), _predict(texts))
    floors = FLOORS["corpus"][lang]
    for level in LEVELS:
        assert result.f1(level) >= floors[level], f"{lang} {level} below floor\n{_report(result)}"


HELDOUT = {name: Path(__file__).parent / name for name in ("heldout", "heldout2")}


@pytest.mark.parametrize("name", sorted(HELDOUT))
def test_heldout_sets_meet_floors(name: str) -> None:
    """Sets written without seeing the engine: floors guard against regressions, not tuning targets."""
    texts = sorted(HELDOUT[name].glob("*/*.txt"))
    assert texts
    result = score(_gold([t.with_suffix(".claims.jsonl") for t in texts]), _predict(texts))
    for level in LEVELS:
        assert result.f1(level) >= FLOORS[name][level], f"{name} {level} below floor\n{_report(result)}"


@pytest.mark.skipif(not (SHARED / "seeds").is_dir(), reason="../shared/seeds not present")
def test_seeds_meet_floors() -> None:
    texts = sorted((SHARED / "seeds").glob("*.txt"))
    result = score(_gold([SHARED / "gold" / "seeds.jsonl"]), _predict(texts))
    for level in LEVELS:
        assert result.f1(level) >= FLOORS["seeds"][level], _report(result)


def test_no_dates_or_ids_as_claims() -> None:
    """Across the whole corpus, no claim is a time of day, a date, a phone number or an id."""
    texts = sorted(CORPUS.glob("*/*.txt"))
    for c in _predict(texts):
        fig = c["figure"]
        assert not re.search(r"\d{1,2}:\d{2}|\d{1,2}\.\d{1,2}\.\d{2,4}", fig), c
        assert not re.match(r"\D*0\d", fig), c  # a leading zero: a phone number or a code
        assert not re.search(r"\d{7,}", fig), c  # an id or a phone number, never written that way as a count


def test_every_claim_points_into_its_document() -> None:
    for item in run([str(t) for t in sorted(CORPUS.glob("*/*.txt"))]):
        assert isinstance(item, Result), item
        for c in item.claims:
            assert item.document.text[c.start:c.end] == c.figure
            assert item.document.text[c.quote_start:c.quote_end] == c.quote
            assert c.quote_start <= c.start < c.end <= c.quote_end
