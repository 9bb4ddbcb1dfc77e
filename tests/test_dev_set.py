"""The real-text dev set (``../shared/dev``): articles by many outlets, read as users hand them over.

Each article comes with its publication date as JSON Lines ``published``
(``to_jsonl.py`` there writes them); the claims are scored per language against
the analysts' gold with the shared scorer (``../shared/eval/score.py``) and must stay above the floors in
``tests/quality_floors.toml``. The texts are read at run time and never copied
into the project; without ``../shared/dev`` the test is skipped with a message.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

import figtrace

LEVELS = ("found", "typed", "attributed")

ROOT = Path(__file__).resolve().parents[1]
DEV = ROOT.parent / "shared" / "dev"
FLOORS = tomllib.loads((Path(__file__).parent / "quality_floors.toml").read_text(encoding="utf-8"))

pytestmark = pytest.mark.skipif(not (DEV / "to_jsonl.py").is_file(),
                                reason="../shared/dev is not beside the checkout: the real-text dev set is not scored")


@pytest.fixture(scope="module")
def predicted() -> list[dict]:
    out = subprocess.run([sys.executable, str(DEV / "to_jsonl.py")], capture_output=True, text=True, check=True)
    claims: list[dict] = []
    for line in out.stdout.splitlines():
        rec = json.loads(line)
        claims.extend(c.to_dict() for c in figtrace.extract(rec["text"], published=rec.get("published"),
                                                             doc=rec["id"]))
    return claims


@pytest.mark.parametrize("lang", ["de", "en"])
def test_dev_set_meets_floors(lang: str, predicted: list[dict]) -> None:
    gold = [json.loads(x) for x in (DEV / f"gold-{lang}.jsonl").read_text(encoding="utf-8").splitlines() if x.strip()]
    docs = {g["doc"] for g in gold}
    result, _ = _shared_scorer().score(gold, [c for c in predicted if c["doc"] in docs])
    report = "; ".join(f"{lv} {result[lv]['f1']:.3f}" for lv in LEVELS)
    for level in LEVELS:
        assert result[level]["f1"] >= FLOORS["dev"][lang][level], f"dev {lang}: {report}"


def _shared_scorer():  # type: ignore[no-untyped-def]
    """The scorer the unseen real articles are judged with (``../shared/eval/score.py``), not a copy of it."""
    spec = importlib.util.spec_from_file_location("shared_score", DEV.parent / "eval" / "score.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
