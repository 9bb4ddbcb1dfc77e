"""The per-document memory bound (figtrace/limits.py): a watchdog in every process and thread, and a
hard address-space limit in pool workers. Each over-bound document is one error line; the batch goes on."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest

from figtrace.errors import InputError
from figtrace.limits import DocumentOverMemory, DocumentTimeout, bound_process_memory, resident_bytes, time_limit
from figtrace.model import Claim, Document
from figtrace.pipeline import Options, run_documents

pytestmark = pytest.mark.skipif(resident_bytes() is None, reason="needs /proc to read the resident memory")


def _grow(mb: int) -> list[bytearray]:
    """Take ``mb`` megabytes, touched (resident), a megabyte at a time from Python."""
    hoard = []
    for _ in range(mb):
        hoard.append(bytearray(b"x" * 2**20))
    return hoard


def test_a_block_that_grows_past_its_bound_is_stopped_with_a_message() -> None:
    before = resident_bytes()
    with pytest.raises(DocumentOverMemory, match="more than its 64 MB of memory while processing it"), \
            time_limit(None, lambda: "never", memory_mb=64):
        _grow(2000)
    after = resident_bytes()
    assert before is not None and after is not None
    assert after - before < 400 * 2**20  # stopped near the bound, long before 2 GB


def test_the_bound_holds_in_a_worker_thread_too() -> None:
    out: list[BaseException] = []

    def work() -> None:
        try:
            with time_limit(30, lambda: "never", memory_mb=64, stage="reading it"):
                _grow(2000)
        except DocumentOverMemory as e:
            out.append(e)

    t = threading.Thread(target=work)
    t.start()
    t.join(60)
    assert len(out) == 1 and "while reading it" in str(out[0])


def test_a_block_within_its_bounds_ends_undisturbed() -> None:
    with time_limit(5, lambda: "never", memory_mb=256):
        kept = _grow(8)
    time.sleep(0.1)  # the watchdog has had several looks: nothing lands after the block
    assert len(kept) == 8


def _hog(doc: Document) -> list[Claim]:
    """An extractor that takes memory without end for documents named 'hog' (module level: it pickles)."""
    if "hog" in doc.name:
        _grow(4000)
    from figtrace.store.synth import synthetic_extractor

    return synthetic_extractor(doc)


def _docs() -> list[Document]:
    from figtrace.store.synth import synthetic_documents

    docs = list(synthetic_documents(3, seed=9))
    docs[1].name = "01_hog.txt"
    return docs


def test_a_document_over_its_memory_is_one_error_line_and_the_batch_goes_on() -> None:
    out = list(run_documents(_docs(), Options(lang="en", extractor=_hog, memory_mb=96)))
    assert len(out) == 3
    assert isinstance(out[1], InputError) and out[1].input == "01_hog.txt"
    assert "needed more than its 96 MB of memory while processing it" in out[1].message
    assert not isinstance(out[0], InputError) and not isinstance(out[2], InputError)
    assert out[2].claims


def _limit_and_big_allocation() -> tuple[int, str]:
    import resource

    bound_process_memory(512)
    soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    try:
        bytearray(2 * 2**30)
        return soft, "allocated"
    except MemoryError:
        return soft, "MemoryError"


def test_a_pool_worker_runs_under_a_hard_address_space_limit() -> None:
    import resource

    with ProcessPoolExecutor(1) as pool:
        soft, what = pool.submit(_limit_and_big_allocation).result(timeout=120)
    assert soft != resource.RLIM_INFINITY
    assert what == "MemoryError"  # 2 GB past a 512 MB allowance: refused, the worker lives on


def test_pool_workers_get_the_bound(tmp_path: Path) -> None:
    from figtrace.scale.pool import iter_results

    for i, d in enumerate(_docs()):
        (tmp_path / f"{i:02d}_{'hog' if i == 1 else 'doc'}.txt").write_text(d.text, encoding="utf-8")
    out = list(iter_results([str(tmp_path)], Options(lang="en", extractor=_hog, memory_mb=96), jobs=2, chunk=1))
    errors = [o for o in out if isinstance(o, InputError)]
    assert len(out) == 3 and len(errors) == 1 and errors[0].input.endswith("01_hog.txt")
    assert "MB of memory" in errors[0].message


def test_a_timeout_and_a_memory_bound_name_what_was_hit() -> None:
    with pytest.raises(DocumentTimeout, match="slow"), time_limit(0.2, lambda: "slow", memory_mb=512):
        while True:
            pass
