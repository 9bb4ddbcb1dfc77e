"""The dashboard's static files, served from memory by name.

Two small files (a style sheet and a script) are read once when the app is
made. Serving them from memory keeps them off the handler threads: with
Starlette's ``StaticFiles`` every file request waited for a thread to look
at the disk, behind whatever the page handlers were doing (a style sheet
took a second under load). The names are a fixed table, so nothing from the
URL reaches the file system.
"""

from __future__ import annotations

import hashlib
import mimetypes
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response


@dataclass(frozen=True, slots=True)
class StaticFile:
    body: bytes
    media_type: str
    etag: str


def load(folder: Path) -> dict[str, StaticFile]:
    """Every regular file directly in ``folder`` by name (no subfolders, no links)."""
    out = {}
    for p in sorted(folder.iterdir()):
        if p.is_file() and not p.is_symlink():
            body = p.read_bytes()
            media = mimetypes.guess_type(p.name)[0] or "application/octet-stream"
            if media.startswith("text/") or media.endswith("javascript"):
                media += "; charset=utf-8"
            out[p.name] = StaticFile(body, media, '"' + hashlib.sha256(body).hexdigest()[:16] + '"')
    return out


def handler(files: dict[str, StaticFile]) -> Callable[[Request], Awaitable[Response]]:
    """An async endpoint for ``/static/{name}`` over ``files`` (304 when the browser has it)."""

    async def static(request: Request) -> Response:
        f = files.get(request.path_params["name"])
        if f is None:
            return PlainTextResponse("Not Found", status_code=404)
        headers = {"etag": f.etag, "cache-control": "public, max-age=300"}
        if request.headers.get("if-none-match") == f.etag:
            return Response(status_code=304, headers=headers)
        return Response(f.body, media_type=f.media_type, headers=headers)

    return static
