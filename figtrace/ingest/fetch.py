"""HTTP(S) fetching with the guards a tool fed arbitrary URLs needs.

Each guard is there for a reason a test shows: a timeout so a dead server does
not hang a batch; retries with backoff for the transient (connection refused,
429, 502-504); a cap on redirects and on the response size so a hostile server
cannot loop or flood us; only HTML and feeds are accepted; and by default no
loopback, private or link-local address is fetched (a URL list from elsewhere
must not reach the user's router or cloud metadata service). Every hop of a
redirect is checked again, and each request connects to the address that was
checked (the name is resolved once per hop), so DNS rebinding cannot slip a
local address in between the check and the connection.
"""

from __future__ import annotations

import contextlib
import ipaddress
import socket
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal
from urllib.parse import urljoin, urlsplit

from figtrace.ingest.errors import ReadError
from figtrace.version import __version__

if TYPE_CHECKING:  # imported where a URL is read: reading files never loads the HTTP client
    import httpx

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
    import httpx

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


#: Ranges refused on top of what the standard library calls not global: the
#: shared address space of carrier-grade NAT (RFC 6598; a provider's internal
#: network, not the internet) and the IPv6 transition ranges that carry an IPv4
#: address inside (6to4, Teredo, NAT64), through which a "global-looking" IPv6
#: address can reach a private IPv4 host.
_EXTRA_REFUSED: tuple[tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, str], ...] = (
    (ipaddress.ip_network("100.64.0.0/10"), "the shared address space of carrier-grade NAT"),
    (ipaddress.ip_network("2002::/16"), "a 6to4 address (it tunnels to an IPv4 host)"),
    (ipaddress.ip_network("2001::/32"), "a Teredo address (it tunnels to an IPv4 host)"),
    (ipaddress.ip_network("64:ff9b::/96"), "a NAT64 address (it tunnels to an IPv4 host)"),
    (ipaddress.ip_network("64:ff9b:1::/48"), "a NAT64 address (it tunnels to an IPv4 host)"),
)

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def refusal(addr: Address) -> str | None:
    """Why ``addr`` must not be fetched by default, or None for an ordinary internet address.

    Everything the standard library does not call global is refused (loopback,
    private, link-local, reserved, multicast, unspecified, documentation and
    benchmark ranges, …), then the ranges of ``_EXTRA_REFUSED``; an IPv4 address
    mapped into IPv6 is judged as the IPv4 address it is.
    """
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped:
        return refusal(addr.ipv4_mapped)
    for net, why in _EXTRA_REFUSED:
        if addr.version == net.version and addr in net:
            return why
    for prop, why in (("is_loopback", "a loopback address"), ("is_link_local", "a link-local address"),
                      ("is_multicast", "a multicast address"), ("is_unspecified", "the unspecified address"),
                      ("is_private", "a private address"), ("is_reserved", "a reserved address")):
        if getattr(addr, prop):
            return why
    if getattr(addr, "is_site_local", False):
        return "a site-local address"
    if not addr.is_global:
        return "a special-purpose address (not on the public internet)"
    return None


def check_address(url: str, allow_private: bool) -> Address:
    """The address to connect to for ``url``: resolved once, checked, then used as is.

    Refuses other schemes and, unless ``allow_private``, a host any of whose
    addresses is not on the public internet (:func:`refusal`). The caller
    connects to the returned address itself, so a DNS answer that changes
    between this check and the connection (DNS rebinding) cannot redirect it.
    """
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise ReadError(f"refusing {parts.scheme or 'relative'} URL: only http and https are fetched")
    host = parts.hostname
    if not host:
        raise ReadError("URL has no host")
    try:
        port = parts.port
    except ValueError:
        raise ReadError("URL has an invalid port") from None
    try:
        infos = socket.getaddrinfo(host, port or (443 if parts.scheme == "https" else 80),
                                   type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as e:
        reason = e.strerror if isinstance(e, socket.gaierror) else "not a valid host name"
        raise ReadError(f"cannot resolve host {host!r}: offline or no such host ({reason})") from None
    addrs = [ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos]
    if not addrs:
        raise ReadError(f"cannot resolve host {host!r}: no address")
    if not allow_private:
        for addr in addrs:
            why = refusal(addr)
            if why:
                raise ReadError(
                    f"refusing to fetch {host} ({addr}): {why}, not a public internet address "
                    f"(allow loopback, private and local addresses with --allow-private)"
                )
    return addrs[0]


def pinned_request(client: httpx.Client, url: str, addr: Address) -> httpx.Request:
    """A GET of ``url`` sent to ``addr``: the URL's host stays in the Host header and in TLS.

    The connection goes to the very address :func:`check_address` checked; the
    server still sees the name (``Host``), and HTTPS still verifies the
    certificate against the name (``sni_hostname``).
    """
    import httpx

    logical = httpx.URL(url)
    host = logical.host
    target = logical.copy_with(host=str(addr))
    port = logical.port
    default = 443 if logical.scheme == "https" else 80
    shown = f"[{host}]" if ":" in host else host
    host_header = shown if port in (None, default) else f"{shown}:{port}"
    extensions = {"sni_hostname": host} if logical.scheme == "https" else {}
    return client.build_request("GET", target, headers={"Host": host_header}, extensions=extensions)


def _fetch_once(url: str, policy: FetchPolicy, client: httpx.Client) -> Fetched:
    import httpx

    current = url
    for _hop in range(policy.max_redirects + 1):
        addr = check_address(current, policy.allow_private)
        started = time.monotonic()
        try:
            r = client.send(pinned_request(client, current, addr), stream=True)
            with contextlib.closing(r):
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
                return Fetched(current, kind, bytes(body), r.charset_encoding)
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
