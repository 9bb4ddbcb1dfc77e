"""The one exception readers raise; the orchestrator turns it into an InputError."""

from __future__ import annotations


class ReadError(Exception):
    """An input (or one record in it) that cannot become a document; the message is for the user."""
