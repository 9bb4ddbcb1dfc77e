"""The rule engine: sentences → number mentions → claims (see engine.py)."""

from figtrace.extract.engine import extract_document

__all__ = ["extract_document"]
