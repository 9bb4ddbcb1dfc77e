"""``figtrace ingest``: the pipeline's roads (one process, a pool, Dask) into the ledger.

It lives here, not with the ledger's query commands, because it runs the
pipeline; the store only stores.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import sys

import click

import figtrace.output as terminal
from figtrace.errors import FigtraceError
from figtrace.meta.outlet import outlet_from_url
from figtrace.scale.sink import recover
from figtrace.store.check import check_ledger
from figtrace.store.commands import _fail, _open, db_option
from figtrace.store.documents import record_skipped
from figtrace.store.ledger import IngestAborted, IngestSummary, Ledger


def _check_date(value: str | None, option: str) -> None:
    if value is None:
        return
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date like 2025-06-16", param_hint=option) from None


@click.command()
@click.argument("inputs", nargs=-1, required=True)
@db_option
@click.option("--lang", type=click.Choice(["auto", "de", "en"]), default="auto", show_default=True,
              help="Language of the articles; auto detects it per document.")
@click.option("--published", metavar="YYYY-MM-DD", default=None,
              help="Publication date for articles that do not carry one.")
@click.option("--allow-private", is_flag=True, help="Allow URLs that resolve to private or local addresses.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar and no summary line.")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=1, show_default=True,
              help="Worker processes that extract (this process writes); the ledger is the same for any N.")
@click.option("--engine", type=click.Choice(["local", "dask"]), default="local", show_default=True,
              help="local: this machine (a process pool with --jobs); dask: a dask.distributed cluster.")
@click.option("--scheduler", metavar="ADDRESS", default=None,
              help="Dask scheduler (tcp://host:8786); without it --engine dask starts a local cluster.")
@click.option("--shards", metavar="DIR", type=click.Path(file_okay=False), default=None,
              help="With --engine dask: keep the Parquet shards (documents, claims) in this folder.")
def ingest(inputs: tuple[str, ...], db_path: str, lang: str, published: str | None, allow_private: bool,
           quiet: bool, jobs: int, engine: str, scheduler: str | None, shards: str | None) -> None:
    """Store articles and their claims in the ledger (files, folders, URLs; '-' reads stdin).

    Re-ingesting the same text adds nothing; a changed article at the same
    URL is stored as a new version. Exits 1 if any input failed.
    """
    _check_date(published, "--published")
    if engine == "local" and (scheduler or shards):
        raise click.UsageError(f"{'--scheduler' if scheduler else '--shards'} needs --engine dask")
    progress = not quiet and terminal.stderr_is_terminal()
    with _open(db_path, readonly=False) as ledger:
        from figtrace.pipeline import Options
        from figtrace.scale.sink import ingest as ingest_inputs

        options = Options(lang=None if lang == "auto" else lang, published=published, allow_private=allow_private)
        try:
            summary = ingest_inputs(ledger, inputs, options, jobs=jobs, engine=engine, scheduler=scheduler,
                                    shards=shards, progress=progress)
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
