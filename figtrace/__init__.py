"""figtrace: trace every figure in conflict reporting back to who said it.

    >>> import figtrace
    >>> claims = figtrace.extract("Laut UN wurden mindestens 50 Menschen getötet.", lang="de")
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

# The subpackage is imported before the function below is defined, so that
# ``figtrace.extract`` stays the function: importing a submodule sets the
# parent's attribute only when the submodule is first loaded.
import figtrace.extract  # noqa: F401
from figtrace.model import Claim, Document, Segment
from figtrace.pipeline import Options, process
from figtrace.version import __version__

__all__ = ["Claim", "Document", "Ledger", "Segment", "__version__", "extract"]

if TYPE_CHECKING:
    from figtrace.store import Ledger


def extract(text: str, lang: str | None = None, published: str | None = None, doc: str | None = None) -> list[Claim]:
    """Claims in one article's text, through the same stages as every other road (:mod:`figtrace.pipeline`).

    ``lang`` is detected when omitted; ``published`` (YYYY, YYYY-MM or
    YYYY-MM-DD) is the article's publication date, which anchors relative
    dates: it is the article's metadata, as a JSON Lines record's
    ``published`` is (a value that is no date is ignored). ``doc`` names the
    document in each claim.
    """
    from figtrace.limits import Stopwatch

    Stopwatch.reset()  # this text was read by no reader: its budget starts now, whatever was read before
    d = Document(text=text, name=doc or "", lang=lang or None)
    if lang:
        d.meta["lang_source"] = "given"
    if published:
        d.set_published(published, "metadata", "given")
    return process(d, Options()).claims


def __getattr__(name: str) -> Any:
    if name == "Ledger":
        from figtrace.store import Ledger

        return Ledger
    raise AttributeError(name)
