"""URLs and feeds, served from a local server on 127.0.0.1 that the tests start."""

from __future__ import annotations

import contextlib
import ipaddress
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import httpx
import pytest

from figtrace.errors import InputError
from figtrace.ingest import FetchPolicy, ReadError, iter_documents
from figtrace.ingest.fetch import check_address
from figtrace.model import Document
from figtrace.pipeline import prepare

FIX = Path(__file__).parent / "fixtures" / "ingest"
ARTICLE = (FIX / "article_de.html").read_bytes()
EN_PAGE = (
    b"<html><head><title>Troops moved to the border</title></head><body><article>"
    b"<h1>Troops moved to the border</h1><p>About 2,000 troops were moved to the border region, "
    b"the defence ministry said on Tuesday. Officials gave no details about their equipment.</p>"
    b"<p>Local authorities said roads near the border would stay closed for several days.</p>"
    b"</article></body></html>"
)
#: The slow answers below last until the test ends (set by the server fixture), capped at this many
#: seconds: a client that returns at all was cut by its own timeout, however loaded the machine.
SLOW_CAP_S = 60.0
#: Seconds between two bytes of a dripping body: far below any read timeout, even on a loaded machine.
DRIP_EVERY_S = 0.05
#: The client's timeout in the slow tests: many drips long, and a small part of SLOW_CAP_S.
SLOW_TIMEOUT_S = 2.0
_released = threading.Event()


def _feed(base: str) -> bytes:
    items = "".join(
        f"<item><title>{t}</title><link>{base}{path}</link><pubDate>Thu, 13 Feb 2025 08:30:00 GMT</pubDate>"
        f"<guid>{path}</guid></item>"
        for t, path in (("Nordkorea", "/article.html"), ("Border", "/en.html"), ("Gone", "/missing.html"))
    )
    return (
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Beispiel</title>'
        f"<link>{base}/</link><description>Test</description>{items}</channel></rss>"
    ).encode()


class _Handler(BaseHTTPRequestHandler):
    hits: ClassVar[dict[str, int]] = {}

    def log_message(self, *args):  # keep test output quiet
        pass

    def _send(self, code: int, ctype: str, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        if "Content-Length" not in (headers or {}):
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # the client gave up (timeouts)
            self.wfile.write(body)

    def do_GET(self):
        path = self.path
        _Handler.hits[path] = _Handler.hits.get(path, 0) + 1
        base = f"http://127.0.0.1:{self.server.server_address[1]}"
        if path == "/article.html":
            self._send(200, "text/html; charset=utf-8", ARTICLE)
        elif path == "/en.html":
            self._send(200, "text/html", EN_PAGE)
        elif path == "/feed.xml":
            self._send(200, "application/rss+xml", _feed(base))
        elif path == "/broken.xml":
            self._send(200, "application/rss+xml", b"<rss><channel><item><title>x</ti")
        elif path == "/slow.xml":
            _released.wait(SLOW_CAP_S)  # answers only after the client has given up
            self._send(200, "application/rss+xml", _feed(base))
        elif path == "/loop":
            self._send(302, "text/html", b"", {"Location": "/loop"})
        elif path == "/redirect":
            self._send(301, "text/html", b"", {"Location": "/article.html"})
        elif path == "/to-file":
            self._send(302, "text/html", b"", {"Location": "file:///etc/passwd"})
        elif path == "/declared-big":
            self._send(200, "text/html", b"<html></html>", {"Content-Length": str(200 * 1024 * 1024)})
        elif path == "/streamed-big":
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            chunk = b"<p>" + b"x" * 65536 + b"</p>"
            try:
                for _ in range(64):
                    self.wfile.write(chunk)
            except (BrokenPipeError, ConnectionResetError):
                pass
            self.close_connection = True
        elif path == "/drip.html":
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                deadline = time.monotonic() + SLOW_CAP_S
                # each byte well within the read timeout, the whole body never: it runs until the client hangs up
                while time.monotonic() < deadline and not _released.is_set():
                    self.wfile.write(b" ")
                    self.wfile.flush()
                    _released.wait(DRIP_EVERY_S)
            self.close_connection = True
        elif path == "/doc.pdf":
            self._send(200, "application/pdf", b"%PDF-1.4")
        elif path == "/flaky":
            if _Handler.hits[path] % 2 == 1:
                self._send(503, "text/plain", b"busy")
            else:
                self._send(200, "text/html", EN_PAGE)
        elif path == "/empty.html":
            self._send(200, "text/html", b"<html><body><nav><a href='/'>Start</a></nav></body></html>")
        else:
            self._send(404, "text/html", b"<html>not found</html>")


@pytest.fixture(scope="module")
def server():
    _released.clear()
    srv = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    srv.daemon_threads = True
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{srv.server_address[1]}"
    _released.set()  # the slow answers end now
    srv.shutdown()
    srv.server_close()


def _policy(**kw) -> FetchPolicy:
    base = {"timeout": 5.0, "retries": 0, "backoff": 0.01, "allow_private": True}
    base.update(kw)
    return FetchPolicy(**base)


def _all(urls, **kw):
    """What the readers yield, after the pipeline's metadata and cleaning stages."""
    return [d if isinstance(d, InputError) else prepare(d) for d in iter_documents(urls, fetch_policy=_policy(**kw))]


def test_page_by_url(server):
    [doc] = _all([f"{server}/article.html"])
    assert isinstance(doc, Document)
    assert doc.name == f"{server}/article.html" and doc.url == f"{server}/article.html"
    assert doc.title == "Nordkorea schickt weitere Soldaten" and doc.published == "2025-02-13"
    assert doc.outlet == "127.0.0.1" and doc.lang == "de"


def test_private_addresses_are_refused_by_default(server):
    before = _Handler.hits.get("/en.html", 0)
    [err] = list(iter_documents([f"{server}/en.html"]))
    assert isinstance(err, InputError) and err.input == f"{server}/en.html"
    assert "refusing to fetch 127.0.0.1" in err.message and "--allow-private" in err.message
    assert _Handler.hits.get("/en.html", 0) == before  # nothing was sent
    [doc] = list(iter_documents([f"{server}/en.html"], allow_private=True))
    assert isinstance(doc, Document) and prepare(doc).lang == "en"


@pytest.mark.parametrize(
    "url",
    [
        "http://10.1.2.3/",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/",
        "http://192.168.0.1/",
        "http://0.0.0.0/",
    ],
)
def test_local_networks_are_refused(url):
    with pytest.raises(ReadError, match="refusing to fetch"):
        check_address(url, allow_private=False)
    check_address(url, allow_private=True)


def test_feed_entries_are_fetched(server):
    out = _all([f"{server}/feed.xml"])
    docs = [o for o in out if isinstance(o, Document)]
    errs = [o for o in out if isinstance(o, InputError)]
    assert [d.name for d in docs] == [f"{server}/article.html", f"{server}/en.html"]
    assert docs[0].published == "2025-02-13" and docs[0].meta["published_source"] == "html"
    assert docs[1].published == "2025-02-13" and docs[1].meta["published_source"] == "feed"
    assert docs[1].title == "Troops moved to the border"
    assert [e.input for e in errs] == [f"{server}/missing.html"] and "HTTP 404" in errs[0].message


def test_feed_file_with_local_links(server, tmp_path):
    p = tmp_path / "news.rss"
    p.write_bytes(_feed(server))
    out = list(iter_documents([str(p)], allow_private=True))
    assert [type(o).__name__ for o in out] == ["Document", "Document", "InputError"]


def test_broken_feed(server):
    [err] = _all([f"{server}/broken.xml"])
    assert isinstance(err, InputError) and "feed" in err.message


def test_feed_that_times_out(server):
    t0 = time.monotonic()
    out = _all([f"{server}/slow.xml", f"{server}/en.html"], timeout=SLOW_TIMEOUT_S)
    assert time.monotonic() - t0 < SLOW_CAP_S / 2  # the server answers only after the client gave up
    assert isinstance(out[0], InputError) and f"timed out after {SLOW_TIMEOUT_S:g} s" in out[0].message
    assert isinstance(out[1], Document)  # the batch goes on


def test_a_dripping_body_is_cut_at_the_timeout(server):
    t0 = time.monotonic()
    [err] = _all([f"{server}/drip.html"], timeout=SLOW_TIMEOUT_S)
    assert time.monotonic() - t0 < SLOW_CAP_S / 2  # the drip goes on until the client hangs up
    assert isinstance(err, InputError) and "body too slow" in err.message


def test_unreachable_url_is_retried_then_reported(server):
    import socket

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens there now
    [err] = _all([f"http://127.0.0.1:{port}/x.html"], retries=2)
    assert isinstance(err, InputError)
    assert "cannot reach 127.0.0.1" in err.message and "offline?" in err.message
    assert "after 3 attempts" in err.message


def test_unknown_host_says_offline_or_no_such_host():
    [err] = list(iter_documents(["http://no-such-host.invalid/a.html"]))
    assert isinstance(err, InputError) and "cannot resolve host 'no-such-host.invalid'" in err.message


def test_retry_with_backoff(server):
    _Handler.hits["/flaky"] = 0
    [err] = _all([f"{server}/flaky"], retries=0)
    assert isinstance(err, InputError) and "HTTP 503" in err.message
    _Handler.hits["/flaky"] = 0
    [doc] = _all([f"{server}/flaky"], retries=1)
    assert isinstance(doc, Document) and _Handler.hits["/flaky"] == 2


def test_redirects(server):
    [doc] = _all([f"{server}/redirect"])
    assert isinstance(doc, Document) and doc.url == f"{server}/article.html" and doc.name == f"{server}/redirect"
    [err] = _all([f"{server}/loop"], max_redirects=3)
    assert isinstance(err, InputError) and "more than 3 redirects" in err.message
    [err] = _all([f"{server}/to-file"])
    assert isinstance(err, InputError) and "refusing file URL" in err.message


def test_response_size_is_capped(server):
    [err] = _all([f"{server}/declared-big"])
    assert isinstance(err, InputError) and "over the 10485760-byte limit" in err.message
    [err] = _all([f"{server}/streamed-big"], max_bytes=1024 * 1024)
    assert isinstance(err, InputError) and "over the 1048576-byte limit" in err.message


def test_other_content_types_are_refused(server):
    [err] = _all([f"{server}/doc.pdf"])
    assert isinstance(err, InputError) and "refusing content type 'application/pdf'" in err.message


def test_page_without_body(server):
    [err] = _all([f"{server}/empty.html"])
    assert isinstance(err, InputError) and "no article text" in err.message


def test_client_is_closed_after_the_batch(server, monkeypatch):
    closed = []
    real = httpx.Client.close

    def spy(self):
        closed.append(True)
        real(self)

    monkeypatch.setattr(httpx.Client, "close", spy)
    gen = iter_documents([f"{server}/en.html", f"{server}/en.html"], allow_private=True)
    next(gen)
    gen.close()  # a consumer that stops early
    assert closed == [True]


# -- special-purpose ranges and pinned connections ---------------------------------------

@pytest.mark.parametrize(
    "address",
    [
        "100.64.0.1",  # shared address space (carrier-grade NAT)
        "100.127.255.254",
        "198.18.0.1",  # benchmarking
        "192.0.2.10",  # documentation
        "240.0.0.1",  # reserved
        "224.0.0.1",  # multicast
        "2002:7f00:1::1",  # 6to4 wrapping 127.0.0.1
        "2002:0808:0808::1",  # 6to4, even around a public IPv4 address
        "2001:0:4136:e378:8000:63bf:3fff:fdd2",  # Teredo
        "64:ff9b::7f00:1",  # NAT64 of 127.0.0.1
        "::ffff:127.0.0.1",  # IPv4-mapped loopback
        "::ffff:10.0.0.1",
        "fc00::1",  # unique local
        "fe80::1",  # link-local
        "fec0::1",  # site-local
        "2001:db8::1",  # documentation
        "::",
    ],
)
def test_special_purpose_addresses_are_refused(address, monkeypatch):
    _resolve_to(monkeypatch, {"news.test": [address]})
    with pytest.raises(ReadError, match=r"refusing to fetch news\.test") as e:
        check_address("http://news.test/article", allow_private=False)
    assert f"({ipaddress.ip_address(address)})" in str(e.value)
    assert check_address("http://news.test/article", allow_private=True) is not None


@pytest.mark.parametrize("address", ["93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c", "8.8.8.8"])
def test_public_addresses_pass(address, monkeypatch):
    _resolve_to(monkeypatch, {"news.test": [address]})
    assert str(check_address("https://news.test/a", allow_private=False)) == address


def test_one_local_address_among_public_ones_refuses_the_host(monkeypatch):
    _resolve_to(monkeypatch, {"news.test": ["93.184.215.14", "10.0.0.7"]})
    with pytest.raises(ReadError, match=r"10\.0\.0\.7"):
        check_address("http://news.test/", allow_private=False)


def _resolve_to(monkeypatch, table, calls=None):
    """A resolver stub for the whole process: ``table`` maps a name to its addresses (or a function of
    the number of look-ups so far); address literals resolve as usual, other names fail. ``calls``
    records every name looked up, by anyone (the fetcher or the HTTP client)."""
    import socket

    real = socket.getaddrinfo

    def fake(host, port, *args, **kwargs):
        try:
            ipaddress.ip_address(host)
            return real(host, port, *args, **kwargs)
        except ValueError:
            pass
        if calls is not None:
            calls.append(host)
        answer = table.get(host)
        if answer is None:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        if callable(answer):
            answer = answer(len(calls or ()))
        out = []
        for a in answer:
            family = socket.AF_INET6 if ":" in a else socket.AF_INET
            sockaddr = (a, port, 0, 0) if family == socket.AF_INET6 else (a, port)
            out.append((family, socket.SOCK_STREAM, 6, "", sockaddr))
        return out

    monkeypatch.setattr(socket, "getaddrinfo", fake)


def test_the_connection_goes_to_the_checked_address_with_the_name_as_host(server, monkeypatch):
    """The name is resolved once; the request carries the name but goes to that address."""
    seen = {}

    class Recorder(_Handler):
        def do_GET(self):
            seen["host"] = self.headers["Host"]
            super().do_GET()

    srv = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    port = srv.server_address[1]
    calls: list[str] = []
    _resolve_to(monkeypatch, {"news.test": ["127.0.0.1"]}, calls)
    try:
        [doc] = _all([f"http://news.test:{port}/en.html"])
    finally:
        srv.shutdown()
        srv.server_close()
    assert isinstance(doc, Document), doc
    assert seen["host"] == f"news.test:{port}"
    assert doc.url == f"http://news.test:{port}/en.html"  # the name, not the address
    assert calls == ["news.test"]  # resolved once, never again by the HTTP client


def test_dns_rebinding_cannot_reach_a_local_server(server, monkeypatch):
    """The first answer is public (checked, passes), every later one is 127.0.0.1: nothing reaches it."""
    port = int(server.rsplit(":", 1)[1])
    before = _Handler.hits.get("/en.html", 0)
    calls: list[str] = []
    _resolve_to(monkeypatch, {"rebind.test": lambda n: ["192.88.99.200"] if n <= 1 else ["127.0.0.1"]}, calls)
    import importlib

    fetch_module = importlib.import_module("figtrace.ingest.fetch")
    monkeypatch.setattr(fetch_module, "refusal", lambda addr: None if str(addr) == "192.88.99.200"
                        else "a local address")
    [err] = list(iter_documents([f"http://rebind.test:{port}/en.html"],
                                fetch_policy=_policy(allow_private=False, timeout=1.0)))
    assert isinstance(err, InputError)
    assert "rebind.test" in err.message or "timed out" in err.message
    assert _Handler.hits.get("/en.html", 0) == before  # the local server never saw the request
    assert calls == ["rebind.test"]


def test_https_requests_keep_the_name_for_certificate_checks():
    from figtrace.ingest.fetch import pinned_request

    with httpx.Client() as client:
        req = pinned_request(client, "https://news.test/a?b=1", check_addr := ipaddress.ip_address("93.184.215.14"))
        assert str(req.url) == f"https://{check_addr}/a?b=1"
        assert req.headers["Host"] == "news.test"
        assert req.extensions["sni_hostname"] == "news.test"
        v6 = pinned_request(client, "http://news.test:8080/", ipaddress.ip_address("2001:db8::5"))
        assert v6.url.host == "2001:db8::5" and v6.url.port == 8080
        assert v6.headers["Host"] == "news.test:8080" and "sni_hostname" not in v6.extensions
