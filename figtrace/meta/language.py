"""Language of a document, limited to the languages figtrace has lexicons for."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from figtrace.lang import available_languages

#: Below this many letters the guess is noise; the caller's default stands.
MIN_LETTERS = 20
#: Characters classified: a few sentences decide German vs English; the whole text only costs time.
SAMPLE = 1200
_LETTER = re.compile(r"[^\W\d_]")


@lru_cache(maxsize=1)
def _identifier(langs: tuple[str, ...]) -> Any:
    """py3langid's model, restricted to ``langs`` (loading takes most of a second: once)."""
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    ident = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    known = [c for c in langs if c in ident.nb_classes]
    ident.set_languages(known or None)
    return ident


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
