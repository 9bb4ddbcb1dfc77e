"""Errors a user can hit, each naming the input it is about."""

from __future__ import annotations

from dataclasses import dataclass


class FigtraceError(Exception):
    """Base class: the message is meant for the user, on one line."""


class UnknownLanguageError(FigtraceError):
    def __init__(self, code: str, available: list[str]):
        super().__init__(
            f"unknown language {code!r}: figtrace has lexicons for {', '.join(available)} "
            f"(add figtrace/lang/{code}/ to support it)"
        )
        self.code = code


class ExtractionTimeout(FigtraceError):
    """One document took longer than its time budget; it is skipped, the batch goes on."""


class LexiconError(FigtraceError):
    """A lexicon file is malformed; lists every problem at once (file and entry)."""


#: Kinds of :class:`InputError` that are skips, not failures: the tool saw why the
#: input gives nothing (say so, count it, but exit 0).
SKIP_KINDS: dict[str, str] = {
    "unsupported": "unsupported type",
    "language": "language mismatch",
    "no_text": "no text after cleaning",
}


@dataclass(frozen=True, slots=True)
class InputError:
    """An input that could not be read or gave nothing for a visible reason; the batch goes on.

    ``kind`` is ``failed`` (exit status 1) or one of :data:`SKIP_KINDS` (a warning).
    """

    input: str
    message: str
    kind: str = "failed"

    @property
    def skipped(self) -> bool:
        return self.kind in SKIP_KINDS

    def __str__(self) -> str:
        return f"{self.input}: {self.message}"
