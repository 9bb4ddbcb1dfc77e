"""One pipeline spine: the same document gives the same claims by every road.

Roads: the Python API (``figtrace.extract``), ``figtrace extract FILE.jsonl``,
the same with ``--jobs 2``, with ``--engine dask``, and (for the dev set) a
folder of plain text files with a manifest of their dates. Checked over the
bundled corpus always, and over ``../shared/dev`` when it is beside the clone
(read at run time; its texts are never copied into the project).
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

import figtrace
from figtrace.cli import main

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "figtrace" / "data" / "corpus"
DEV = ROOT.parent / "shared" / "dev"
#: Publication dates given to the bundled articles in turn: every precision, and none.
DATES = ("2025-06-17", "2025-08", "2025", None)
#: Claim fields a road may leave out: the API takes no URL, so no outlet comes from one.
URL_FIELDS = ("url", "outlet")


def _records_from_corpus() -> list[dict]:
    records = []
    for i, path in enumerate(sorted(CORPUS.glob("*/*.txt"))):
        rec = {"id": path.name, "text": path.read_text(encoding="utf-8")}
        if DATES[i % len(DATES)]:
            rec["published"] = DATES[i % len(DATES)]
        records.append(rec)
    return records


def _records_from_dev() -> list[dict]:
    if not (DEV / "to_jsonl.py").is_file():
        pytest.skip(f"{DEV} is not beside the clone: the dev set is checked where it is present")
    out = subprocess.run([sys.executable, str(DEV / "to_jsonl.py")], capture_output=True, text=True, check=True)
    return [json.loads(line) for line in out.stdout.splitlines() if line.strip()]


@pytest.fixture(scope="module", params=["corpus", "dev"])
def records(request: pytest.FixtureRequest) -> list[dict]:
    return _records_from_corpus() if request.param == "corpus" else _records_from_dev()


@pytest.fixture(scope="module")
def jsonl_file(records: list[dict], tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("roads") / "articles.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


def _key(row: dict, drop: tuple[str, ...] = ()) -> str:
    return json.dumps({k: v for k, v in row.items() if k not in drop}, sort_keys=True, ensure_ascii=False)


def _cli(*args: str) -> list[dict]:
    r = CliRunner().invoke(main, ["extract", *args, "--format", "jsonl"], catch_exceptions=False)
    assert r.exit_code == 0, r.stderr
    return [json.loads(line) for line in r.stdout.splitlines() if line.strip()]


@pytest.fixture(scope="module")
def by_cli(jsonl_file: Path) -> list[dict]:
    rows = _cli(str(jsonl_file))
    assert rows
    return rows


def test_the_api_gives_what_the_command_gives(records: list[dict], by_cli: list[dict]) -> None:
    api = [c.to_dict() for r in records
           for c in figtrace.extract(r["text"], lang=r.get("lang"), published=r.get("published"), doc=r["id"])]
    assert [_key(c, URL_FIELDS) for c in api] == [_key(c, URL_FIELDS) for c in by_cli]
    assert any(c["as_of"] for c in api)  # as_of is among what is compared, and resolved


def test_two_jobs_give_what_one_gives(jsonl_file: Path, by_cli: list[dict]) -> None:
    assert [_key(c) for c in _cli(str(jsonl_file), "--jobs", "2")] == [_key(c) for c in by_cli]


@pytest.mark.slow
def test_dask_gives_what_one_process_gives(jsonl_file: Path, by_cli: list[dict]) -> None:
    pytest.importorskip("distributed")
    assert [_key(c) for c in _cli(str(jsonl_file), "--engine", "dask", "--jobs", "2")] == [_key(c) for c in by_cli]


def test_text_files_with_a_manifest_give_what_json_lines_give(tmp_path: Path) -> None:
    """The dev set as the user has it (articles/ and sources-*.tsv), against its JSON Lines form."""
    records = _records_from_dev()
    jsonl = tmp_path / "dev.jsonl"
    jsonl.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    manifest = tmp_path / "sources.tsv"
    with manifest.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, delimiter="\t")
        writer.writerow(["file", "url", "date"])
        for tsv in sorted(DEV.glob("sources*.tsv")):
            with tsv.open(encoding="utf-8") as f:
                for row in csv.DictReader(f, delimiter="\t"):
                    writer.writerow([str(DEV / "articles" / row["file"]), row.get("url", ""), row.get("date", "")])
    from_files = _cli(str(DEV / "articles"), "--manifest", str(manifest))
    from_jsonl = _cli(str(jsonl))
    dated = {r["id"] for r in records if r.get("published")}
    assert {c["published_from"] for c in from_files if c["doc"] in dated} == {"manifest"}
    assert [_key(c, ("published_from",)) for c in from_files] == [_key(c, ("published_from",)) for c in from_jsonl]


def test_any_extractor_gets_the_documents_metadata_from_the_pipeline() -> None:
    """The pipeline, not each extractor, puts a document's metadata on its claims (Document.stamp)."""
    from figtrace.pipeline import Options, process
    from figtrace.store.synth import synthetic_documents, synthetic_extractor

    doc = next(synthetic_documents(1))
    doc.url = "https://news.example/2025/06/report"
    doc.set_published("2025-06", "manifest", "manifest")
    claims = process(doc, Options(extractor=synthetic_extractor)).claims
    assert claims
    assert {(c.doc, c.doc_id, c.published, c.published_from, c.outlet, c.url) for c in claims} == {
        (doc.name, doc.id, "2025-06", "manifest", doc.outlet, doc.url)}
    assert doc.outlet
