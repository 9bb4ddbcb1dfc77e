"""Where figtrace keeps what is slow to build and never changes for the same input.

Loading the language identifier's model (a 4.5 MB xz archive that unpacks to
some 40 MB) is most of a cold ``figtrace extract one.txt``; the part of it
figtrace uses, stored unpacked, loads in a few milliseconds. A cached file is
named by a hash of everything it was built from, so a changed input is
rebuilt, never served stale, and is written atomically (a temporary file
renamed into place), so two processes starting at once never read half a file.

The folder is ``$FIGTRACE_CACHE_DIR``, else ``$XDG_CACHE_HOME/figtrace``, else
``~/.cache/figtrace``; ``FIGTRACE_CACHE_DIR=off`` turns caching off. A folder
that cannot be written only costs speed: the slow path is taken every time.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

#: The environment variable naming the cache folder (``off`` disables the cache).
CACHE_VARIABLE = "FIGTRACE_CACHE_DIR"


def cache_dir() -> Path | None:
    """The cache folder, or None when caching is off."""
    named = os.environ.get(CACHE_VARIABLE, "").strip()
    if named.lower() == "off":
        return None
    if named:
        return Path(named)
    base = os.environ.get("XDG_CACHE_HOME", "").strip()
    return (Path(base) if base else Path.home() / ".cache") / "figtrace"


def cached_file(name: str, build: Callable[[Path], None]) -> Path | None:
    """``name`` in the cache folder, built by ``build(path)`` when absent; None if it cannot be kept.

    ``build`` writes a temporary path that is renamed to ``name`` once complete.
    """
    folder = cache_dir()
    if folder is None:
        return None
    path = folder / name
    if path.is_file():
        return path
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{name}.", dir=folder)
        os.close(fd)
        try:
            build(Path(tmp))
            os.replace(tmp, path)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
    except OSError:
        return None
    return path


def prune(prefix: str, keep: set[str]) -> None:
    """Delete the cache folder's files named ``prefix…`` other than ``keep``: what older versions or
    other inputs left (called when a file is rebuilt, so a changed model never leaves its old copy)."""
    folder = cache_dir()
    if folder is None or not folder.is_dir():
        return
    for path in folder.glob(f"{prefix}*"):
        if path.name not in keep and path.is_file():
            with contextlib.suppress(OSError):  # another process may be using or removing it
                path.unlink()
