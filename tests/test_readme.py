"""Every command the README shows runs (sqlite-utils' documentation tests, for a newcomer's walk-through).

The README's ``sh`` blocks are run in document order as one bash script
(``set -e``: any failing command fails the test), and its ``python`` blocks
with the same interpreter, in a fresh folder that holds a copy of the bundled
corpus at ``figtrace/data/corpus`` (the layout of a clone). The ledger they
work on is the one the README's own first command builds from that corpus.
``figtrace serve`` is started on a free port, asked for its front page, and
stopped. The first block (``make demo``/``make test``) is a ``console`` block:
CI runs those targets themselves. ``text`` and ``json`` blocks show output.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
CORPUS = ROOT / "figtrace" / "data" / "corpus"
BLOCK = re.compile(r"^```(\w*)\n(.*?)^```", re.S | re.M)

#: Runs ``figtrace serve ...`` on a free port until its front page answers, then stops it.
_SERVE = r'''
serve_check() {
    port=$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    "$@" --port "$port" 2>serve.log &
    pid=$!
    "$PY" - "$port" <<'EOF'
import sys, time, urllib.request
url = f"http://127.0.0.1:{sys.argv[1]}/"
for _ in range(150):
    try:
        with urllib.request.urlopen(url, timeout=2) as r:
            assert r.status == 200
            break
    except OSError:
        time.sleep(0.1)
else:
    sys.exit(f"figtrace serve did not answer on {url}")
EOF
    status=$?
    kill "$pid"
    wait "$pid" || true
    return $status
}
'''


def blocks(text: str) -> list[tuple[str, str]]:
    """``(language, code)`` of every fenced block, in order."""
    return [(m.group(1), m.group(2)) for m in BLOCK.finditer(text)]


def script(text: str) -> str:
    """The README's sh and python blocks as one bash script."""
    out = ["set -euo pipefail", _SERVE]
    for lang, code in blocks(text):
        if lang == "sh":
            for line in code.splitlines():
                out.append(f"serve_check {line.split('#')[0]}" if line.startswith("figtrace serve ") else line)
        elif lang == "python":
            out.append(f'"$PY" -P - <<\'PYTHON_BLOCK\'\n{code}PYTHON_BLOCK')  # -P: not the corpus folder
    return "\n".join(out) + "\n"


def test_the_readme_shows_the_commands_we_run() -> None:
    langs = [lang for lang, _ in blocks(README.read_text(encoding="utf-8"))]
    assert set(langs) <= {"sh", "python", "console", "text", "json", ""}, langs
    assert langs.count("sh") >= 6 and "python" in langs
    code = script(README.read_text(encoding="utf-8"))
    for command in ("figtrace demo", "figtrace claims --source NIS --actor Nordkorea --measure killed --since "
                    "2025-06", "figtrace documents --outlet", "figtrace claims --reviewed", "figtrace review",
                    "figtrace eval --db", "serve_check figtrace serve"):
        assert command in code, command


@pytest.mark.skipif(not CORPUS.is_dir(), reason="the bundled corpus is missing")
def test_every_readme_command_runs(tmp_path: Path) -> None:
    shutil.copytree(CORPUS, tmp_path / "figtrace" / "data" / "corpus")
    (tmp_path / "walkthrough.sh").write_text(script(README.read_text(encoding="utf-8")), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k not in ("FIGTRACE_DB", "FIGTRACE_EXTRACTOR")}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["PY"] = sys.executable
    result = subprocess.run(["bash", "-x", "walkthrough.sh"], cwd=tmp_path, env=env, capture_output=True,
                            text=True, timeout=600)
    tail = "\n".join((result.stdout + result.stderr).splitlines()[-40:])
    assert result.returncode == 0, tail
    # what the walk-through made is what the README says it makes
    assert (tmp_path / "report.html").stat().st_size > 10_000
    assert (tmp_path / "nk-killed.csv").read_text(encoding="utf-8").startswith('"actor"')
    assert (tmp_path / "conflicts.parquet").read_bytes()[:4] == b"PAR1"
    assert "South Korea NIS" in result.stdout  # the answer to the first question
    assert ": confirmed" in result.stdout and "review_note" in result.stdout  # a review, then the list
