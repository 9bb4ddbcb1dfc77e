"""Fixtures shared by the test modules: a fresh ledger, the sample ledger, language folders, sample inputs.

The sample sentences are written for these tests (see ``conftest_browser.py``
for the sample ledger's articles); nothing here is copied from real articles.
"""

from __future__ import annotations

import json
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from figtrace.store import Ledger

sys.path.insert(0, str(Path(__file__).parent))  # conftest_browser, gold_files: helpers beside the tests

from conftest_browser import CHROMIUM, CHROMIUM_ARGS, build_ledger

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "figtrace" / "data" / "corpus"
SHARED = ROOT.parent / "shared"
#: Bundled articles per language copied into a mixed corpus: enough for every reader path, fast.
PER_LANG = 4


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[Ledger]:
    """A fresh, empty ledger on disk."""
    with Ledger(tmp_path / "t.db") as led:
        yield led


@pytest.fixture(scope="session")
def sample_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The hand-built sample ledger of ``conftest_browser`` (with a hostile source name), read-only by use."""
    return build_ledger(tmp_path_factory.mktemp("sample") / "sample.db", hostile=True)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's headless chromium through Playwright, one per test module."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A fresh page that records script errors (``page.errors``) and dismissed dialogs (``page.dialogs``)."""
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    pg = context.new_page()
    pg.errors = []
    pg.dialogs = []
    pg.on("pageerror", lambda e: pg.errors.append(str(e)))
    pg.on("dialog", lambda d: (pg.dialogs.append(d.message), d.dismiss()))
    yield pg
    context.close()


@pytest.fixture
def lang_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An empty folder read in place of the package's language folders; caches are cleared around the test."""
    from figtrace import lang
    from figtrace.clean.cues import load_cues
    from figtrace.lang.dates import date_lexicon

    root = tmp_path / "lang"
    root.mkdir()
    monkeypatch.setattr(lang, "PACKAGE_DIR", root)
    monkeypatch.delenv(lang.PATH_VARIABLE, raising=False)
    caches = (lang.get_lexicon, load_cues, date_lexicon)
    for c in caches:
        c.cache_clear()
    yield root
    for c in caches:
        c.cache_clear()


def mixed_corpus(root: Path, records: list[dict | str], extra: dict[str, str]) -> Path:
    """A folder with a few bundled articles per language, ``records.jsonl`` and ``extra`` files (name → text)."""
    for lang in ("de", "en"):
        (root / lang).mkdir()
        for src in sorted((CORPUS / lang).glob("*.txt"))[:PER_LANG]:
            shutil.copy(src, root / lang / src.name)
    lines = (r if isinstance(r, str) else json.dumps(r) for r in records)  # a str is written as is (a broken line)
    (root / "records.jsonl").write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    for name, text in extra.items():
        (root / name).write_text(text, encoding="utf-8")
    return root


def synthetic_files(folder: Path, n: int, *, seed: int = 1, claims_per_doc: int = 5) -> list[str]:
    """``n`` synthetic articles (``figtrace.store.synth``) written as text files into ``folder``; their paths.

    Read back by ``synthetic_extractor`` (``FIGTRACE_EXTRACTOR``), they make ingest tests fast and exact.
    """
    from figtrace.store.synth import synthetic_documents

    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for d in synthetic_documents(n, seed=seed, claims_per_doc=claims_per_doc):
        path = folder / d.name
        path.write_text(d.text, encoding="utf-8")
        paths.append(str(path))
    return paths
