"""The ``figtrace`` command: thin wrappers over the library (sqlite-utils style)."""

from __future__ import annotations

import sys

import click

from figtrace import __version__
from figtrace.errors import FigtraceError, InputError
from figtrace.output import output_options, write_rows

CLAIM_TABLE_FIELDS = ("doc", "figure", "value", "qualifier", "measure", "actor", "source", "as_of", "location")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="figtrace")
def main() -> None:
    """Trace every figure in conflict reporting back to who said it."""


@main.command()
@click.argument("inputs", nargs=-1, required=True)
@output_options(default="jsonl", formats=("jsonl", "csv", "table"))
@click.option("--lang", type=click.Choice(["auto", "de", "en"]), default="auto", show_default=True,
              help="Language of the articles; auto detects it per document.")
@click.option("--published", metavar="YYYY-MM-DD", default=None,
              help="Publication date, for relative dates ('am Dienstag', 'last week').")
@click.option("--spec-only", is_flag=True, help="Emit only the spec's fields (no offsets or reasons).")
def extract(inputs: tuple[str, ...], fmt: str, output: str, lang: str, published: str | None,
            spec_only: bool) -> None:
    """Extract claims from articles (files, folders, URLs; '-' reads stdin)."""
    from figtrace.extract import extract_document
    from figtrace.ingest import iter_documents

    if published is not None:
        _check_date(published)
    failed = 0

    def rows():
        nonlocal failed
        for item in iter_documents(inputs, lang=None if lang == "auto" else lang, published=published):
            if isinstance(item, InputError):
                failed += 1
                click.echo(f"figtrace: {item}", err=True)
                continue
            try:
                claims = extract_document(item)
            except FigtraceError as e:
                failed += 1
                click.echo(f"figtrace: {item.name}: {e}", err=True)
                continue
            for c in claims:
                yield c.to_dict(spec_only=spec_only)

    write_rows(rows(), fmt, path=output, table_fields=CLAIM_TABLE_FIELDS)
    if failed:
        sys.exit(1)


def _check_date(value: str) -> None:
    import datetime as dt

    try:
        dt.date.fromisoformat(value)
    except ValueError as e:
        raise click.BadParameter(f"{value!r} is not a date like 2025-06-16", param_hint="--published") from e


def _register_commands() -> None:
    """Commands of the later pipeline stages, each owned by its package."""
    import importlib

    for module in ("figtrace.store.commands", "figtrace.report.commands", "figtrace.web.commands",
                   "figtrace.bench_commands"):
        try:
            mod = importlib.import_module(module)
        except ModuleNotFoundError as e:
            if e.name == module:
                continue
            raise
        for cmd in getattr(mod, "COMMANDS", ()):
            main.add_command(cmd)


_register_commands()
