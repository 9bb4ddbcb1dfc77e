"""Parquet shards: a Dask partition's documents and claims, written by workers, read back in order.

Each unit writes ``documents-000042.parquet`` and ``claims-000042.parquet``
instead of shipping its results to the client, so a crawl's claims need not
fit in the client's memory. :func:`iter_shards` reads them back in input
order and :func:`query_shards` runs SQL (DuckDB) over them directly.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from figtrace.diagnose import nothing_reason
from figtrace.errors import FigtraceError, InputError
from figtrace.model import Claim, Document, Segment
from figtrace.pipeline import Outcome, Result


class ShardError(FigtraceError):
    """A shards folder that cannot be written or read."""


def write_shard(index: int, outcomes: list[Outcome], shards: str | Path) -> tuple[int, int, list[tuple[str, str, str]]]:
    """Write one unit's results as a pair of Parquet files; return (documents, claims, failures)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    docs: list[dict[str, Any]] = []
    claims: list[dict[str, Any]] = []
    failed: list[tuple[str, str, str]] = []
    for seq, item in enumerate(outcomes):
        if isinstance(item, InputError):
            failed.append((item.input, item.message, item.kind))
            continue
        docs.append(_doc_row(item.document, index, seq))
        for k, c in enumerate(item.claims):
            # the fields as they are: Claim.to_dict's deep copy (dataclasses.asdict) was three quarters
            # of a shard's writing time, and the Parquet schema converts the numbers as to_dict would
            row = {name: getattr(c, name) for name in _CLAIM_FIELDS}
            row["via"] = list(c.via)
            for key in _JSON_COLUMNS:  # key order kept: output is byte-identical
                row[key] = json.dumps(row[key], ensure_ascii=False)
            row.update(shard=index, doc_seq=seq, claim_seq=k, doc_key=item.document.id)
            claims.append(row)
    stem = f"{index:06d}"
    base = Path(shards)
    # Written under a temporary name, then renamed: a reader never sees half a shard.
    for name, rows, schema in (("documents", docs, _doc_schema()), ("claims", claims, _claim_schema())):
        tmp = base / f".{name}-{stem}.parquet.tmp"
        pq.write_table(pa.Table.from_pylist(rows, schema=schema), tmp)
        tmp.replace(base / f"{name}-{stem}.parquet")
    return len(docs), len(claims), failed


def _doc_row(doc: Document, shard: int, seq: int) -> dict[str, Any]:
    return {
        "shard": shard, "doc_seq": seq, "id": doc.id, "name": doc.name, "text": doc.text, "title": doc.title,
        "url": doc.url, "outlet": doc.outlet, "published": doc.published,
        "published_inferred": doc.published_inferred, "published_from": doc.published_from, "lang": doc.lang,
        "segments": json.dumps([[s.start, s.end, s.kind, s.label] for s in doc.segments]),
        "meta": json.dumps(doc.meta, ensure_ascii=False, default=str),
    }


def _doc_schema() -> Any:
    import pyarrow as pa

    s, i, b = pa.string(), pa.int64(), pa.bool_()
    return pa.schema([("shard", i), ("doc_seq", i), ("id", s), ("name", s), ("text", s), ("title", s), ("url", s),
                      ("outlet", s), ("published", s), ("published_inferred", b), ("published_from", s), ("lang", s),
                      ("segments", s), ("meta", s)])


#: Every field of a claim, in declaration order (a shard's claim columns).
_CLAIM_FIELDS = tuple(Claim.__dataclass_fields__)
#: Claim fields that are mappings, stored as JSON text.
_JSON_COLUMNS = ("why", "rules")


def _claim_schema() -> Any:
    import pyarrow as pa

    s, i, f = pa.string(), pa.int64(), pa.float64()
    types = {"value": f, "low": f, "high": f, "confidence": f, "start": i, "end": i, "quote_start": i,
             "quote_end": i}
    types["via"] = pa.list_(s)
    cols = [(name, types.get(name, s)) for name in Claim.__dataclass_fields__]
    return pa.schema([*cols, ("shard", i), ("doc_seq", i), ("claim_seq", i), ("doc_key", s)])


def shard_dir(shards: str | Path) -> Path:
    """The folder to write shards to, created; refused when it holds shards already (they would mix in)."""
    out = Path(shards)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise ShardError(f"cannot create the shards folder {out}: {e.strerror or e}") from None
    if any(out.glob("claims-*.parquet")) or any(out.glob("documents-*.parquet")):
        raise ShardError(f"the shards folder {out} already holds shards: choose an empty folder")
    return out


def _shard_files(shards: str | Path, kind: str) -> list[Path]:
    base = Path(shards)
    if not base.is_dir():
        raise ShardError(f"no shards folder at {base}")
    return sorted(base.glob(f"{kind}-*.parquet"))


def iter_shards(shards: str | Path) -> Iterator[Result]:
    """Documents with their claims from a shards folder, in input order, one shard in memory at a time."""
    import pyarrow.parquet as pq

    for doc_file in _shard_files(shards, "documents"):
        claim_file = doc_file.with_name("claims-" + doc_file.name.split("-", 1)[1])
        if not claim_file.exists():
            raise ShardError(f"{doc_file} has no claims shard next to it ({claim_file.name})")
        by_doc: dict[int, list[Claim]] = {}
        for row in pq.read_table(claim_file).to_pylist():  # written in (doc_seq, claim_seq) order
            by_doc.setdefault(row["doc_seq"], []).append(_claim(row))
        for row in sorted(pq.read_table(doc_file).to_pylist(), key=lambda r: r["doc_seq"]):
            doc = Document(
                text=row["text"], name=row["name"], id=row["id"], title=row["title"], url=row["url"],
                outlet=row["outlet"], published=row["published"], published_inferred=row["published_inferred"],
                published_from=row["published_from"],
                lang=row["lang"], segments=[Segment(*s) for s in json.loads(row["segments"])],
                meta=json.loads(row["meta"]),
            )
            claims = by_doc.get(row["doc_seq"], [])
            # the reason an empty document gave nothing is not in the shard: read it again from the document
            yield Result(doc, claims, empty_reason=None if claims else nothing_reason(doc))


def iter_shard_claims(shards: str | Path) -> Iterator[Claim]:
    """Only the claims of a shards folder, in input order (no document texts are loaded)."""
    import pyarrow.parquet as pq

    for claim_file in _shard_files(shards, "claims"):
        for row in pq.read_table(claim_file).to_pylist():
            yield _claim(row)


def _claim(row: dict[str, Any]) -> Claim:
    for key in _JSON_COLUMNS:
        row[key] = json.loads(row[key]) if row.get(key) else {}
    return Claim.from_dict(row)


def query_shards(shards: str | Path, sql: str) -> list[dict[str, Any]]:
    """Run SQL over a shards folder without loading it: tables ``claims`` and ``documents`` (DuckDB views)."""
    import duckdb

    base = Path(shards)
    con = duckdb.connect()
    try:
        for kind in ("claims", "documents"):
            files = _shard_files(base, kind)
            if not files:
                raise ShardError(f"no {kind} shards in {base}")
            listing = ", ".join("'" + str(f).replace("'", "''") + "'" for f in files)
            con.execute(f"CREATE VIEW {kind} AS SELECT * FROM read_parquet([{listing}])")
        cur = con.execute(sql)
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
    except duckdb.Error as e:
        raise ShardError(f"query over {base} failed: {e}") from None
    finally:
        con.close()
