"""``figtrace serve``: run the read-only dashboard."""

from __future__ import annotations

import ipaddress
import os
import signal
import sys

import click

from figtrace.errors import FigtraceError
from figtrace.web.app import LOOPBACK_HOSTS


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def allowed_hosts_for(host: str) -> tuple[str, ...]:
    """Host headers to accept: loopback names, plus the address served on when it is not a wildcard."""
    if host in ("0.0.0.0", "::", "[::]"):
        return ("*",)
    return tuple(dict.fromkeys((*LOOPBACK_HOSTS, host)))


@click.command()
@click.option("--db", "db_path", default="figtrace.db", show_default=True, envvar="FIGTRACE_DB",
              type=click.Path(dir_okay=False), help="Ledger file (env FIGTRACE_DB).")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; anything but loopback exposes the ledger to the network.")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True,
              help="Port to listen on.")
@click.option("--no-check", "no_check", is_flag=True,
              help="Skip SQLite's quick check of the whole file (at start, and each minute after the file "
                   "changed); it reads every page once.")
@click.option("--allow-review", is_flag=True,
              help="Let the claim pages record reviews (the one write the dashboard offers; same-origin forms "
                   "with a per-run token). Without it the dashboard is read-only.")
def serve(db_path: str, host: str, port: int, no_check: bool, allow_review: bool) -> None:
    """Browse the ledger in a web dashboard (timelines, claims, documents, search, JSON API); read-only
    unless --allow-review."""
    from figtrace.store import Ledger
    from figtrace.store.db import damaged_message, quick_check
    from figtrace.web.app import create_app
    from figtrace.web.server import run

    try:
        with Ledger(db_path, readonly=True) as ledger:
            # a damaged page may read as "no rows" rather than fail: refuse to show half a ledger
            problem = None if no_check else quick_check(ledger.conn)
    except FigtraceError as e:
        click.echo(f"figtrace: {e}", err=True)
        sys.exit(1)
    if problem not in (None, "ok"):
        click.echo(f"figtrace: {damaged_message(db_path, str(problem))}", err=True)
        sys.exit(1)
    if not _is_loopback(host):
        click.echo(f"figtrace: warning: serving on {host}: anyone who can reach it can read this ledger",
                   err=True)
    if allow_review and not os.access(db_path, os.W_OK):
        click.echo(f"figtrace: {db_path} is read-only: --allow-review cannot record reviews in it", err=True)
        sys.exit(1)
    app = create_app(db_path, allowed_hosts=allowed_hosts_for(host), check_every=None if no_check else 60.0,
                     allow_review=allow_review)
    shown = f"[{host}]" if ":" in host else host
    mode = "with reviews allowed" if allow_review else "read-only"
    click.echo(f"figtrace: serving {db_path} {mode} at http://{shown}:{port}/ (Ctrl-C stops)", err=True)
    stopped_by = run(app, host, port)
    if stopped_by is not None:
        click.echo(f"figtrace: stopped ({signal.Signals(stopped_by).name})", err=True)
        # In-flight requests had their grace period; a thread still reading the ledger (a request
        # abandoned over budget, a view being refreshed) must not keep the process alive. The server
        # writes nothing, so nothing is lost by not waiting for it.
        sys.stderr.flush()
        os._exit(0)


COMMANDS = [serve]
