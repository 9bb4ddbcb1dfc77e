"""Language of a document, limited to the languages figtrace has lexicons for."""

from __future__ import annotations

import hashlib
import re
from array import array
from collections import Counter
from functools import lru_cache
from pathlib import Path
from typing import Any

from figtrace.diskcache import cached_file, prune
from figtrace.lang import available_languages

#: Below this many letters the guess is noise; the caller's default stands.
MIN_LETTERS = 20
#: Characters classified: a few sentences decide German vs English; the whole text only costs time.
SAMPLE = 1200
_LETTER = re.compile(r"[^\W\d_]")
#: Bumped when the cached files' layout changes, so an old file is never read as a new one.
CACHE_FORMAT = "v2"


@lru_cache(maxsize=1)
def _identifier(langs: tuple[str, ...]) -> Any:
    """py3langid's model, restricted to ``langs``.

    Unpacking the full model takes most of a second. The restricted model is kept in the cache
    folder (:mod:`figtrace.diskcache`), named by a hash of the model file and the languages: its
    small tables in one file, and its 40 MB transition table raw in another, which is mapped into
    memory rather than read (a start touches only the pages one text walks, and the processes of a
    pool share them). Without a usable cache folder the model is unpacked every time.
    """
    from py3langid.langid import MODEL_DIR, MODEL_FILE

    model = Path(MODEL_DIR) / MODEL_FILE
    with model.open("rb") as f:
        digest = hashlib.file_digest(f, "sha256").hexdigest()[:16]
    name = f"langid-{CACHE_FORMAT}-{digest}-{'-'.join(langs)}"
    full: list[Any] = []

    def unpacked() -> Any:  # the full model, unpacked at most once even when both files are built
        if not full:
            full.append(_full_identifier(langs))
            prune("langid-", {f"{name}.npz", f"{name}.moves"})  # files of an older model or layout
        return full[0]

    tables = cached_file(f"{name}.npz", lambda tmp: _save_tables(unpacked(), tmp))
    moves = cached_file(f"{name}.moves", lambda tmp: tmp.write_bytes(unpacked().tk_nextmove.tobytes()))
    if tables is not None and moves is not None:
        try:
            return _load_restricted(tables, moves)
        except (OSError, ValueError, KeyError, TypeError):
            pass  # a damaged cache file: the model itself still answers
    return unpacked()


def _full_identifier(langs: tuple[str, ...]) -> Any:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    ident = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    known = [c for c in langs if c in ident.nb_classes]
    ident.set_languages(known or None)
    return ident


def _save_tables(ident: Any, tmp: Path) -> None:
    import numpy as np

    with tmp.open("wb") as f:
        np.savez(f, ptc=ident.nb_ptc, pc=ident.nb_pc, classes=np.array(ident.nb_classes),
                 nextmove_row=np.frombuffer(ident.tk_row, dtype=f"u{ident.tk_row.itemsize}"),
                 out_feat=np.array(ident.tk_output, dtype=np.int64),
                 typecodes=np.array([ident.tk_nextmove.typecode, ident.tk_row.typecode]),
                 moves=np.array([len(ident.tk_nextmove)], dtype=np.int64))


def _load_restricted(tables: Path, moves: Path) -> Any:
    import mmap

    import numpy as np
    from py3langid.langid import LanguageIdentifier

    with np.load(tables, allow_pickle=False) as data:
        move_code, row_code = (str(c) for c in data["typecodes"])
        with moves.open("rb") as f:
            mapped = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
        nextmove = memoryview(mapped).cast(move_code)  # indexed like the array it was written from
        if len(nextmove) != int(data["moves"][0]):
            raise ValueError(f"{moves}: {len(nextmove)} transitions, expected {int(data['moves'][0])}")
        row = array(row_code, data["nextmove_row"].tobytes())
        return LanguageIdentifier(data["ptc"], data["pc"], data["classes"].tolist(), nextmove,
                                  data["out_feat"].tolist(), norm_probs=True, tk_row=row)


def detect_language(text: str, default: str | None = None) -> str:
    """A code for which ``figtrace/lang/<code>/`` exists: ``'de'`` or ``'en'`` today.

    Short or letterless text returns ``default`` (the first language when None).
    """
    langs = tuple(available_languages())
    fallback = default if default in langs else (langs[0] if langs else "en")
    sample = text[:SAMPLE]
    if not langs or len(_LETTER.findall(sample, 0, 400)) < MIN_LETTERS:
        return fallback
    plain = _by_function_words(sample, langs)
    if plain is not None:
        return plain
    code, _prob = _identifier(langs).classify(sample)
    return code if code in langs else fallback


#: A language wins on its function words alone with at least this many in the sample ...
FUNCTION_WORDS_MIN = 12
#: ... and this many times as many as any other language's.
FUNCTION_WORDS_LEAD = 6
_WORD = re.compile(r"[^\W\d_]+")


def _by_function_words(sample: str, langs: tuple[str, ...]) -> str | None:
    """The language whose function words ("der", "und"; "the", "of") fill the sample, when one does
    by a wide margin; None leaves the choice to the statistical identifier.

    Classifying costs about a millisecond per text (a byte-by-byte automaton in Python), as much as
    extracting a short article. Nearly every news text is plainly one language: a count of its
    commonest words settles it, and the identifier is kept for the mixed, short or unlisted ones.
    """
    table = _function_words(langs)
    if table is None:
        return None
    counts = dict.fromkeys(langs, 0)
    for code, n in Counter(filter(None, map(table.get, _WORD.findall(sample.lower())))).items():
        counts[code] += n  # (counted in C: a Python loop per word cost as much as the rest of the guess)
    ranked = sorted(counts.items(), key=lambda kv: -kv[1])
    best, n = ranked[0]
    second = ranked[1][1] if len(ranked) > 1 else 0
    return best if n >= FUNCTION_WORDS_MIN and n >= FUNCTION_WORDS_LEAD * second else None


@lru_cache(maxsize=4)
def _function_words(langs: tuple[str, ...]) -> dict[str, str] | None:
    """Each language's function words (``sentences.toml``), those of two languages left out;
    None when a language lists none (then no count can speak for it)."""
    from figtrace.lang import load_toml

    owner: dict[str, str] = {}
    shared: set[str] = set()
    for code in langs:
        words = load_toml(code, "sentences.toml").get("function_words")
        if not isinstance(words, list) or not words:
            return None
        for w in {str(w).lower() for w in words}:
            if w in owner and owner[w] != code:
                shared.add(w)
            owner[w] = code
    return {w: c for w, c in owner.items() if w not in shared}
