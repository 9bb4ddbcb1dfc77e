"""``figtrace report`` and ``figtrace demo``: thin wrappers over :mod:`figtrace.report`."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from typing import NoReturn

import click

import figtrace.output as terminal
from figtrace.errors import FigtraceError
from figtrace.report.demo import corpus_files, run_demo
from figtrace.report.render import render_report, write_report
from figtrace.store.filters import FilteredLedger, Filters, filter_options


def _fail(message: str) -> NoReturn:
    click.echo(f"figtrace: {message}", err=True)
    sys.exit(1)


@click.command()
@click.option("--db", "db_path", default="figtrace.db", show_default=True, envvar="FIGTRACE_DB",
              type=click.Path(dir_okay=False), help="Ledger file (env FIGTRACE_DB).")
@filter_options()
@click.option("-o", "--output", default="report.html", show_default=True,
              type=click.Path(dir_okay=False, allow_dash=True), help="HTML file to write ('-' for stdout).")
@click.option("--title", default=None, help="Heading of the report.")
@click.option("--factor", type=click.FloatRange(1.0, 100.0), default=2.0, show_default=True,
              help="How far two sources may differ before it is a conflict.")
@click.option("--progress/--no-progress", default=None,
              help="Show a progress bar [default: when standard error is a terminal].")
def report(db_path: str, filters: Filters, output: str, title: str | None, factor: float,
           progress: bool | None) -> None:
    """Write one self-contained HTML report (charts, claims, conflicts, sources; no network).

    The filters (the same as ``figtrace claims``) narrow every part of the report.
    """
    from figtrace.store import Ledger
    from figtrace.store.db import ensure_sound

    actor = filters.actor
    if progress is None:
        progress = terminal.stderr_is_terminal()
    try:
        with Ledger(db_path, readonly=True) as opened:
            ensure_sound(opened.conn, db_path)
            ledger = FilteredLedger(opened, filters) if filters.narrows() else opened
            if actor is not None:
                actors = sorted({m["actor"] for m in opened.metrics() if m.get("actor")})
                match = next((a for a in actors if a.casefold() == actor.casefold()), None)
                if match is None:
                    known = ", ".join(actors) or "none"
                    _fail(f"no claims about {actor!r} in {db_path}; actors there: {known}")
                actor = match
            kwargs = {"actor": actor, "title": title, "db_name": Path(db_path).name, "factor": factor,
                      "progress": progress}
            if output == "-":
                click.echo(render_report(ledger, **kwargs), nl=False)
                return
            path = write_report(ledger, output, **kwargs)
    except FigtraceError as e:
        _fail(str(e))
    except OSError as e:
        _fail(f"cannot write {output}: {e.strerror or e}")
    click.echo(f"figtrace: report written to {path}", err=True)


@click.command()
@click.option("-o", "--output", default=None, type=click.Path(dir_okay=False),
              help="Where to write the report [default: a new temporary folder].")
@click.option("--db", "db_path", default=None, type=click.Path(dir_okay=False),
              help="Ledger to create [default: next to the report]; must not exist yet.")
def demo(output: str | None, db_path: str | None) -> None:
    """Ingest the bundled articles into a fresh ledger and write the HTML report.

    The quickest look at what figtrace does: prints where the report is.
    """
    if not corpus_files():
        _fail("the bundled corpus is missing (figtrace/data/corpus); reinstall figtrace")
    folder = Path(tempfile.mkdtemp(prefix="figtrace-demo-"))
    out = Path(output) if output else folder / "report.html"
    db = Path(db_path) if db_path else folder / "demo.db"
    if db.exists():
        _fail(f"{db} already exists; the demo only writes a new ledger")
    try:
        result = run_demo(db, out)
    except FigtraceError as e:
        _fail(str(e))
    except OSError as e:
        _fail(f"cannot write {out}: {e.strerror or e}")
    for failure in result.failures:
        click.echo(f"figtrace: {failure}", err=True)
    click.echo(result.summary)
    click.echo(f"ledger: {result.db}")
    click.echo(f"report: {result.report}")
    click.echo(f"open it with a browser, or browse the ledger: figtrace serve --db {result.db}")


COMMANDS = [report, demo]
