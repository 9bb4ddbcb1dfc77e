"""The options every road of the pipeline takes on the command line (``extract`` and ``ingest``).

One decorator, so the two commands cannot drift apart: the same options, the
same checks, and one :class:`Road` (the pipeline's :class:`~figtrace.pipeline.Options`
plus where to run it) handed to the command.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import click

from figtrace.pipeline import Options


@dataclass(frozen=True, slots=True)
class Road:
    """What the user asked for: the pipeline's options and the road (local pool or Dask) to run it on."""

    options: Options
    jobs: int = 1
    engine: str = "local"
    scheduler: str | None = None
    shards: str | None = None


def _lang(ctx: click.Context, param: click.Parameter, value: str) -> str | None:
    from figtrace.lang import available_languages

    if value == "auto":
        return None
    langs = available_languages()
    if value not in langs:
        raise click.BadParameter(f"{value!r}: figtrace has lexicons for {', '.join(langs)} "
                                 f"(a language is a folder in figtrace/lang or FIGTRACE_LANG_PATH)")
    return value


def _published(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    from figtrace.periods import iso_date

    if value is None:
        return None
    date = iso_date(value)
    if date is None or date != value.strip():
        raise click.BadParameter(f"{value!r} is not a date like 2025, 2025-08 or 2025-08-14")
    return date


def _manifest(ctx: click.Context, param: click.Parameter, value: str | None) -> Any:
    from figtrace.ingest.manifest import ManifestError, load_manifest

    if value is None:
        return None
    try:
        return load_manifest(value)
    except ManifestError as e:
        raise click.BadParameter(str(e)) from None


_OPTIONS = (
    click.option("--lang", default="auto", show_default=True, callback=_lang, metavar="CODE",
                 help="Language of the articles (de, en, or any language folder); auto detects it per document."),
    click.option("--published", metavar="DATE", default=None, callback=_published,
                 help="Publication date (2025, 2025-08 or 2025-08-14) for articles whose metadata and manifest "
                      "carry none; it anchors relative dates ('am Dienstag', 'last week')."),
    click.option("--manifest", metavar="FILE", default=None, callback=_manifest,
                 type=click.Path(dir_okay=False),
                 help="CSV or TSV with the columns file or url, published, outlet: each article's date and "
                      "outlet (files relative to the manifest's folder)."),
    click.option("--allow-private", is_flag=True,
                 help="Allow fetching URLs on loopback, private or link-local addresses (refused by default)."),
    click.option("--jobs", "-j", type=click.IntRange(min=1), default=1, show_default=True,
                 help="Worker processes (local engine) or local Dask workers; the result is the same for any N."),
    click.option("--engine", type=click.Choice(["local", "dask"]), default="local", show_default=True,
                 help="local: this machine (a process pool with --jobs); dask: a dask.distributed cluster."),
    click.option("--scheduler", metavar="ADDRESS", default=None,
                 help="Dask scheduler (tcp://host:8786); without it --engine dask starts a local cluster."),
    click.option("--shards", metavar="DIR", type=click.Path(file_okay=False), default=None,
                 help="With --engine dask: keep the Parquet shards (documents, claims) in this empty folder."),
)


def road_options(f: Callable[..., Any]) -> Callable[..., Any]:
    """Add the pipeline's options to a command, which receives them as one ``road`` argument."""

    @functools.wraps(f)
    def wrapper(*args: Any, lang: str | None, published: str | None, manifest: Any, allow_private: bool,
                jobs: int, engine: str, scheduler: str | None, shards: str | None, **kwargs: Any) -> Any:
        if engine == "local" and (scheduler or shards):
            raise click.UsageError(f"{'--scheduler' if scheduler else '--shards'} needs --engine dask")
        options = Options(lang=lang, published=published, manifest=manifest, allow_private=allow_private)
        return f(*args, road=Road(options, jobs, engine, scheduler, shards), **kwargs)

    for option in reversed(_OPTIONS):
        wrapper = option(wrapper)
    return wrapper
