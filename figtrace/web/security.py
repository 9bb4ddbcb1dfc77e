"""The dashboard's guards, as ASGI middleware so no route can forget them.

- every response carries a strict Content-Security-Policy (scripts only from
  our own static files, never inline; no framing) and the usual hardening
  headers;
- only GET and HEAD reach the app: the dashboard reads, it never writes;
  the one exception, when the server was started with ``--allow-review``,
  is ``POST /claim/{id}/review`` (see :mod:`figtrace.web.review`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

#: Inline styles stay allowed because the SVG charts carry style attributes;
#: inline *scripts* never are.
CSP = "; ".join((
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
))

SECURITY_HEADERS: dict[str, str] = {
    "content-security-policy": CSP,
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin",
    "cross-origin-resource-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=(), payment=()",
}

READ_METHODS = frozenset({"GET", "HEAD"})


class SecurityHeaders:
    """Adds ``SECURITY_HEADERS`` to every HTTP response, errors included."""

    def __init__(self, app: ASGIApp, headers: dict[str, str] | None = None):
        self.app = app
        self.headers = [(k.encode(), v.encode()) for k, v in (headers or SECURITY_HEADERS).items()]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                names = {k for k, _ in self.headers}
                kept = [(k, v) for k, v in message.get("headers", []) if k.lower() not in names]
                message = {**message, "headers": kept + self.headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


class ReadOnly:
    """Answers 405 to any method but GET and HEAD before a route sees it (but a POST to ``writable``)."""

    def __init__(self, app: ASGIApp, methods: Iterable[str] = READ_METHODS, writable: re.Pattern[str] | None = None):
        self.app = app
        self.methods = frozenset(methods)
        self.writable = writable

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        allowed = (self.writable is not None and scope.get("method") == "POST"
                   and self.writable.fullmatch(scope.get("path", "")) is not None)
        if scope["type"] == "http" and scope["method"] not in self.methods and not allowed:
            body = b"figtrace serve is read-only: only GET and HEAD are allowed\n"
            await send({"type": "http.response.start", "status": 405, "headers": [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
                (b"allow", ", ".join(sorted(self.methods)).encode()),
            ]})
            await send({"type": "http.response.body", "body": body})
            return
        await self.app(scope, receive, send)
