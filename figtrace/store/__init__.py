"""The SQLite claims ledger (``figtrace.Ledger``)."""

from figtrace.store.db import LedgerError
from figtrace.store.ledger import IngestAborted, IngestSummary, InvalidClaim, Ledger

__all__ = ["IngestAborted", "IngestSummary", "InvalidClaim", "Ledger", "LedgerError"]
