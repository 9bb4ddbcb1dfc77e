"""Ledger commands: ``claims``, ``timeline``, ``conflicts``, ``sources`` (``ingest`` is in figtrace.scale).

Each command parses its options, opens a :class:`~figtrace.store.Ledger` and
calls one method (sqlite-utils style); output goes through
:func:`figtrace.output.write_rows` so every listing has the same formats.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import replace
from typing import Any, NoReturn

import click

from figtrace.errors import FigtraceError
from figtrace.model import SPEC_FIELDS
from figtrace.output import output_options, write_rows
from figtrace.reconcile.settings import DEFAULT_FACTOR
from figtrace.store.db import ensure_sound
from figtrace.store.filters import Filters, filter_options
from figtrace.store.ledger import Ledger
from figtrace.store.reviews import REVIEW_COLUMNS

CLAIM_FIELDS = (*SPEC_FIELDS, "scope", "group", "id", "cluster", "outlet", "published", "url", "doc_id", "title",
                "lang", "start", "end", "quote_start", "quote_end", "segment", "as_of_basis", "why")
CLAIM_TABLE_FIELDS = ("id", "doc", "figure", "measure", "actor", "source", "as_of", "cluster")
TIMELINE_FIELDS = ("actor", "measure", "source", "as_of", "value", "low", "high", "qualifier", "cluster",
                   "docs", "latest", "figure", "quote", "claim_ids", "as_of_basis", "reviewed",
                   "item", "scope", "group", "lane")
TIMELINE_TABLE_FIELDS = ("source", "as_of", "figure", "value", "qualifier", "latest", "docs")
CONFLICT_FIELDS = ("rule", "status", "explanation", "clusters", "kind", "actor", "measure", "item", "group", "scope",
                   "window", "reason", "n_more", "claim_ids")
CONFLICT_TABLE_FIELDS = ("kind", "rule", "explanation")
SOURCE_FIELDS = ("name", "n_claims", "n_documents", "aliases")


def _fail(message: str) -> NoReturn:
    click.echo(f"figtrace: {message}", err=True)
    sys.exit(1)


def db_option(f: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--db", "db_path", default="figtrace.db", show_default=True, envvar="FIGTRACE_DB",
                        type=click.Path(dir_okay=False), help="Ledger file (env FIGTRACE_DB).")(f)


def _open(path: str, readonly: bool) -> Ledger:
    """The ledger at ``path``; a reader first checks the file is sound (a damaged one is named as such)."""
    try:
        ledger = Ledger(path, readonly=readonly)
    except FigtraceError as e:
        _fail(str(e))
    if readonly:
        try:
            ensure_sound(ledger.conn, path)
        except FigtraceError as e:
            ledger.close()
            _fail(str(e))
    return ledger


def _ordered_claim(c: dict[str, Any]) -> dict[str, Any]:
    out = {k: c.get(k) for k in CLAIM_FIELDS}
    out.update({k: v for k, v in c.items() if k not in out and k not in ("t_start", "t_end")})
    return out


@click.command()
@db_option
@filter_options()
@click.option("--reviewed", is_flag=True, help="Only claims an analyst reviewed (rejected ones included).")
@click.option("--limit", type=click.IntRange(min=0), help="At most this many claims.")
@click.option("--all-versions", is_flag=True, help="Include claims of superseded article versions.")
@output_options(default="table")
def claims(db_path: str, filters: Filters, limit: int | None, all_versions: bool, fmt: str, output: str) -> None:
    """List stored claims, each with its cluster (the same figure printed elsewhere) and its review."""
    if filters.reviewed:
        filters = replace(filters, rejected=True)
    with _open(db_path, readonly=True) as ledger:
        try:
            rows = ledger.claims(**filters.as_dict(), limit=limit, include_superseded=all_versions)
        except FigtraceError as e:
            _fail(str(e))
    if not rows and filters.narrows():
        click.echo(f"figtrace: no claims match {filters.describe()} in {db_path}", err=True)
    fields = CLAIM_FIELDS + REVIEW_COLUMNS
    extra = ("rejected", "machine_source", "machine_measure", "review_note") if filters.reviewed else ()
    table = CLAIM_TABLE_FIELDS + extra
    write_rows([_ordered_claim(r) for r in rows], fmt, fields=fields, path=output, table_fields=table)


@click.command()
@db_option
@filter_options(required=("actor", "measure"))
@output_options(default="table")
def timeline(db_path: str, filters: Filters, fmt: str, output: str) -> None:
    """Each source's figures in as-of order, the latest of each, and the span across sources."""
    actor, measure = filters.actor or "", filters.measure or ""
    with _open(db_path, readonly=True) as ledger:
        try:
            tl = ledger.timeline(actor, measure, **filters.without("actor", "measure").as_dict())
        except FigtraceError as e:
            _fail(str(e))
    if not tl.points:
        click.echo(f"figtrace: no claims about {actor!r} with measure {measure!r} in {db_path}"
                   + (f" ({filters.without('actor', 'measure').describe()})" if filters.narrows("actor", "measure")
                      else ""), err=True)
    rows = [{k: p.get(k) for k in TIMELINE_FIELDS} for p in tl.points]
    write_rows(rows, fmt, fields=TIMELINE_FIELDS, path=output, table_fields=TIMELINE_TABLE_FIELDS)
    if fmt == "table" and tl.points:
        sources = ", ".join(f"{s} {p['figure']} ({p['as_of'] or 'published ' + str(p['published'])})"
                            for s, p in sorted(tl.latest.items()))
        line = f"\nspan of the latest figures: {tl.span['text']}  [{sources}]\n"
        if output in (None, "-"):
            click.echo(line.rstrip("\n"))
        else:
            with open(output, "a", encoding="utf-8") as f:
                f.write(line)


@click.command()
@db_option
@click.option("--factor", type=float, default=DEFAULT_FACTOR, show_default=True,
              help="Flag two sources whose figures differ by more than this factor at close dates.")
@filter_options()
@click.option("--all", "show_all", is_flag=True, help="Also list apparent conflicts the rules explain away.")
@click.option("--kind", type=click.Choice(["contradiction", "disagreement", "explained"]),
              help="Only findings of this kind (explained ones need no --all).")
@output_options(default="table")
def conflicts(db_path: str, factor: float, filters: Filters, show_all: bool, kind: str | None, fmt: str,
              output: str) -> None:
    """Consistency findings, one per group of comparable claims: contradictions, then disagreements.

    Each with its explanation, the strongest pair of claims behind it and how many more pairs
    the group holds; ``--all`` adds the apparent conflicts the rules explain away.
    """
    if factor <= 1:
        raise click.BadParameter(f"{factor:g} is not greater than 1", param_hint="--factor")
    with _open(db_path, readonly=True) as ledger:
        try:
            findings = ledger.conflicts(factor=factor, status=None if show_all or kind else "flagged", kind=kind,
                                        **filters.as_dict())
        except FigtraceError as e:
            _fail(str(e))
    rows = []
    for f in findings:
        d = f.to_dict()
        d["claim_ids"] = sorted({c["id"] for c in f.claims})
        rows.append({k: d.get(k) for k in CONFLICT_FIELDS})
    if fmt == "table":
        _write_findings(rows, output)
    else:
        write_rows(rows, fmt, fields=CONFLICT_FIELDS, path=output, table_fields=CONFLICT_TABLE_FIELDS)


def _write_findings(rows: list[dict[str, Any]], output: str) -> None:
    """Findings as readable blocks: the explanation is the point, so it is never cut off."""
    import textwrap

    blocks = []
    for r in rows:
        head = f"{r['kind'].upper()}  {r['rule']}  ({r['actor']})"
        body = textwrap.fill(r["explanation"], width=100, initial_indent="  ", subsequent_indent="  ")
        ids = ", ".join(str(i) for i in r["claim_ids"])
        blocks.append(f"{head}\n{body}\n  claims: {ids}\n")
    text = "\n".join(blocks) if blocks else "no findings\n"
    if output in (None, "-"):
        click.echo(text, nl=False)
    else:
        with open(output, "w", encoding="utf-8") as fh:
            fh.write(text)


@click.command()
@db_option
@filter_options()
@output_options(default="table")
def sources(db_path: str, filters: Filters, fmt: str, output: str) -> None:
    """Every source in the ledger, how often it is cited and its known aliases (among the filtered claims)."""
    with _open(db_path, readonly=True) as ledger:
        try:
            rows = ledger.sources(**filters.as_dict())
        except FigtraceError as e:
            _fail(str(e))
    write_rows(rows, fmt, fields=SOURCE_FIELDS, path=output, table_fields=SOURCE_FIELDS)


COMMANDS = [claims, timeline, conflicts, sources]
