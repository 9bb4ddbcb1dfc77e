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


@dataclass(frozen=True, slots=True)
class InputError:
    """An input that could not be read; the batch goes on without it."""

    input: str
    message: str

    def __str__(self) -> str:
        return f"{self.input}: {self.message}"
