"""Fixed sample ledgers for the report, dashboard and browser tests.

The sentences are written for these tests (the figures are the real ones
reported about North Korean troops in 2024–2025); claims are built by hand
so the tests do not depend on how good extraction is today.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from figtrace.model import Claim, Document

#: Debian's chromium, driven by Playwright; the browser tests skip without it locally and fail in CI.
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]
#: The marks of every browser test module (``pytestmark = BROWSER_MARKS``).
BROWSER_MARKS = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists() and not os.environ.get("CI"),
                       reason=f"{CHROMIUM} is missing: run scripts/install-browser.sh (required when CI is set)"),
]

#: (text, meta, claims as (figure, value, low, high, qualifier, measure, actor, source, as_of))
_ARTICLES: list[tuple[str, dict[str, Any], list[tuple[Any, ...]]]] = [
    (
        "Nordkoreas Verluste in Kursk\n\n"
        "Nach einer Einschätzung des britischen Militärgeheimdienstes hat Nordkorea bis Mitte Juni "
        "über 6000 Soldaten als Tote oder Verletzte eingebüßt.\n\n"
        "Pjöngjang hatte im Herbst 2024 insgesamt 11.000 Soldaten nach Russland verlegt.\n\n"
        "Anfang 2025 kamen nach Angaben der südkoreanischen Generalstabschefs rund 3000 weitere "
        "Soldaten hinzu.",
        {"name": "kursk-verluste.txt", "outlet": "Beispiel-Zeitung", "published": "2025-06-17", "lang": "de",
         "url": "https://zeitung.example/kursk-verluste"},
        [
            ("über 6000", 6000, 6000, None, "more_than", "killed_or_wounded", "North Korea",
             "UK Defence Intelligence", "2025-06"),
            ("11.000", 11000, 11000, 11000, "exact", "deployed", "North Korea", "UK Defence Intelligence",
             "2024-09..2024-11"),
            ("rund 3000", 3000, 3000, 3000, "approx", "reinforcement", "North Korea", "South Korea JCS",
             "2025-01..2025-02"),
        ],
    ),
    (
        "Geheimdienst: 2000 Nordkoreaner gefallen\n\n"
        "Südkoreas Geheimdienst NIS beziffert die Zahl der gefallenen Nordkoreaner inzwischen auf "
        "etwa 2000.\n\nDie Angaben wurden Abgeordneten in Seoul vorgelegt.",
        {"name": "nis-gefallene.txt", "outlet": "Nachrichten Nord", "published": "2025-09-02", "lang": "de",
         "url": "https://nord.example/nis"},
        [("etwa 2000", 2000, 2000, 2000, "approx", "killed", "North Korea", "South Korea NIS", "2025-09")],
    ),
    (
        "Spy agency: about 2,000 North Korean soldiers dead\n\n"
        "About 2,000 North Korean soldiers have died fighting for Russia, South Korea's intelligence "
        "service told lawmakers on Tuesday.",
        {"name": "nis-dead.txt", "outlet": "Example Wire", "published": "2025-09-03", "lang": "en",
         "url": "https://wire.example/nis-dead"},
        [("About 2,000", 2000, 2000, 2000, "approx", "killed", "North Korea", "South Korea NIS", "2025-09")],
    ),
    (
        "Westliche Dienste zählen Tote\n\n"
        "Westliche Dienste gehen von mindestens 1000 getöteten nordkoreanischen Soldaten aus.\n\n"
        "Insgesamt seien 11.000 Mann an der Front gewesen.",
        {"name": "westen-tote.txt", "outlet": "Beispiel-Zeitung", "published": "2025-03-12", "lang": "de",
         "url": "https://zeitung.example/westen"},
        [
            ("mindestens 1000", 1000, 1000, None, "at_least", "killed", "North Korea", "Western intelligence",
             None),
            ("11.000", 11000, 11000, 11000, "exact", "deployed", "North Korea", "Western intelligence", None),
        ],
    ),
    (
        "Seoul: 4,000 North Korean casualties\n\n"
        "South Korea's joint chiefs put North Korean casualties at roughly 4,000 killed or wounded.\n\n"
        "The spy agency had earlier estimated the contingent at about 11,000 troops.",
        {"name": "jcs-casualties.txt", "outlet": "Example Wire", "published": "2025-03-05", "lang": "en",
         "url": "https://wire.example/jcs"},
        [
            ("roughly 4,000", 4000, 4000, 4000, "approx", "killed_or_wounded", "North Korea",
             "South Korea JCS", None),
            ("about 11,000", 11000, 11000, 11000, "approx", "deployed", "North Korea", "South Korea NIS",
             "2024"),
        ],
    ),
]

#: An article written to attack the viewer: script tags, event handlers, a javascript: link.
HOSTILE_TEXT = (
    "<script>window.__pwned = 1</script> Breaking\n\n"
    "Officials <img src=x onerror=\"window.__pwned = 2\"> said that 500 soldiers were wounded "
    "<svg onload=\"window.__pwned = 3\"></svg> near the border."
)
HOSTILE_SOURCE = "<b onmouseover=\"window.__pwned = 4\">Ministry</b>"


def _claim(doc: Document, figure: str, value: float, low: float | None, high: float | None,
           qualifier: str, measure: str, actor: str, source: str, as_of: str | None,
           unit: str = "personnel") -> Claim:
    start = doc.text.index(figure)
    # the quote is the paragraph holding the figure
    qs = doc.text.rfind("\n", 0, start) + 1
    qe = doc.text.find("\n", start)
    qe = len(doc.text) if qe < 0 else qe
    return Claim(
        doc=doc.name, quote=doc.text[qs:qe], figure=figure, value=value, low=low, high=high,
        qualifier=qualifier, measure=measure, actor=actor, unit=unit, source=source, as_of=as_of,
        location=None, start=start, end=start + len(figure), quote_start=qs, quote_end=qe,
        lang=doc.lang, published=doc.published, outlet=doc.outlet, url=doc.url, doc_id=doc.id,
        why={"measure": "hand-built test claim"},
    )


def sample_documents(*, hostile: bool = False) -> list[tuple[Document, list[Claim]]]:
    """The sample articles with their claims (and the hostile one when asked)."""
    out = []
    for text, meta, rows in _ARTICLES:
        doc = Document(text=text, title=text.split("\n", 1)[0], **meta)
        out.append((doc, [_claim(doc, *r) for r in rows]))
    if hostile:
        doc = Document(text=HOSTILE_TEXT, name="hostile.txt", title="<script>window.__pwned=5</script>",
                       outlet="<img src=x onerror=\"window.__pwned=6\">", published="2025-05-01", lang="en",
                       url="javascript:window.__pwned=7")
        out.append((doc, [_claim(doc, "500", 500, 500, 500, "exact", "wounded", "North Korea",
                                 HOSTILE_SOURCE, "2025-04")]))
    return out


def build_ledger(path: Path, *, hostile: bool = False) -> Path:
    """A real SQLite ledger at ``path`` holding the sample articles."""
    from figtrace.store import Ledger

    with Ledger(path) as ledger:
        for doc, claims in sample_documents(hostile=hostile):
            ledger.add_document(doc, claims)
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def running_server(app: Any) -> Iterator[str]:
    """Serve ``app`` with uvicorn on 127.0.0.1 in a thread; yields the base URL."""
    import uvicorn

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                           lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("test server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
