"""Language of a document, limited to the languages figtrace has lexicons for."""

from __future__ import annotations

import hashlib
import re
from array import array
from functools import lru_cache
from pathlib import Path
from typing import Any

from figtrace.diskcache import cached_file
from figtrace.lang import available_languages

#: Below this many letters the guess is noise; the caller's default stands.
MIN_LETTERS = 20
#: Characters classified: a few sentences decide German vs English; the whole text only costs time.
SAMPLE = 1200
_LETTER = re.compile(r"[^\W\d_]")


@lru_cache(maxsize=1)
def _identifier(langs: tuple[str, ...]) -> Any:
    """py3langid's model, restricted to ``langs``.

    Unpacking the full model takes most of a second; the restricted model is kept unpacked in the
    cache folder (:mod:`figtrace.diskcache`), named by a hash of the model file and the languages,
    and loads in milliseconds. Without a usable cache folder the model is unpacked every time.
    """
    from py3langid.langid import MODEL_DIR, MODEL_FILE

    model = Path(MODEL_DIR) / MODEL_FILE
    with model.open("rb") as f:
        digest = hashlib.file_digest(f, "sha256").hexdigest()[:16]
    name = f"langid-{digest}-{'-'.join(langs)}.npz"
    path = cached_file(name, lambda tmp: _save_restricted(_full_identifier(langs), tmp))
    if path is not None:
        try:
            return _load_restricted(path)
        except (OSError, ValueError, KeyError):
            pass  # a damaged cache file: the model itself still answers
    return _full_identifier(langs)


def _full_identifier(langs: tuple[str, ...]) -> Any:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    ident = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    known = [c for c in langs if c in ident.nb_classes]
    ident.set_languages(known or None)
    return ident


def _save_restricted(ident: Any, tmp: Path) -> None:
    import numpy as np

    with tmp.open("wb") as f:
        np.savez(f, ptc=ident.nb_ptc, pc=ident.nb_pc, classes=np.array(ident.nb_classes),
                 nextmove=np.frombuffer(ident.tk_nextmove, dtype=f"u{ident.tk_nextmove.itemsize}"),
                 nextmove_row=np.frombuffer(ident.tk_row, dtype=f"u{ident.tk_row.itemsize}"),
                 out_feat=np.array(ident.tk_output, dtype=np.int64),
                 typecodes=np.array([ident.tk_nextmove.typecode, ident.tk_row.typecode]))


def _load_restricted(path: Path) -> Any:
    import numpy as np
    from py3langid.langid import LanguageIdentifier

    with np.load(path, allow_pickle=False) as data:
        move_code, row_code = (str(c) for c in data["typecodes"])
        nextmove = array(move_code, data["nextmove"].tobytes())
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
    code, _prob = _identifier(langs).classify(sample)
    return code if code in langs else fallback
