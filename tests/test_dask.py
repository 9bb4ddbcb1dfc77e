"""``--engine dask``: a LocalCluster of two worker processes gives the single-process claims.

One cluster serves the whole module (starting one takes seconds). Claims are
compared as sets of sorted JSON (the contract) and, because shards are read
back in input order, as lists too.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import PER_LANG, mixed_corpus

from figtrace.cli import main
from figtrace.errors import InputError
from figtrace.model import Claim
from figtrace.scale import ingest, iter_results, load_shards
from figtrace.scale.dask import run_dask
from figtrace.scale.shards import ShardError, iter_shard_claims, iter_shards, query_shards
from figtrace.store import Ledger

distributed = pytest.importorskip("distributed")
pytest.importorskip("duckdb")

pytestmark = pytest.mark.slow

RECORDS = [
    {"text": "Nach Angaben der Armee wurden rund 70 Kämpfer gefangen genommen.", "lang": "de",
     "published": "2025-02-11"},
    {"text": "Officials said more than 200 troops had arrived at the border by Friday.", "lang": "en",
     "published": "2025-02-12"},
]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return mixed_corpus(tmp_path_factory.mktemp("corpus"), RECORDS, {"blank.txt": "\n\n"})


@pytest.fixture(scope="module")
def client() -> Iterator[distributed.Client]:
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
    with distributed.Client(cluster) as c:
        yield c
    cluster.close()


def as_json(claims: list[Claim]) -> list[str]:
    return [json.dumps(c.to_dict(), sort_keys=True, ensure_ascii=False) for c in claims]


@pytest.fixture(scope="module")
def single(corpus: Path) -> list[str]:
    out: list[str] = []
    for item in iter_results([str(corpus)], jobs=1):
        if not isinstance(item, InputError):
            out.extend(as_json(item.claims))
    return out


@pytest.fixture(scope="module")
def shards(corpus: Path, client: distributed.Client, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("shards")
    report = run_dask([str(corpus)], out, scheduler=client, chunk=2)
    assert report.units >= 4  # really partitioned, so both workers had work
    assert [f.input for f in report.failures] == [str(corpus / "blank.txt")]
    return out


def test_dask_claims_equal_single_process_claims(single: list[str], shards: Path) -> None:
    dask = as_json(list(iter_shard_claims(shards)))
    assert len(single) > 20
    assert sorted(dask) == sorted(single)  # the contract: the same set of claims
    assert dask == single  # and shards read back in input order


def test_both_workers_wrote_shards(shards: Path, client: distributed.Client) -> None:
    assert len(client.scheduler_info()["workers"]) == 2
    assert len(list(shards.glob("claims-*.parquet"))) == len(list(shards.glob("documents-*.parquet"))) >= 4
    assert not list(shards.glob(".*.tmp"))


def test_duckdb_reads_the_shards_directly(single: list[str], shards: Path) -> None:
    rows = query_shards(shards, "SELECT count(*) AS n, count(DISTINCT doc_key) AS docs FROM claims")
    assert rows[0]["n"] == len(single)
    by_measure = query_shards(shards, "SELECT measure, count(*) AS n FROM claims GROUP BY measure ORDER BY measure")
    expected: dict[str, int] = {}
    for c in single:
        m = json.loads(c)["measure"]
        expected[m] = expected.get(m, 0) + 1
    assert {r["measure"]: r["n"] for r in by_measure} == expected
    docs = query_shards(shards, "SELECT count(*) AS n FROM documents")
    assert docs[0]["n"] == 2 * PER_LANG + 2


def test_shards_load_into_the_same_ledger_as_a_direct_ingest(corpus: Path, shards: Path, tmp_path: Path) -> None:
    with Ledger(tmp_path / "direct.db") as direct, Ledger(tmp_path / "shards.db") as loaded:
        ingest(direct, [str(corpus)])
        summary = load_shards(loaded, shards)
        assert summary.documents_added == 2 * PER_LANG + 2
        assert direct.claims(limit=None) == loaded.claims(limit=None)
        assert [d["id"] for d in direct.documents()] == [d["id"] for d in loaded.documents()]


def test_dask_ingest_through_temporary_shards(corpus: Path, client: distributed.Client, tmp_path: Path) -> None:
    inputs = [str(corpus / "en"), str(corpus / "records.jsonl")]
    with Ledger(tmp_path / "direct.db") as direct, Ledger(tmp_path / "dask.db") as via:
        ingest(direct, inputs)
        summary = ingest(via, inputs, engine="dask", scheduler=client)
        assert summary.documents_added == PER_LANG + 2 and not summary.failures
        assert direct.claims(limit=None) == via.claims(limit=None)


def test_documents_survive_the_round_trip(corpus: Path, shards: Path) -> None:
    docs = [r.document for r in iter_shards(shards)]
    direct = [r.document for r in iter_results([str(corpus)]) if not isinstance(r, InputError)]
    assert [(d.id, d.name, d.lang, d.published, d.segments, d.meta) for d in docs] == \
           [(d.id, d.name, d.lang, d.published, d.segments, d.meta) for d in direct]


def test_a_used_shards_folder_is_refused(corpus: Path, shards: Path, client: distributed.Client) -> None:
    with pytest.raises(ShardError, match="already holds shards"):
        run_dask([str(corpus / "en")], shards, scheduler=client)


def test_cli_dask_engine_on_a_scheduler_address(corpus: Path, client: distributed.Client, tmp_path: Path) -> None:
    address = client.scheduler.address
    local = CliRunner().invoke(main, ["extract", str(corpus / "en")])
    dask = CliRunner().invoke(main, ["extract", "--engine", "dask", "--scheduler", address,
                                     "--shards", str(tmp_path / "s"), str(corpus / "en")])
    assert local.exit_code == dask.exit_code == 0, dask.stderr
    assert local.stdout and dask.stdout == local.stdout
    assert list((tmp_path / "s").glob("claims-*.parquet"))
