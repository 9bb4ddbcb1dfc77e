"""The cleaner and reader on the real scraped seeds (read-only, from ../shared when present)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from figtrace.ingest import iter_documents
from figtrace.model import Document
from figtrace.pipeline import prepare

SHARED = Path(__file__).resolve().parents[2] / "shared"
SEEDS = SHARED / "seeds"
GOLD = SHARED / "gold" / "seeds.jsonl"

pytestmark = pytest.mark.skipif(not SEEDS.is_dir() or not GOLD.is_file(), reason="../shared seeds not present")


@pytest.fixture(scope="module")
def docs() -> dict[str, Document]:
    out = {}
    for d in iter_documents([str(SEEDS)]):
        assert isinstance(d, Document), d
        out[d.name] = prepare(d)
    return out


def test_every_gold_quote_is_intact_in_one_segment(docs):
    gold = [json.loads(line) for line in GOLD.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert gold
    for g in gold:
        doc = docs[g["doc"]]
        start = doc.text.find(g["quote"])
        assert start >= 0, f"{g['doc']}: quote not in the text: {g['quote'][:60]}"
        seg = doc.segment_at(start)
        assert seg is not None and seg.kind in ("body", "furniture")
        assert start + len(g["quote"]) <= seg.end, f"{g['doc']}: quote split across segments"


def test_gaza_teaser_is_furniture(docs):
    """The gold's Gaza claims (an unrelated story appended to a Kursk article) sit in a teaser;
    its North Korea claims stay in the body. The sentences come from the gold file at run time."""
    gold = [json.loads(line) for line in GOLD.read_text(encoding="utf-8").splitlines() if line.strip()]
    doc = next(d for name, d in docs.items() if name.startswith("000_"))
    mine = [g for g in gold if g["doc"] == doc.name]
    gaza = [g for g in mine if g.get("actor") == "Gaza"]
    story = [g for g in mine if g.get("actor") == "North Korea"]
    assert gaza and story
    for g in gaza:
        seg = doc.segment_at(doc.text.index(g["quote"]))
        assert seg is not None and (seg.kind, seg.label) == ("furniture", "teaser")
    for g in story:
        seg = doc.segment_at(doc.text.index(g["quote"]))
        assert seg is not None and seg.kind == "body"


def test_no_teaser_on_the_other_seeds(docs):
    for name, doc in docs.items():
        if not name.startswith("000_"):
            assert not [s for s in doc.segments if s.label == "teaser"], name


def test_printed_dates_are_found(docs):
    by_prefix = {name[:3]: d for name, d in docs.items()}
    assert (by_prefix["000"].published, by_prefix["000"].published_inferred) == ("2025-06-16", False)
    assert (by_prefix["001"].published, by_prefix["001"].published_inferred) == ("2025-09-02", False)


def test_undated_seeds_get_inferred_bounds_or_nothing(docs):
    for name, doc in docs.items():
        if name[:3] in ("000", "001"):
            continue
        assert doc.published is None or doc.published_inferred, name
        if doc.published:
            ev = doc.meta["published_evidence"]
            assert doc.text[ev["start"] : ev["end"]] == ev["text"]
            assert doc.meta["published_bound"] == "not_before"


def test_language_and_outlets(docs):
    assert {d.lang for d in docs.values()} == {"de"}
    by_prefix = {name[:3]: d for name, d in docs.items()}
    assert by_prefix["000"].outlet == "watson.de"  # contact address in the transparency note
    assert by_prefix["003"].outlet == "t-online.de"  # host of the article's own image
    assert by_prefix["001"].outlet == "AFP"  # byline "Von afp"
