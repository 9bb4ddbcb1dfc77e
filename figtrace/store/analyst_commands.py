"""The analyst's commands: ``documents`` (what was read and skipped) and ``review`` (correct the machine).

Thin wrappers over :mod:`figtrace.store.documents` and
:mod:`figtrace.store.reviews`, with the shared filters and output formats.
"""

from __future__ import annotations

import click

from figtrace.errors import FigtraceError
from figtrace.output import output_options, write_rows
from figtrace.store.commands import _fail, _open, db_option
from figtrace.store.documents import DOCUMENT_FIELDS, DOCUMENT_TABLE_FIELDS, STATUSES
from figtrace.store.filters import Filters, filter_options
from figtrace.store.reviews import Review, review_claim


@click.command()
@db_option
@filter_options()
@click.option("--status", type=click.Choice(STATUSES), default=None,
              help="Only documents read (with claims), without claims, superseded, or inputs skipped or failed.")
@click.option("--limit", type=click.IntRange(min=0), help="At most this many rows.")
@output_options(default="table")
def documents(db_path: str, filters: Filters, status: str | None, limit: int | None, fmt: str, output: str) -> None:
    """Every stored document (url, outlet, language, publication date and where it came from, claims,
    version) and every input an ingest skipped or could not read, with the reason."""
    with _open(db_path, readonly=True) as ledger:
        try:
            rows = ledger.documents(**filters.as_dict(), status=status, limit=limit)
        except FigtraceError as e:
            _fail(str(e))
    if not rows and (filters.narrows() or status):
        asked = ", ".join(x for x in (filters.describe() if filters.narrows() else "", status and f"status={status}")
                          if x)
        click.echo(f"figtrace: no documents match {asked} in {db_path}", err=True)
    write_rows(rows, fmt, fields=DOCUMENT_FIELDS, path=output, table_fields=DOCUMENT_TABLE_FIELDS)


@click.command()
@click.argument("claim", type=click.IntRange(min=1))
@db_option
@click.option("--source", help="The right source (aliases work: 'NIS' is 'South Korea NIS').")
@click.option("--measure", help="The right measure (killed, wounded, killed_or_wounded, deployed, …).")
@click.option("--actor", help="The right actor (aliases work: 'Nordkorea' is 'North Korea').")
@click.option("--reject", is_flag=True, help="This is no claim: hide it from every view (kept, and listed "
              "by 'figtrace claims --reviewed').")
@click.option("--confirm", is_flag=True, help="The machine got it right (takes an earlier rejection back).")
@click.option("--note", help="Why (shown next to the review).")
@click.option("--clear", is_flag=True, help="Withdraw the review: the machine's values come back.")
def review(claim: int, db_path: str, source: str | None, measure: str | None, actor: str | None, reject: bool,
           confirm: bool, note: str | None, clear: bool) -> None:
    """Correct or confirm one claim (by its id from 'figtrace claims'); the review wins in every view.

    Reviews live in their own table: they survive re-ingest, the machine's
    values are kept beside them, and 'figtrace eval --db' scores the machine
    against them.
    """
    if not (source or measure or actor or reject or confirm or note or clear):
        raise click.UsageError("say what to change: --source, --measure, --actor, --reject, --confirm, --note "
                               "or --clear")
    if clear and (source or measure or actor or reject or confirm or note):
        raise click.UsageError("--clear withdraws the review; it takes no other change")
    if reject and (source or measure or actor or confirm):
        raise click.UsageError("--reject says this is no claim; it takes no correction (add a --note instead)")
    with _open(db_path, readonly=False) as ledger:
        try:
            c = review_claim(ledger, claim, Review(source=source, measure=measure, actor=actor, reject=reject,
                                                   note=note), clear=clear)
        except FigtraceError as e:
            _fail(str(e))
    if clear:
        state = "review withdrawn"
    elif c["rejected"]:
        state = "rejected"
    else:
        changed = [f"{k} {c[f'machine_{k}']!r} -> {c[k]!r}" for k in ("source", "measure", "actor")
                   if c.get(f"machine_{k}") is not None and c[f"machine_{k}"] != c[k]]
        state = "corrected: " + "; ".join(changed) if changed else "confirmed"
    click.echo(f"claim {claim} ({c['figure']}, {c['doc']}): {state}")


COMMANDS = [documents, review]
