"""Coverage-guided fuzzing of the text path with atheris (libFuzzer), run by hand.

    python fuzz/fuzz_extract.py -runs=20000 -max_len=4096 [corpus_dir]

Each input's bytes go through what a user's file goes through: decoding
(charset detection and mojibake repair), cleaning into segments, language
detection and extraction. It fails on any exception other than the
documented ones, on a claim whose offsets do not slice back to its figure
and quote, on a non-finite value, and on a document slower than
``SLOW_SECONDS`` (a hang shows as libFuzzer's own ``-timeout``). Seeds: the
bundled corpus articles, unless a corpus folder is given.
"""

from __future__ import annotations

import math
import sys
import tempfile
import time
from pathlib import Path

import atheris

with atheris.instrument_imports():
    from figtrace.clean import segment
    from figtrace.errors import FigtraceError
    from figtrace.extract.engine import extract_document
    from figtrace.ingest.decode import decode, repair
    from figtrace.ingest.errors import ReadError
    from figtrace.model import Document

#: A document of at most ``-max_len`` bytes that takes longer than this is a finding.
SLOW_SECONDS = 5.0
CORPUS = Path(__file__).resolve().parent.parent / "figtrace" / "data" / "corpus"


def check(text: str, lang: str | None) -> None:
    doc = Document(text=text, name="fuzz.txt", lang=lang, segments=segment(text, lang))
    began = time.monotonic()
    try:
        claims = extract_document(doc, budget=SLOW_SECONDS)
    except FigtraceError:
        return  # ExtractionTimeout, an unknown language: documented, one-line messages
    if time.monotonic() - began > 2 * SLOW_SECONDS:
        raise AssertionError(f"extraction ran {time.monotonic() - began:.1f} s past its budget")
    for c in claims:
        assert text[c.start: c.end] == c.figure, (c.figure, text[c.start: c.end])
        assert text[c.quote_start: c.quote_end] == c.quote
        for v in (c.value, c.low, c.high):
            assert v is None or math.isfinite(v), c


def test_one_input(data: bytes) -> None:
    fdp = atheris.FuzzedDataProvider(data)
    lang = fdp.PickValueInList(["de", "en", None])
    raw = fdp.ConsumeBytes(fdp.remaining_bytes())
    try:
        text, _charset = decode(raw)
    except ReadError:
        return  # binary input: the reader refuses it with a message, as documented
    text, _ = repair(text)
    check(text, lang)


def main() -> None:
    args = list(sys.argv)
    if not any(not a.startswith("-") for a in args[1:]):
        seeds = Path(tempfile.mkdtemp(prefix="figtrace-fuzz-seeds-"))
        for p in CORPUS.glob("*/*.txt"):
            (seeds / p.name).write_bytes(b"\x00" + p.read_bytes())  # first byte picks the language
        args.append(str(seeds))
    atheris.Setup(args, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
