"""Why a document gave no claims, when the tool can see why.

An article without figures is ordinary; these are the cases where the empty
result is the tool's doing or the user's option, and saying nothing would
hide it: everything was page furniture (no text left after cleaning), or the
user forced a language the text is not in (``--lang de`` on English text).
Each reason is an :class:`~figtrace.errors.InputError` of a skip kind: named
in a warning, counted in the summary line, not a failure.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from figtrace.errors import SKIP_KINDS, InputError
from figtrace.model import Document

#: Fewer letters than this in the body and the language guess is noise: no mismatch is claimed.
MIN_LETTERS_FOR_MISMATCH = 80


def body_text(doc: Document) -> str:
    """The text of the body segments (everything when the document has no segments)."""
    if not doc.segments:
        return doc.text
    return "\n".join(doc.text[s.start:s.end] for s in doc.segments if s.kind == "body")


def nothing_reason(doc: Document) -> InputError | None:
    """The visible reason ``doc`` gave no claims, or None when there is none to report."""
    from figtrace.meta.language import detect_language

    body = body_text(doc)
    if not body.strip():
        return InputError(doc.name, "no text left after cleaning (only captions, link lists, credits and "
                                    "other page furniture)", kind="no_text")
    forced = doc.meta.get("lang_source") == "user" and doc.lang
    if forced and sum(ch.isalpha() for ch in body) >= MIN_LETTERS_FOR_MISMATCH:
        detected = detect_language(body, default=doc.lang)
        if detected != doc.lang:
            return InputError(doc.name, f"no claims: the text looks like {detected!r} but --lang {doc.lang} "
                                        f"was given (drop --lang to detect it)", kind="language")
    return None


def skipped_text(skipped: Sequence[InputError]) -> str:
    """``2 skipped (1 unsupported type, 1 language mismatch)`` for a summary line."""
    if not skipped:
        return "0 skipped"
    counts = Counter(e.kind for e in skipped)
    return f"{len(skipped)} skipped (" + ", ".join(f"{n} {SKIP_KINDS.get(k, k)}" for k, n in counts.items()) + ")"
