"""Rewrite the ledger goldens from the current code: run, then review the diff before committing.

    python tests/golden/ledger/regenerate.py
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from test_reconcile_golden import GOLDEN, load, snapshot

from figtrace.store import Ledger


def main() -> None:
    for name, sets in (("seeds.expected.json", ("seeds",)), ("combined.expected.json", ("seeds", "corpus"))):
        with tempfile.TemporaryDirectory() as tmp, Ledger(Path(tmp) / "g.db") as ledger:
            load(ledger, *sets)
            data = snapshot(ledger)
        (GOLDEN / name).write_text(json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n",
                                   encoding="utf-8")
        print(f"wrote {GOLDEN / name}")


if __name__ == "__main__":
    main()
