"""Take the README's screenshots of the dashboard and the report.

    python scripts/screenshots.py              # runs the demo corpus through figtrace first
    python scripts/screenshots.py --db my.db   # or uses an existing ledger

Writes docs/screenshots/{dashboard,timeline,claim,review,documents,report,report-phone}.png with
Debian's chromium (scripts/install-browser.sh). Look at them before committing.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from figtrace.report.render import write_report  # noqa: E402
from figtrace.store import Ledger  # noqa: E402
from figtrace.web import create_app  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run", "--disable-sync"]


def _serve(app: object):  # a tiny copy of the test helper, so the script needs no test package
    import socket
    import threading
    import time

    import uvicorn

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    return server, f"http://127.0.0.1:{port}"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", help="ledger to show (default: ingest the bundled corpus into a temporary one)")
    ap.add_argument("--actor", default="North Korea", help="actor whose timeline and claim to show")
    ap.add_argument("--measure", default="killed_or_wounded", help="measure of the timeline to show")
    ap.add_argument("--out", default=str(ROOT / "docs" / "screenshots"), help="folder for the PNGs")
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    tmp = Path(tempfile.mkdtemp(prefix="figtrace-shots-"))
    if args.db:
        db = Path(args.db)
    else:
        from figtrace.report.demo import run_demo

        db = tmp / "demo.db"
        print(run_demo(db, tmp / "report.html").summary)
    report = tmp / "report.html"
    with Ledger(db, readonly=True) as ledger:
        write_report(ledger, report, db_name=db.name)
        claims = ledger.claims(actor=args.actor, measure=args.measure, limit=1)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    server, base = _serve(create_app(db, allow_review=True))
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            page = browser.new_page(viewport={"width": 1200, "height": 860})
            page.goto(base + "/")
            page.screenshot(path=str(out / "dashboard.png"))
            page.goto(f"{base}/timeline?actor={args.actor}&measure={args.measure}")
            page.screenshot(path=str(out / "timeline.png"))
            if claims:
                page.goto(f"{base}/claim/{claims[0]['id']}")
                page.evaluate("document.querySelector('details.review-form')?.removeAttribute('open')")
                page.screenshot(path=str(out / "claim.png"))
                page.evaluate("document.querySelector('details.review-form')?.setAttribute('open', '')")
                page.locator("details.review-form").scroll_into_view_if_needed()
                page.screenshot(path=str(out / "review.png"))
            page.goto(f"{base}/documents")
            page.screenshot(path=str(out / "documents.png"))
            page.goto(report.as_uri())
            page.screenshot(path=str(out / "report.png"))
            phone = browser.new_page(viewport={"width": 390, "height": 844}, device_scale_factor=1)
            phone.goto(report.as_uri() + "#claims")
            phone.screenshot(path=str(out / "report-phone.png"))
            browser.close()
    finally:
        server.should_exit = True
    for p in sorted(out.glob("*.png")):
        print(p)
    return 0


if __name__ == "__main__":
    sys.exit(main())
