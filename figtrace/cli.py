"""The ``figtrace`` command: thin wrappers over the library (sqlite-utils style)."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click

import figtrace.output as terminal
from figtrace import __version__
from figtrace.errors import FigtraceError, InputError
from figtrace.output import output_options, write_rows
from figtrace.scale.cli_options import Road, road_options

if TYPE_CHECKING:
    from figtrace.pipeline import Options

CLAIM_TABLE_FIELDS = ("doc", "figure", "value", "qualifier", "measure", "actor", "source", "as_of", "location")


class _Main(click.Group):
    """The command group; a user-facing error no command caught still ends as one line, exit 1.

    This is the net under every command: a ledger found damaged in the middle of
    a listing, or any other :class:`FigtraceError`, never shows as a traceback.
    """

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except FigtraceError as e:
            click.echo(f"figtrace: {e}", err=True)
            ctx.exit(1)

    # Commands of the later stages are imported when named (click's lazy group): `figtrace extract`
    # then never loads the web server, the report templates or the ledger's query layer.
    def list_commands(self, ctx: click.Context) -> list[str]:
        _load_optional_commands()
        return sorted({*self.commands, *LAZY_COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands:
            if cmd_name in LAZY_COMMANDS:
                _load_commands(LAZY_COMMANDS[cmd_name])
            else:
                _load_optional_commands()
        return self.commands.get(cmd_name)

    def all_commands(self) -> dict[str, click.Command]:
        """Every command, each module loaded (for help checks and documentation)."""
        for module in dict.fromkeys(LAZY_COMMANDS.values()):
            _load_commands(module)
        _load_optional_commands()
        return dict(self.commands)


@click.group(cls=_Main, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="figtrace")
def main() -> None:
    """Trace every figure in conflict reporting back to who said it."""


@main.command()
@click.argument("inputs", nargs=-1, required=True)
@output_options(default="jsonl", formats=("jsonl", "csv", "table"))
@click.option("--spec-only", is_flag=True, help="Emit only the spec's fields (no offsets or reasons).")
@road_options
def extract(inputs: tuple[str, ...], fmt: str, output: str, spec_only: bool, road: Road) -> None:
    """Extract claims from articles (files, folders, URLs; '-' reads stdin)."""
    from figtrace.scale import iter_results

    options, jobs = road.options, road.jobs
    if road.engine == "dask":
        failed = _extract_dask(inputs, fmt, output, options, spec_only, jobs, road.scheduler, road.shards)
    else:
        tally = _Tally()
        progress = terminal.stderr_is_terminal()

        def rows():
            items = iter_results(inputs, options, jobs=jobs)
            if progress:
                from tqdm import tqdm

                items = tqdm(items, desc="extract", unit="doc", file=sys.stderr, dynamic_ncols=True)
            for item in items:
                if isinstance(item, InputError):
                    tally.problem(item)
                    continue
                tally.documents += 1
                tally.claims += len(item.claims)
                if item.empty_reason is not None:
                    tally.problem(item.empty_reason)
                for c in item.claims:
                    yield c.to_dict(spec_only=spec_only)

        try:
            write_rows(rows(), fmt, path=output, table_fields=CLAIM_TABLE_FIELDS)
        except FigtraceError as e:
            raise click.ClickException(str(e)) from None
        if tally.skipped or progress:  # failures alone are already one line each
            from figtrace.diagnose import skipped_text

            click.echo(f"figtrace: {tally.documents} documents, {tally.claims} claims, "
                       f"{skipped_text(tally.skipped)}, {tally.failed} failures", err=True)
        failed = tally.failed
    if failed:
        sys.exit(1)


class _Tally:
    """What ``extract`` saw, for its summary line; each problem is reported as it comes."""

    def __init__(self) -> None:
        self.documents = 0
        self.claims = 0
        self.failed = 0
        self.skipped: list[InputError] = []

    def problem(self, item: InputError) -> None:
        if item.skipped:
            self.skipped.append(item)
            click.echo(f"figtrace: warning: {item}", err=True)
        else:
            self.failed += 1
            click.echo(f"figtrace: {item}", err=True)


def _extract_dask(inputs: tuple[str, ...], fmt: str, output: str, options: Options, spec_only: bool, jobs: int,
                  scheduler: str | None, shards: str | None) -> int:
    """``extract --engine dask``: shards first (kept with --shards), then the claims in input order."""
    import tempfile

    from figtrace.scale.dask import run_dask
    from figtrace.scale.shards import iter_shard_claims

    with tempfile.TemporaryDirectory(prefix="figtrace-shards-") as tmp:
        try:
            report = run_dask(inputs, shards or tmp, options, scheduler=scheduler, workers=jobs)
            for failure in report.failures:
                click.echo(f"figtrace: {'warning: ' if failure.skipped else ''}{failure}", err=True)
            rows = (c.to_dict(spec_only=spec_only) for c in iter_shard_claims(report.shards))
            write_rows(rows, fmt, path=output, table_fields=CLAIM_TABLE_FIELDS)
        except FigtraceError as e:
            raise click.ClickException(str(e)) from None
    return sum(not f.skipped for f in report.failures)


@main.command("eval")
@click.argument("gold", type=click.Path(exists=True, dir_okay=False), required=False)
@click.argument("pred", type=click.Path(exists=True, dir_okay=False), required=False)
@click.option("--db", "db_path", type=click.Path(dir_okay=False), default=None,
              help="Score the machine's claims in this ledger against the analyst's reviews ('figtrace review').")
@click.option("--min-f1", "min_f1", multiple=True, metavar="LEVEL=F1",
              help="Fail (exit 1) when a level's F1 is below this, e.g. --min-f1 typed=0.9.")
@click.option("--verbose", is_flag=True, help="List missed and spurious claims per level.")
@click.option("--json", "as_json", is_flag=True, help="Print the scores as JSON.")
def eval_cmd(gold: str | None, pred: str | None, db_path: str | None, min_f1: tuple[str, ...], verbose: bool,
             as_json: bool) -> None:
    """Score predicted claims (JSON Lines) against annotated ones (spec/claims.md rules).

    GOLD and PRED are JSON Lines files; or, with --db and no files, the reviewed
    claims of a ledger are the gold and the machine's original values the prediction.
    """
    import json

    from figtrace.evaluate import LEVELS, score

    if db_path is not None:
        if gold or pred:
            raise click.UsageError("give either GOLD and PRED files or --db, not both")
        gold_rows, pred_rows = _reviewed_rows(db_path)
    elif gold and pred:
        gold_rows, pred_rows = _read_jsonl(gold), _read_jsonl(pred)
    else:
        raise click.UsageError("give GOLD and PRED files, or --db LEDGER to score against its reviews")
    result = score(gold_rows, pred_rows)
    if as_json:
        click.echo(json.dumps(result.to_dict(), indent=2))
    else:
        click.echo(f"{'level':<11} {'P':>6} {'R':>6} {'F1':>6}  tp/gold/pred")
        for level in LEVELS:
            r = result.levels[level]
            click.echo(f"{level:<11} {r.precision:6.3f} {r.recall:6.3f} {r.f1:6.3f}  {r.tp}/{r.gold}/{r.pred}")
    if verbose:
        keys = ("doc", "figure", "value", "measure", "actor", "source", "sources", "qualifier", "as_of")
        for level in LEVELS:
            for kind, rows in (("missed", result.missed[level]), ("spurious", result.spurious[level])):
                for c in rows:
                    short = {k: c[k] for k in keys if k in c}
                    click.echo(f"[{level}] {kind}: " + json.dumps(short, ensure_ascii=False))
    failed = False
    for spec in min_f1:
        level, _, want = spec.partition("=")
        if level not in result.levels:
            raise click.BadParameter(f"unknown level {level!r} (one of {', '.join(LEVELS)})", param_hint="--min-f1")
        if result.f1(level) < float(want):
            click.echo(f"{level} F1 {result.f1(level):.3f} < {float(want):.3f}", err=True)
            failed = True
    if failed:
        sys.exit(1)


def _reviewed_rows(db_path: str) -> tuple[list[dict], list[dict]]:
    """The reviews of a ledger as (gold, predicted); a ledger without reviews is an error, not a 0 score."""
    from figtrace.store import Ledger
    from figtrace.store.reviews import evaluation_rows

    try:
        with Ledger(db_path, readonly=True) as ledger:
            gold, pred = evaluation_rows(ledger)
    except FigtraceError as e:
        raise click.ClickException(str(e)) from None
    if not pred:
        raise click.ClickException(f"{db_path} has no reviewed claims: review some with 'figtrace review CLAIM "
                                   f"--source ... --measure ... --reject' first")
    click.echo(f"scoring the machine against {len(pred)} reviewed claims ({len(pred) - len(gold)} rejected)",
               err=True)
    return gold, pred


def _read_jsonl(path: str) -> list[dict]:
    import json

    rows = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if line.strip():
                try:
                    rows.append(json.loads(line))
                except json.JSONDecodeError as e:
                    raise click.ClickException(f"{path}:{n}: not JSON: {e}") from None
    return rows


#: Commands of the later pipeline stages, each owned by its package: name → module (its ``COMMANDS``).
LAZY_COMMANDS = {
    "ingest": "figtrace.scale.commands", "check": "figtrace.scale.commands",
    "claims": "figtrace.store.commands", "timeline": "figtrace.store.commands",
    "conflicts": "figtrace.store.commands", "sources": "figtrace.store.commands",
    "documents": "figtrace.store.analyst_commands", "review": "figtrace.store.analyst_commands",
    "report": "figtrace.report.commands", "demo": "figtrace.report.commands",
    "serve": "figtrace.web.commands",
}
#: Modules that add commands when they are present (not every install has them).
OPTIONAL_COMMAND_MODULES = ("figtrace.bench_commands",)


def _load_commands(module: str) -> None:
    import importlib

    for cmd in getattr(importlib.import_module(module), "COMMANDS", ()):
        if cmd.name not in main.commands:
            main.add_command(cmd)


def _load_optional_commands() -> None:
    import importlib.util

    for module in OPTIONAL_COMMAND_MODULES:
        if importlib.util.find_spec(module) is not None:
            _load_commands(module)
