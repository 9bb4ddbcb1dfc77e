"""A manifest: the publication date and outlet of files or URLs the articles themselves do not carry.

``figtrace extract DIR --manifest sources.csv`` reads a CSV (or TSV: by the
``.tsv`` ending, or tabs in the header line) with a header row and the
columns ``file`` or ``url`` (at least one), ``published`` (or ``date``) and
``outlet`` (either may be empty), and optionally ``lang`` (or ``language``).
Other columns are not read. A ``file`` is relative to the manifest's folder;
a row with both a file and a URL says where the file was fetched from (its
outlet then comes from the URL). Dates are ``YYYY``, ``YYYY-MM`` or
``YYYY-MM-DD`` and keep their precision. The pipeline applies an entry to the document it names
(:func:`figtrace.pipeline.prepare`), marking the date ``published_from =
"manifest"``.
"""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass, field
from pathlib import Path

from figtrace.errors import FigtraceError
from figtrace.model import Document
from figtrace.periods import iso_date

#: The columns a manifest is read for, and the other names they may go by.
COLUMNS = ("file", "url", "published", "outlet", "lang")
ALIASES = {"date": "published", "language": "lang"}
#: Largest manifest read (a crawl's list of a hundred thousand URLs fits well below).
MAX_BYTES = 64 * 1024 * 1024


class ManifestError(FigtraceError):
    """A manifest that cannot be read; the message names the file and the line."""


@dataclass(frozen=True, slots=True)
class Entry:
    """What the manifest says about one file or URL."""

    published: str | None
    outlet: str | None
    line: int
    url: str | None = None
    lang: str | None = None


@dataclass(frozen=True, slots=True)
class Manifest:
    """A manifest's entries by resolved path, by file name and by URL; small and picklable (it goes to workers)."""

    path: str
    by_path: dict[str, Entry] = field(default_factory=dict)
    by_name: dict[str, Entry] = field(default_factory=dict)
    by_url: dict[str, Entry] = field(default_factory=dict)

    def lookup(self, doc: Document) -> Entry | None:
        """The entry naming this document: its URL, the path it was read from, else its file name."""
        for key in (doc.url, doc.name):
            if key and key in self.by_url:
                return self.by_url[key]
        path = doc.meta.get("path")
        if isinstance(path, str) and path:
            entry = self.by_path.get(os.path.realpath(path))
            if entry is not None:
                return entry
        return self.by_name.get(doc.name)

    def __len__(self) -> int:
        return len({id(e) for e in (*self.by_path.values(), *self.by_url.values())})


def load_manifest(path: str | Path) -> Manifest:
    """Read a CSV or TSV manifest; :class:`ManifestError` names the file and line of the first problem."""
    p = Path(path)
    try:
        if p.stat().st_size > MAX_BYTES:
            raise ManifestError(f"{p}: manifest is over {MAX_BYTES // (1024 * 1024)} MB")
        text = p.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ManifestError(f"{p}: no such manifest") from None
    except (OSError, UnicodeDecodeError) as e:
        raise ManifestError(f"{p}: cannot read the manifest: {e}") from None
    lines = text.splitlines()
    if not lines:
        raise ManifestError(f"{p}: the manifest is empty (expected a header: file or url, published, outlet)")
    tab = p.suffix.lower() == ".tsv" or ("\t" in lines[0] and "," not in lines[0])
    reader = csv.DictReader(lines, delimiter="\t" if tab else ",")
    header = [(h or "").strip().lower() for h in reader.fieldnames or []]
    header = [ALIASES.get(h, h) if ALIASES.get(h, h) not in header else h for h in header]
    reader.fieldnames = header
    if "file" not in header and "url" not in header:
        raise ManifestError(f"{p}:1: the header names neither a 'file' nor a 'url' column "
                            f"(columns: {', '.join(h for h in header if h) or 'none'})")
    if "published" not in header and "outlet" not in header:
        raise ManifestError(f"{p}:1: the header names neither a 'published' nor an 'outlet' column")
    base = p.resolve().parent
    by_path: dict[str, Entry] = {}
    names: dict[str, list[Entry]] = {}
    by_url: dict[str, Entry] = {}
    for n, row in enumerate(reader, 2):
        get = {k: (row.get(k) or "").strip() for k in COLUMNS}
        if not get["file"] and not get["url"]:
            if any(get.values()):
                raise ManifestError(f"{p}:{n}: the row names neither a file nor a URL")
            continue
        published = None
        if get["published"]:
            published = iso_date(get["published"])
            if published is None:
                raise ManifestError(f"{p}:{n}: published {get['published']!r} is not a date like 2025, "
                                    f"2025-08 or 2025-08-14")
        entry = Entry(published, get["outlet"] or None, n, get["url"] or None, get["lang"].lower() or None)
        if get["url"]:
            by_url[get["url"]] = entry
        if get["file"]:
            by_path[os.path.realpath(base / get["file"])] = entry
            names.setdefault(Path(get["file"]).name, []).append(entry)
    # a bare file name stands for a file only where no other entry has that name
    by_name = {name: found[0] for name, found in names.items() if len(found) == 1}
    return Manifest(str(p), by_path, by_name, by_url)
