"""``figtrace ingest``: the pipeline's roads (one process, a pool, Dask) into the ledger.

It lives here, not with the ledger's query commands, because it runs the
pipeline; the store only stores.
"""

from __future__ import annotations

import json
import sqlite3
import sys

import click

import figtrace.output as terminal
from figtrace.errors import FigtraceError
from figtrace.meta.outlet import outlet_from_url
from figtrace.scale.cli_options import Road, road_options
from figtrace.scale.sink import recover
from figtrace.store.check import check_ledger
from figtrace.store.commands import _fail, _open, db_option
from figtrace.store.documents import record_skipped
from figtrace.store.ledger import IngestAborted, IngestSummary, Ledger


@click.command()
@click.argument("inputs", nargs=-1, required=True)
@db_option
@click.option("--quiet", "-q", is_flag=True, help="No progress bar and no summary line.")
@road_options
def ingest(inputs: tuple[str, ...], db_path: str, quiet: bool, road: Road) -> None:
    """Store articles and their claims in the ledger (files, folders, URLs; '-' reads stdin).

    Re-ingesting the same text adds nothing; a changed article at the same
    URL is stored as a new version. Exits 1 if any input failed.
    """
    progress = not quiet and terminal.stderr_is_terminal()
    with _open(db_path, readonly=False) as ledger:
        from figtrace.scale.sink import ingest as ingest_inputs

        try:
            summary = ingest_inputs(ledger, inputs, road.options, jobs=road.jobs, engine=road.engine,
                                    scheduler=road.scheduler, shards=road.shards, progress=progress)
        except IngestAborted as e:
            _report_problems(e.summary)
            _fail(str(e))
        except FigtraceError as e:
            _fail(str(e))
        _remember_problems(ledger, summary)
    _report_problems(summary)
    if not quiet:
        click.echo(f"figtrace: {db_path}: {summary.line()}", err=True)
    if summary.failures:
        sys.exit(1)


def _report_problems(summary: IngestSummary) -> None:
    """Each skipped input as a warning, each failed one as an error line, on standard error."""
    for skip in summary.skipped:
        click.echo(f"figtrace: warning: {skip}", err=True)
    for failure in summary.failures:
        click.echo(f"figtrace: {failure}", err=True)


def _remember_problems(ledger: Ledger, summary: IngestSummary) -> None:
    """Record skipped and failed inputs in the ledger (``figtrace documents`` lists them); best effort."""
    try:
        record_skipped(ledger, [*summary.skipped, *summary.failures], outlet_of=outlet_from_url)
    except (FigtraceError, sqlite3.Error) as e:
        click.echo(f"figtrace: warning: could not record the skipped inputs in {ledger.path}: {e}", err=True)


@click.command("check")
@click.option("--db", "db_path", default="figtrace.db", show_default=True, envvar="FIGTRACE_DB",
              type=click.Path(dir_okay=False), help="Ledger file (env FIGTRACE_DB).")
@click.option("--recover-to", "recover_to", type=click.Path(dir_okay=False), default=None, metavar="NEW.db",
              help="Re-extract every readable document into this new ledger (the checked file is not changed).")
@click.option("--json", "as_json", is_flag=True, help="Print the findings as JSON.")
def check(db_path: str, recover_to: str | None, as_json: bool) -> None:
    """Check the ledger file with SQLite's integrity check and say what can be recovered.

    Exits 0 when the file is sound, 1 when it is damaged (or cannot be read).
    """
    try:
        report = check_ledger(db_path)
    except FigtraceError as e:
        click.echo(f"figtrace: {e}", err=True)
        sys.exit(1)
    if as_json:
        click.echo(json.dumps(report.to_dict(), indent=2))
    else:
        for line in report.lines():
            click.echo(line)
    if recover_to:
        try:
            summary = recover(db_path, recover_to)
        except FigtraceError as e:
            click.echo(f"figtrace: {e}", err=True)
            sys.exit(1)
        for failure in summary.failures:
            click.echo(f"figtrace: {failure}", err=True)
        click.echo(f"figtrace: recovered into {recover_to}: {summary.line()}", err=True)
    if not report.ok:
        sys.exit(1)


COMMANDS = [ingest, check]
