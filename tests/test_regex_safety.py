"""Every regular expression on the text path, run against inputs built to make regexes backtrack.

Why a subprocess: a regex that backtracks catastrophically cannot be
interrupted from Python (the ``re`` engine holds the interpreter), so the
patterns run in a child process that the test kills after a generous bound.
The child prints each pattern's name before running it, so a failure names
the pattern that stalled. No timing is asserted beyond "finishes".

Which patterns: every compiled pattern reachable from the engine's readers
(numbers, frames, attribution, time, sentences, knowledge-base matchers),
including each :class:`~figtrace.lang.phrases.PhrasePattern`'s alternation
and key groups, the cleaner's cues, the date lexicon, every module-level
pattern of the text-path packages, and every literal pattern passed to
``re.search``/``re.match``/… inside their functions (found by reading the
source with :mod:`ast`).

Which inputs: long runs of one character class (the classic quadratic
traps), and, for each pattern, its own literal words repeated glued and
spaced and followed by a character that makes the match fail (the
exponential trap of an alternation whose entries overlap, as ``vier`` +
``zehn`` and ``vierzehn`` do).
"""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
import re
import resource
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from figtrace.lang.phrases import PhrasePattern

#: A compiled regex, or a lexicon alternation run through its own word-start scanner.
Sweepable = re.Pattern[str] | PhrasePattern

#: Packages whose patterns see article text.
TEXT_PACKAGES = ("figtrace.extract", "figtrace.clean", "figtrace.meta", "figtrace.ingest", "figtrace.lang",
                 "figtrace.kb")
LANGS = ("de", "en")
#: Generous CPU-seconds bound for the whole sweep (about 20 s). CPU time, not wall time: a pattern that
#: backtracks burns CPU whatever else runs, while a loaded machine only stretches the wall clock.
ALL_PATTERNS_TIMEOUT = 75
#: CPU-seconds bound for one known-bad pattern on a small input that a linear regex finishes in microseconds.
ONE_PATTERN_TIMEOUT = 4
#: A child gets this many times its CPU bound in wall seconds before it counts as hung.
WALL_FACTOR = 8
#: Literal words per pattern turned into repetition inputs (big alternations: a sample).
WORDS_PER_PATTERN = 24
REPEAT = 24

#: For literal patterns found in the source: which ``re`` functions the code hands them to.
INLINE_USES: dict[str, set[str]] = {}


def _inline(module: str, source: str) -> str:
    """The name the collector gives a literal pattern passed to ``re.<func>`` in ``module``."""
    return f"{module}:re({source!r})"


#: Patterns only ever applied to a bounded slice of text (name → (slice length, where)), checked
#: by reading the code: they are swept on slices of that length.
WINDOWED: dict[str, tuple[int, str]] = {
    "figtrace.extract.attribution:_NAME_BEFORE": (60, "_raw_names: search(text, cs - 60, cs)"),
    "figtrace.extract.attribution:_NAME_AFTER": (70, "_raw_names: match(text, end, end + 70)"),
    _inline("figtrace.extract.attribution", r"\s*:"): (3, "own/_metonyms: text[e: e + 3]"),
    "figtrace.extract.numbers:finder(de)._suffix": (12, "_qualify: match(text, num_end, num_end + 12)"),
    "figtrace.extract.numbers:finder(en)._suffix": (12, "_qualify: match(text, num_end, num_end + 12)"),
    "figtrace.extract.numbers:finder(de)._left": (40, "_qualify: search(text, start - QUALIFIER_WINDOW, start)"),
    "figtrace.extract.numbers:finder(en)._left": (40, "_qualify: search(text, start - QUALIFIER_WINDOW, start)"),
    _inline("figtrace.extract.sentences", r"[\s\u00a0]+([\"'„“»«‚(\[]?)(\w+)"): (40, "_is_boundary"),
    _inline("figtrace.extract.sentences", r"(\S+)$"): (13, "_is_boundary: text[end - 12: end + 1]"),
    "figtrace.clean.cues:load_cues(all).reading_time": (150, "clean.lines: only lines of SHORT/TIMESTAMP_MAX chars"),
    "figtrace.clean.cues:load_cues(de).reading_time": (150, "clean.lines: only lines of SHORT/TIMESTAMP_MAX chars"),
    "figtrace.clean.cues:load_cues(en).reading_time": (150, "clean.lines: only lines of SHORT/TIMESTAMP_MAX chars"),
}

#: Patterns known to backtrack catastrophically, excluded from the sweep and
#: each covered by a strict xfail below (none at present: the five found by this
#: sweep — German number words, datelines, sentence ends, "N units ago" — were fixed).
KNOWN_BAD: dict[str, str] = {}


#: Length of the long inputs: a quadratic pattern spends about n² steps on them (minutes), a linear one
#: milliseconds. The whole sweep takes about 20 s; the bound below leaves room for a loaded machine
#: while the quadratic patterns found so far need several minutes at this length.
RUN_LENGTH = 30_000


def _adversarial_runs() -> list[tuple[str, str]]:
    n = RUN_LENGTH
    return [
        ("a*n", "a" * n),
        ("A*n", "A" * n),
        ("1*n", "1" * n),
        ("1.*n/2", "1." * (n // 2)),
        ("1,*n/2", "1," * (n // 2)),
        ("1 *n/2", "1 " * (n // 2)),
        ("1.000*n/5", "1.000" * (n // 5) + "x"),
        ("space*n", " " * n + "x"),
        ("nbsp*n", "\u00a0" * n + "x"),
        ("dash*n", "-" * n),
        ("dot*n", "." * n),
        ("newline*n", "\n" * n),
        ("a@*n/2", "a@" * (n // 2)),
        ("a.*n/2", "a." * (n // 2)),
        ("a-*n/2", "a-" * (n // 2)),
        ("x@x.*", "x@" + "x." * (n // 2) + "!"),
        ("Aa *", "Aa " * (n // 3)),
        ("Aa. *", "Aa. " * (n // 4)),
        ("http://*", "http://" + "a." * (n // 2) + "!"),
        ("![](*", "![" + "a" * (n // 2) + "](" + "b" * (n // 2)),
        ("|---*", "|---" * (n // 4) + "x"),
        ("zwsp digits", "1\u200b" * (n // 2)),
        ("+1 *", "+1 " * (n // 3) + "x"),
        ("Abc*", "Abc" * (n // 3) + "1"),
        ("Abc-*", "Abc-" * (n // 4) + "1"),
    ]


_ESCAPE = re.compile(r"\\[A-Za-z]|\\.|\(\?P<\w+>|\(\?[a-zA-Z]*[:=!<]|\{\d*,?\d*\}")
_LITERAL = re.compile(r"[^\W\d_]{2,}")


def _words_of(pattern: str) -> list[str]:
    """Literal words written in a pattern (a sample for big alternations), shortest-and-longest mixed."""
    words = sorted(set(_LITERAL.findall(_ESCAPE.sub(" ", pattern))))
    if len(words) <= WORDS_PER_PATTERN:
        return words
    step = len(words) / WORDS_PER_PATTERN
    return [words[int(i * step)] for i in range(WORDS_PER_PATTERN)]


def _word_inputs(pattern: str) -> Iterator[str]:
    for w in _words_of(pattern):
        yield w * REPEAT + "x"
        yield w * REPEAT + "!"
        yield (w + " ") * REPEAT + "1x"
        yield (w + "-") * REPEAT + "x"
        yield (w.capitalize() + " ") * REPEAT + "1"


# -- collecting -----------------------------------------------------------------

def _walk(obj: object, name: str, out: dict[str, Sweepable], seen: set[int], depth: int = 0) -> None:
    """Every compiled pattern held by an object, its attributes, containers and PhrasePatterns."""
    if id(obj) in seen or depth > 6 or obj is None:
        return
    seen.add(id(obj))
    if isinstance(obj, re.Pattern):
        if obj.pattern and isinstance(obj.pattern, str):
            out.setdefault(name, obj)
        return
    if isinstance(obj, PhrasePattern):
        out.setdefault(name, obj)
        return
    if isinstance(obj, (str, bytes, int, float, bool)):
        return
    if isinstance(obj, dict):
        for k, v in obj.items():
            _walk(v, f"{name}[{k!r}]", out, seen, depth + 1)
        return
    if isinstance(obj, (list, tuple, set, frozenset)):
        for i, v in enumerate(obj):
            _walk(v, f"{name}[{i}]", out, seen, depth + 1)
        return
    attrs: dict[str, object] = {}
    if hasattr(obj, "__dict__"):
        attrs.update(vars(obj))
    for cls in type(obj).__mro__:
        for slot in getattr(cls, "__slots__", ()):
            if hasattr(obj, slot):
                attrs[slot] = getattr(obj, slot)
    if not type(obj).__module__.startswith("figtrace"):
        return
    for k, v in attrs.items():
        _walk(v, f"{name}.{k}", out, seen, depth + 1)


def _text_modules() -> Iterator[object]:
    for pkg_name in TEXT_PACKAGES:
        pkg = importlib.import_module(pkg_name)
        yield pkg
        for info in pkgutil.walk_packages(pkg.__path__, pkg_name + "."):
            yield importlib.import_module(info.name)


_RE_FUNCS = {"search", "match", "fullmatch", "finditer", "findall", "sub", "subn", "split", "compile"}


def _inline_patterns(module: object) -> Iterator[tuple[str, str]]:
    """Literal patterns handed to ``re.<func>`` inside functions (not reachable as objects), with the func."""
    try:
        source = inspect.getsource(module)  # type: ignore[arg-type]
    except (OSError, TypeError):
        return
    for node in ast.walk(ast.parse(source)):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in _RE_FUNCS
                and isinstance(node.func.value, ast.Name) and node.func.value.id == "re" and node.args
                and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
            yield node.args[0].value, node.func.attr


def collect_patterns() -> dict[str, Sweepable]:
    """Name → compiled pattern (or PhrasePattern), for every pattern on the text path."""
    from figtrace.clean.cues import load_cues
    from figtrace.extract.attribution import source_reader
    from figtrace.extract.engine import _DocContext
    from figtrace.extract.frames import frame_reader
    from figtrace.extract.numbers import finder
    from figtrace.extract.sentences import splitter
    from figtrace.extract.timeref import time_finder
    from figtrace.kb import get_kb
    from figtrace.lang.dates import date_lexicon

    out: dict[str, Sweepable] = {}
    seen: set[int] = set()
    kb = get_kb()
    for lang in LANGS:
        for label, obj in (
            ("figtrace.extract.numbers:finder", finder(lang)),
            ("figtrace.extract.frames:frame_reader", frame_reader(lang)),
            ("figtrace.extract.attribution:source_reader", source_reader(lang)),
            ("figtrace.extract.timeref:time_finder", time_finder(lang)),
            ("figtrace.extract.sentences:splitter", splitter(lang)),
            ("figtrace.extract.engine:_DocContext", _DocContext("", lang, None)),
            ("figtrace.clean.cues:load_cues", load_cues((lang,))),
            ("figtrace.lang.dates:date_lexicon", date_lexicon((lang,))),
        ):
            _walk(obj, f"{label}({lang})", out, seen)
        for kind in ("sources", "actors", "places", "metonyms"):
            _walk(kb.matcher(kind, lang), f"figtrace.kb:matcher({kind},{lang})", out, seen)
    _walk(load_cues(), "figtrace.clean.cues:load_cues(all)", out, seen)
    _walk(date_lexicon(), "figtrace.lang.dates:date_lexicon(all)", out, seen)
    for module in _text_modules():
        mod_name = module.__name__  # type: ignore[attr-defined]
        for attr, value in vars(module).items():
            if isinstance(value, re.Pattern):
                _walk(value, f"{mod_name}:{attr}", out, seen)
        for src, func in _inline_patterns(module):
            try:
                out.setdefault(_inline(mod_name, src), re.compile(src))
            except re.error:
                continue
            INLINE_USES.setdefault(_inline(mod_name, src), set()).add(func)
    return out


# -- the child ------------------------------------------------------------------

def _child(skip: set[str], only: set[str], timing: bool = False) -> None:
    """Sweep every pattern; input by input (so each text's word index is built once), then word inputs."""
    patterns = collect_patterns()
    print(f"COUNT {len(patterns)}", flush=True)
    chosen: list[tuple[str, Sweepable]] = []
    # a pattern is skipped or chosen by its source, whichever name it was also found under
    skipped = {_key(rx) for name, rx in patterns.items() if name in skip}
    wanted = {_key(rx) for name, rx in patterns.items() if name in only}
    done: set[tuple[str, int]] = set()
    for name, rx in sorted(patterns.items()):
        key = _key(rx)
        if key in done or key in skipped or (only and key not in wanted):
            continue
        done.add(key)
        chosen.append((name, rx))
    spent: dict[str, float] = {}
    for label, text in _adversarial_runs():
        for name, rx in chosen:
            print(f"START {name} on {label}", flush=True)
            began = time.perf_counter()
            window = WINDOWED.get(name)
            _sweep(rx, text if window is None else text[:window[0]], INLINE_USES.get(name))
            spent[name] = spent.get(name, 0.0) + time.perf_counter() - began
    for name, rx in chosen:
        print(f"START {name} on its own words", flush=True)
        began = time.perf_counter()
        for text in _word_inputs(rx.pattern):
            _sweep(rx, text, INLINE_USES.get(name))
        spent[name] = spent.get(name, 0.0) + time.perf_counter() - began
    if timing:
        for name, secs in sorted(spent.items(), key=lambda kv: -kv[1])[:30]:
            print(f"TIME {secs:.3f} {name}", flush=True)
    print("DONE", flush=True)


def _key(rx: Sweepable) -> tuple[str, int]:
    return rx.pattern, rx.regex.flags if isinstance(rx, PhrasePattern) else rx.flags


def _sweep(rx: Sweepable, text: str, uses: set[str] | None = None) -> None:
    """Run a pattern the ways the engine runs it: scans, a search from the middle, anchored matches.

    A literal pattern the code only ever anchors (``re.match``/``re.fullmatch``) is run only anchored:
    scanning it from every position would measure a use that does not exist.
    """
    mid = len(text) // 2
    if uses is not None and uses <= {"match", "fullmatch"}:
        rx.match(text)
        rx.fullmatch(text)
        return
    list(rx.finditer(text))
    rx.search(text, mid)
    rx.match(text, 0)
    rx.match(text, mid)
    if isinstance(rx, PhrasePattern):
        rx.fullmatch(text)


def _run_child(args: list[str], cpu_seconds: int) -> tuple[bool, str]:
    """Run the sweep in a child that the kernel stops after ``cpu_seconds`` of CPU (``RLIMIT_CPU``)."""
    cmd = [sys.executable, str(Path(__file__).resolve()), *args]

    def limit_cpu() -> None:
        resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 1))

    def last_pattern(out: str) -> str:
        started = [line[6:] for line in out.splitlines() if line.startswith("START ")]
        return started[-1] if started else "?"

    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=cpu_seconds * WALL_FACTOR, check=False,
                              preexec_fn=limit_cpu)
    except subprocess.TimeoutExpired as e:
        out = e.stdout.decode() if isinstance(e.stdout, bytes) else (e.stdout or "")
        return False, f"hung for {cpu_seconds * WALL_FACTOR} s in pattern {last_pattern(out)}"
    if proc.returncode in (-signal.SIGXCPU, -signal.SIGKILL):
        return False, f"over {cpu_seconds} s of CPU in pattern {last_pattern(proc.stdout)}"
    if proc.returncode != 0:
        return False, f"child failed:\n{proc.stderr[-3000:]}"
    return "DONE" in proc.stdout, proc.stdout


# -- tests --------------------------------------------------------------------------

def test_the_collector_reaches_every_reader_and_module() -> None:
    """The sweep is only a guard if it sees the patterns: spot-check that each source is collected."""
    names = collect_patterns()
    for lang in LANGS:
        for needle in (f"finder({lang}).digit_scan", f"finder({lang}).word_scan", f"frame_reader({lang}).cue",
                       f"source_reader({lang}).prefix", f"time_finder({lang}).dmy",
                       f"({lang}).actor_m.pattern", f"load_cues({lang}).caption_tail",
                       f"_DocContext({lang}).side"):
            # a pattern reachable under two names is collected once, under the first name walked
            # (the actor matcher is shared with the speaker reader: "source_reader(de).sp.actors")
            alias = needle.replace(f"({lang}).actor_m.pattern", f"({lang}).sp.actors.pattern")
            tail = "." + needle.split(").", 1)[1] if ")." in needle else needle
            assert any(needle in n or alias in n or n.endswith(tail) for n in names), needle
    for needle in ("figtrace.extract.sentences:_CANDIDATE", "figtrace.extract.timeref:_URL",
                   "figtrace.clean.lines:_TAGS", "figtrace.meta.outlet:_EMAIL_DOMAIN",
                   "figtrace.extract.sentences:re(", "figtrace.lang.phrases:_TOKEN"):
        assert any(needle in n for n in names), needle
    assert len(names) > 150


@pytest.mark.slow
def test_no_pattern_backtracks_catastrophically() -> None:
    ok, detail = _run_child(["--child", "--skip", ",".join(sorted(KNOWN_BAD))], ALL_PATTERNS_TIMEOUT)
    assert ok, detail


def test_the_sweep_catches_a_catastrophic_pattern() -> None:
    """The harness itself: a textbook exponential pattern planted in the child must time out."""
    ok, detail = _run_child(["--child", "--plant", "--only", "planted"], ONE_PATTERN_TIMEOUT)
    assert not ok
    assert "planted" in detail


def _known_bad_by_bug() -> list[tuple[str, str]]:
    """One entry per bug (both languages' copies of a pattern share one), as (names, reason)."""
    by_reason: dict[str, list[str]] = {}
    for name, why in KNOWN_BAD.items():
        by_reason.setdefault(why, []).append(name)
    return [(",".join(names), why) for why, names in by_reason.items()]


@pytest.mark.slow
@pytest.mark.parametrize("names", [pytest.param(n, marks=pytest.mark.xfail(strict=True, reason=why),
                                                 id=n.split(",")[0].split(":")[-1])
                                   for n, why in _known_bad_by_bug()])
def test_known_bad_patterns_still_backtrack(names: str) -> None:
    """Each known-bad pattern alone: XPASS (a red strict xfail) the day it is fixed, to drop it from KNOWN_BAD."""
    ok, detail = _run_child(["--child", "--only", names], ONE_PATTERN_TIMEOUT)
    assert ok, detail


if __name__ == "__main__":
    argv = sys.argv[1:]

    def _opt(flag: str) -> set[str]:
        return set(argv[argv.index(flag) + 1].split(",")) - {""} if flag in argv else set()

    if "--plant" in argv:
        _planted = re.compile(r"^(a|aa)+$")

        def collect_patterns() -> dict[str, re.Pattern[str]]:  # type: ignore[no-redef]
            return {"planted": _planted}

    _child(_opt("--skip"), _opt("--only"), "--timing" in argv)
