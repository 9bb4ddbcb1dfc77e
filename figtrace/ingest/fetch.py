"""HTTP(S) fetching with the guards a tool fed arbitrary URLs needs.

Each guard is there for a reason a test shows: a timeout so a dead server does
not hang a batch; retries with backoff for the transient (connection refused,
429, 502-504); a cap on redirects and on the response size so a hostile server
cannot loop or flood us; only HTML and feeds are accepted; and by default no
loopback, private or link-local address is fetched (a URL list from elsewhere
must not reach the user's router or cloud metadata service). Every hop of a
redirect is checked again.
"""

from __future__ import annotations

import ipaddress
import socket
import time
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urljoin, urlsplit

import httpx

from figtrace import __version__
from figtrace.ingest.errors import ReadError

ContentKind = Literal["html", "feed"]

_HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
_FEED_TYPES = frozenset(
    {
        "application/rss+xml",
        "application/atom+xml",
        "application/rdf+xml",
        "application/xml",
        "text/xml",
        "application/x-rss+xml",
    }
)
_RETRY_STATUS = frozenset({429, 502, 503, 504})


@dataclass(frozen=True, slots=True)
class FetchPolicy:
    timeout: float = 20.0  # seconds per connect/read and for the whole body
    retries: int = 2  # extra attempts after a transient failure
    backoff: float = 0.5  # first pause; doubles each retry
    max_redirects: int = 5
    max_bytes: int = 10 * 1024 * 1024  # response body cap
    allow_private: bool = False


@dataclass(frozen=True, slots=True)
class Fetched:
    url: str  # after redirects
    kind: ContentKind
    body: bytes
    charset: str | None


class _Transient(ReadError):
    """Worth another try."""


def make_client(policy: FetchPolicy) -> httpx.Client:
    return httpx.Client(
        follow_redirects=False,
        timeout=httpx.Timeout(policy.timeout),
        headers={
            "User-Agent": f"figtrace/{__version__}",
            "Accept": "text/html, application/xhtml+xml, "
            "application/rss+xml, application/atom+xml, application/xml;q=0.9",
        },
        trust_env=False,
    )


def fetch(url: str, policy: FetchPolicy, client: httpx.Client) -> Fetched:
    """The page or feed at ``url``, or :class:`ReadError` with one clear reason."""
    attempt = 0
    while True:
        try:
            return _fetch_once(url, policy, client)
        except _Transient as e:
            if attempt >= policy.retries:
                raise ReadError(f"{e} (gave up after {attempt + 1} attempts)") from None
            time.sleep(policy.backoff * (2**attempt))
            attempt += 1


def check_address(url: str, allow_private: bool) -> None:
    """Refuse other schemes and, unless allowed, hosts that resolve to local networks."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise ReadError(f"refusing {parts.scheme or 'relative'} URL: only http and https are fetched")
    host = parts.hostname
    if not host:
        raise ReadError("URL has no host")
    try:
        infos = socket.getaddrinfo(
            host, parts.port or (443 if parts.scheme == "https" else 80), type=socket.SOCK_STREAM
        )
    except socket.gaierror as e:
        raise ReadError(f"cannot resolve host {host!r}: offline or no such host ({e.strerror})") from None
    if allow_private:
        return
    for info in infos:
        addr = ipaddress.ip_address(info[4][0].split("%", 1)[0])
        if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped:
            addr = addr.ipv4_mapped
        if (
            addr.is_private
            or addr.is_loopback
            or addr.is_link_local
            or addr.is_reserved
            or addr.is_multicast
            or addr.is_unspecified
        ):
            raise ReadError(
                f"refusing to fetch {host} ({addr}): a loopback, private or link-local "
                f"address (allow it with --allow-private)"
            )


def _fetch_once(url: str, policy: FetchPolicy, client: httpx.Client) -> Fetched:
    current = url
    for _hop in range(policy.max_redirects + 1):
        check_address(current, policy.allow_private)
        started = time.monotonic()
        try:
            with client.stream("GET", current) as r:
                if r.is_redirect:
                    current = urljoin(current, r.headers["location"])
                    continue
                if 300 <= r.status_code < 400:
                    raise ReadError(f"HTTP {r.status_code} without a usable redirect")
                if r.status_code in _RETRY_STATUS:
                    raise _Transient(f"HTTP {r.status_code} {r.reason_phrase}")
                if r.status_code >= 400:
                    raise ReadError(f"HTTP {r.status_code} {r.reason_phrase}")
                ctype = r.headers.get("content-type", "").split(";", 1)[0].strip().lower()
                if ctype in _HTML_TYPES:
                    kind: ContentKind = "html"
                elif ctype in _FEED_TYPES:
                    kind = "feed"
                else:
                    raise ReadError(f"refusing content type {ctype or '(none)'!r}: not an HTML page or a feed")
                declared = r.headers.get("content-length")
                if declared and declared.isdigit() and int(declared) > policy.max_bytes:
                    raise ReadError(f"response of {int(declared)} bytes is over the {policy.max_bytes}-byte limit")
                body = bytearray()
                for chunk in r.iter_bytes():
                    body += chunk
                    if len(body) > policy.max_bytes:
                        raise ReadError(f"response is over the {policy.max_bytes}-byte limit")
                    if time.monotonic() - started > policy.timeout:
                        raise ReadError(f"timed out after {policy.timeout:g} s (body too slow)")
                return Fetched(str(r.url), kind, bytes(body), r.charset_encoding)
        except httpx.TimeoutException as e:
            if isinstance(e, httpx.ConnectTimeout):
                raise _Transient(f"timed out connecting after {policy.timeout:g} s") from None
            raise ReadError(f"timed out after {policy.timeout:g} s") from None
        except httpx.TransportError as e:
            raise _Transient(f"cannot reach {urlsplit(current).hostname}: {_reason(e)} (offline?)") from None
    raise ReadError(f"more than {policy.max_redirects} redirects")


def _reason(e: Exception) -> str:
    text = str(e).strip() or type(e).__name__
    return text.splitlines()[0][:120]
