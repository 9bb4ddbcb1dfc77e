"""Write the self-contained HTML report.

One file, no network: the stylesheet is inlined, charts are inline SVG and
there is no JavaScript at all, which the file's own Content-Security-Policy
enforces (a hostile article that slipped past escaping still cannot run).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from figtrace import __version__
from figtrace.report.figures import fmt_claim, fmt_number, measure_label
from figtrace.report.view import LedgerView, report_context, safe_url

TEMPLATES = Path(__file__).with_name("templates")
#: The stylesheet the report inlines and the dashboard serves.
STYLESHEET = Path(__file__).parent.parent / "web" / "static" / "figtrace.css"

#: The report has no script; this makes that a rule the browser enforces.
REPORT_CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; "
              "form-action 'none'")


def environment(*dirs: Path) -> jinja2.Environment:
    """A Jinja environment that escapes everything, with the shared filters."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(d) for d in (*dirs, TEMPLATES)]),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(num=fmt_number, claim=fmt_claim, measure=measure_label, safe_url=safe_url)
    return env


def render_report(ledger: LedgerView, *, actor: str | None = None, title: str | None = None,
                  db_name: str = "", factor: float = 2.0, progress: bool = False) -> str:
    """The report as one HTML string."""
    ctx: dict[str, Any] = report_context(ledger, actor=actor, factor=factor, progress=progress)
    for m in ctx["metrics"]:
        m.svg = Markup(m.svg)  # checked by charts.check_svg: no script, no handlers
    ctx.update(
        title=title or (f"figtrace report: {actor}" if actor else "figtrace report"),
        generated=dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        version=__version__,
        db_name=db_name,
        csp=REPORT_CSP,
        stylesheet=Markup(STYLESHEET.read_text(encoding="utf-8").replace("</", "<\\/")),
    )
    return environment().get_template("report.html").render(**ctx)


def write_report(ledger: LedgerView, path: str | Path, **kwargs: Any) -> Path:
    """Render and write the report; returns the path written."""
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render_report(ledger, **kwargs), encoding="utf-8")
    return out
