"""Readers for files, folders, stdin, JSON Lines and WARC; encodings; bad input."""

from __future__ import annotations

import io
import os
import random
import sys
import tracemalloc
from pathlib import Path

import pytest

from figtrace.errors import InputError
from figtrace.ingest import iter_documents
from figtrace.meta import detect_language
from figtrace.model import Document
from figtrace.pipeline import Options, prepare

FIX = Path(__file__).parent / "fixtures" / "ingest"
_RNG = random.Random(7)
GERMAN = (
    "Die Größe der Übung überraschte die Beobachter: Rund 3.000 Soldaten zogen über die Brücke, "
    "hieß es am Donnerstag aus Kiew. Außerdem seien weitere Einheiten in Bereitschaft.\n"
)


def _all(inputs, lang=None, published=None, **kw) -> list[Document | InputError]:
    """What the readers yield, after the pipeline's metadata and cleaning stages."""
    options = Options(lang=lang, published=published)
    return [d if isinstance(d, InputError) else prepare(d, options)
            for d in iter_documents([str(i) for i in inputs], **kw)]


def _one(path, **kw) -> Document | InputError:
    out = _all([path], **kw)
    assert len(out) == 1, out
    return out[0]


# -- text files and encodings -------------------------------------------------


def test_text_file_is_cleaned_and_enriched():
    doc = _one(FIX / "scraped_de.txt")
    assert isinstance(doc, Document)
    assert doc.name == "scraped_de.txt"
    assert doc.text == (FIX / "scraped_de.txt").read_text(encoding="utf-8")  # never rewritten
    assert doc.id and len(doc.id) == 16
    assert doc.lang == "de" and doc.published == "2025-03-14" and doc.outlet == "beispielzeitung.de"
    assert doc.title == "Ukraine meldet 40 zerstörte Panzer bei Pokrowsk"
    assert {s.kind for s in doc.segments} == {"title", "body", "furniture"}
    assert doc.segments[-1].end == len(doc.text)


def test_user_overrides(tmp_path):
    doc = _one(FIX / "scraped_de.txt", lang="en", published="2024-12-31")
    assert (doc.lang, doc.published, doc.published_inferred) == ("en", "2024-12-31", False)
    assert doc.meta["published_source"] == "user" and doc.meta["lang_source"] == "user"


@pytest.mark.parametrize(
    ("encoding", "prefix", "label"),
    [
        ("utf-8", b"", "utf-8"),
        ("utf-8", b"\xef\xbb\xbf", "utf-8-sig"),
        ("utf-16", b"", "utf-16"),  # Python writes a BOM
        ("utf-16-be", b"\xfe\xff", "utf-16"),
        ("utf-16-le", b"", "utf-16-le"),  # no BOM: found by the NUL pattern
        ("latin-1", b"", "cp1252"),
    ],
)
def test_encodings(tmp_path, encoding, prefix, label):
    p = tmp_path / "a.txt"
    p.write_bytes(prefix + GERMAN.encode(encoding))
    doc = _one(p)
    assert isinstance(doc, Document), doc
    assert doc.text == GERMAN
    assert doc.meta["encoding"] == label


def test_windows_1252_is_preferred_over_central_european_guesses(tmp_path):
    text = (
        "„Wir bleiben“, sagte der Sprecher – à la fois ruhig und bestimmt; in São Paulo und "
        "La Coruña gab es Proteste, die Kosten lagen bei 5 € pro Kopf.\n"
    )
    p = tmp_path / "win.txt"
    p.write_bytes(text.encode("cp1252"))
    doc = _one(p)
    assert isinstance(doc, Document) and doc.text == text and doc.meta["encoding"] == "cp1252"


def test_mojibake_is_repaired(tmp_path):
    p = tmp_path / "moji.txt"
    p.write_text(GERMAN.encode("utf-8").decode("cp1252"), encoding="utf-8")
    doc = _one(p)
    assert isinstance(doc, Document) and doc.text == GERMAN and doc.meta["repaired"] == "mojibake"


def test_clean_text_is_not_touched(tmp_path):
    text = "Das Café „À la carte“ – 5 € für ½ Portion; naïve Grüße.\n"
    p = tmp_path / "ok.txt"
    p.write_text(text, encoding="utf-8")
    doc = _one(p)
    assert isinstance(doc, Document) and doc.text == text and "repaired" not in doc.meta


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty input"),
        (b"  \n\t\n", "empty input"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "binary file"),
        (bytes(_RNG.randrange(0x80, 0x100) for _ in range(3000)), "unknown text encoding"),
    ],
)
def test_bad_files_give_one_clear_error(tmp_path, data, message):
    p = tmp_path / "bad.txt"
    p.write_bytes(data)
    err = _one(p)
    assert isinstance(err, InputError) and err.input == str(p) and message in err.message


def test_batch_goes_on_after_errors(tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"\x00\x01\x02")
    out = _all([tmp_path / "missing.txt", bad, FIX / "scraped_en.txt"])
    assert [type(o).__name__ for o in out] == ["InputError", "InputError", "Document"]
    assert out[0].message == "no such file or folder"


def test_huge_file_is_refused_without_reading_it(tmp_path):
    p = tmp_path / "huge.txt"
    with p.open("wb") as f:  # sparse: 200 MB on paper, nothing on disk
        f.truncate(200 * 1024 * 1024)
    tracemalloc.start()
    try:
        err = _one(p)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert isinstance(err, InputError) and "200 MB, over the 50 MB limit" in err.message
    assert peak < 5 * 1024 * 1024


def test_size_cap_is_a_parameter(tmp_path):
    p = tmp_path / "a.txt"
    p.write_text(GERMAN, encoding="utf-8")
    assert isinstance(_one(p, max_bytes=50), InputError)
    assert isinstance(_one(p, max_bytes=10_000), Document)


# -- folders and stdin ------------------------------------------------------------


def test_folders_are_walked_recursively_in_order(tmp_path):
    (tmp_path / "b").mkdir()
    (tmp_path / ".git").mkdir()
    (tmp_path / "a.txt").write_text(GERMAN, encoding="utf-8")
    (tmp_path / "b" / "c.md").write_text(GERMAN.replace("3.000", "4.000"), encoding="utf-8")
    (tmp_path / "b" / "page.html").write_bytes((FIX / "article_de.html").read_bytes())
    (tmp_path / "b" / "photo.png").write_bytes(b"\x89PNG\x00\x00")
    (tmp_path / ".hidden.txt").write_text(GERMAN, encoding="utf-8")
    (tmp_path / ".git" / "x.txt").write_text(GERMAN, encoding="utf-8")
    out = _all([tmp_path])
    assert [d.name for d in out if isinstance(d, Document)] == ["a.txt", "c.md", "page.html"]
    skipped = [d for d in out if isinstance(d, InputError)]  # said, not silently passed over
    assert [(Path(e.input).name, e.kind) for e in skipped] == [("photo.png", "unsupported")]


def test_stdin(monkeypatch):
    data = (FIX / "scraped_en.txt").read_bytes()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BufferedReader(io.BytesIO(data))))
    doc = _one("-")
    assert isinstance(doc, Document) and doc.name == "<stdin>" and doc.lang == "en"


def test_stdin_jsonl_is_streamed(monkeypatch):
    data = (FIX / "articles.jsonl").read_bytes()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BufferedReader(io.BytesIO(data))))
    out = _all(["-"])
    assert [getattr(o, "name", None) or o.input for o in out] == [
        "kursk-1",
        "<stdin>#2",
        "<stdin>#3",
        "<stdin>#4",
    ]


def test_prepare_plain_text():
    doc = prepare(Document("Titel der Meldung\n16.06.2025\nDie Soldaten wurden verlegt, hieß es.\n", "x"))
    assert (doc.name, doc.published, doc.lang) == ("x", "2025-06-16", "de")


# -- HTML -------------------------------------------------------------------------


def test_html_file():
    doc = _one(FIX / "article_de.html")
    assert isinstance(doc, Document)
    assert doc.title == "Nordkorea schickt weitere Soldaten"
    assert doc.text.startswith("Nordkorea schickt weitere Soldaten\n")
    assert "mindestens 1.000 zusätzlichen Kräften" in doc.text
    assert "Impressum" not in doc.text and "Startseite" not in doc.text
    assert (doc.published, doc.published_inferred, doc.meta["published_source"]) == (
        "2025-02-13",
        False,
        "html",
    )
    assert doc.outlet == "Beispielzeitung" and doc.lang == "de"
    assert doc.segments[0].kind == "title"


def test_html_without_body():
    err = _one(FIX / "no_body.html")
    assert isinstance(err, InputError) and "no article text" in err.message


def test_html_sniffed_without_extension(tmp_path):
    p = tmp_path / "page"
    p.write_bytes((FIX / "article_de.html").read_bytes())
    doc = _one(p)
    assert isinstance(doc, Document) and doc.meta["format"] == "html"


# -- JSON Lines -------------------------------------------------------------------


def test_jsonl_records():
    out = _all([FIX / "articles.jsonl"])
    docs = [o for o in out if isinstance(o, Document)]
    errs = [o for o in out if isinstance(o, InputError)]
    assert [d.name for d in docs] == ["kursk-1", "articles.jsonl#2"]
    assert docs[0].url == "https://www.beispielzeitung.de/politik/kursk-1"
    assert (docs[0].title, docs[0].published, docs[0].outlet) == (
        "Weitere Soldaten",
        "2025-02-13",
        "beispielzeitung.de",
    )
    assert docs[1].lang == "en"
    assert [e.input for e in errs] == [f"{FIX / 'articles.jsonl'}#3", f"{FIX / 'articles.jsonl'}#4"]
    assert "not valid JSON" in errs[0].message and '"text"' in errs[1].message


def test_jsonl_long_line_is_skipped_with_bounded_memory(tmp_path):
    p = tmp_path / "big.jsonl"
    with p.open("w", encoding="utf-8") as f:
        f.write('{"text": "' + "x" * (20 * 1024 * 1024) + '"}\n')
        f.write('{"id": "after", "text": "Die Soldaten wurden nach Kursk verlegt, hieß es."}\n')
    detect_language("Die Soldaten wurden verlegt, hieß es am Morgen aus der Hauptstadt.")  # model loaded
    tracemalloc.start()
    try:
        out = _all([p], max_bytes=512 * 1024)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert isinstance(out[0], InputError) and out[0].input.endswith("big.jsonl#1") and "limit" in out[0].message
    assert isinstance(out[1], Document) and out[1].name == "after"
    assert peak < 4 * 1024 * 1024  # a 20 MB line never sits in memory


# -- WARC -------------------------------------------------------------------------


def _page(title: str, para: str) -> bytes:
    return (
        f"<html><head><title>{title}</title></head><body><article><h1>{title}</h1>"
        f"<p>{para}</p><p>{para}</p></article></body></html>"
    ).encode()


PAGES = [
    (
        "https://www.beispiel.de/a.html",
        _page(
            "Soldaten verlegt",
            "Rund 2.000 Soldaten wurden nach Angaben des "
            "Ministeriums in die Region verlegt, hieß es am Morgen in Kiew.",
        ),
    ),
    (
        "https://news.example.org/b.html",
        _page(
            "Troops moved",
            "About 2,000 troops were moved to the region, the ministry said in a statement on Tuesday morning.",
        ),
    ),
    (
        "https://www.beispiel.de/c.html",
        _page(
            "Weitere Kämpfe",
            "Die Kämpfe in der Region dauerten auch in der Nacht an, teilte die Armee am Mittwoch mit.",
        ),
    ),
]


def _write_warc(path: Path, *, gzip: bool = True) -> None:
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    with path.open("wb") as f:
        w = WARCWriter(f, gzip=gzip)
        w.write_record(w.create_warcinfo_record(path.name, {"software": "figtrace-test"}))
        for i, (url, html) in enumerate(PAGES):
            headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
            w.write_record(w.create_warc_record(url, "response", payload=io.BytesIO(html), http_headers=headers))
            if i == 0:  # records that are not articles are skipped
                for uri, status, ctype, body in (("https://www.beispiel.de/x.png", "200 OK", "image/png", b"\x89PNG"),
                                                 ("https://www.beispiel.de/gone", "404 Not Found", "text/html",
                                                  b"<html>gone</html>")):
                    head = StatusAndHeaders(status, [("Content-Type", ctype)], protocol="HTTP/1.1")
                    w.write_record(w.create_warc_record(uri, "response", payload=io.BytesIO(body), http_headers=head))


@pytest.mark.parametrize("gzip", [True, False])
def test_warc_records_are_documents(tmp_path, gzip):
    p = tmp_path / ("crawl.warc.gz" if gzip else "crawl.warc")
    _write_warc(p, gzip=gzip)
    out = _all([p])
    assert all(isinstance(d, Document) for d in out), out
    assert [d.name for d in out] == [f"{p.name}#1", f"{p.name}#2", f"{p.name}#3"]
    assert [d.url for d in out] == [u for u, _ in PAGES]
    assert [d.lang for d in out] == ["de", "en", "de"]
    assert out[1].outlet == "example.org" and out[0].title == "Soldaten verlegt"


def test_truncated_warc_keeps_the_intact_records(tmp_path):
    p = tmp_path / "cut.warc.gz"
    _write_warc(p)
    data = p.read_bytes()
    p.write_bytes(data[: len(data) - 120])
    out = _all([p])
    docs = [o for o in out if isinstance(o, Document)]
    errs = [o for o in out if isinstance(o, InputError)]
    assert len(docs) == 2
    assert len(errs) == 1 and errs[0].input == str(p) and "truncated or damaged WARC" in errs[0].message


def test_warc_sniffed_without_extension(tmp_path):
    p = tmp_path / "crawl.bin"
    _write_warc(p)
    q = tmp_path / "crawl"
    os.rename(p, q)
    assert len([d for d in _all([q]) if isinstance(d, Document)]) == 3


def test_feed_entry_without_link_uses_its_content(tmp_path):
    body = (
        "Die Armee meldete am Dienstag neue Angriffe im Osten des Landes. Nach ihren Angaben wurden "
        "dabei mindestens zwölf Soldaten verletzt; unabhängig bestätigen ließ sich das nicht."
    )
    p = tmp_path / "feed.atom"
    p.write_text(
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>T</title>'
        "<id>urn:t</id><updated>2025-02-13T08:00:00Z</updated>"
        "<entry><id>urn:e1</id><title>Neue Angriffe</title>"
        f'<updated>2025-02-13T08:00:00Z</updated><content type="html">&lt;p&gt;{body}&lt;/p&gt;</content>'
        "</entry></feed>",
        encoding="utf-8",
    )
    [doc] = _all([p])
    assert isinstance(doc, Document) and doc.name == "urn:e1" and body in doc.text
    assert (doc.published, doc.title) == ("2025-02-13", "Neue Angriffe")


def test_warc_record_charset_is_used(tmp_path):
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    html = _page("Größere Übung", "Die Übung war größer als geplant, hieß es; außerdem wären mehr Soldaten nötig.")
    p = tmp_path / "latin.warc"
    with p.open("wb") as f:
        w = WARCWriter(f, gzip=False)
        headers = StatusAndHeaders("200 OK", [("Content-Type", 'text/html; charset="ISO-8859-1"')], protocol="HTTP/1.1")
        body = html.decode().encode("latin-1")
        w.write_record(
            w.create_warc_record("https://x.example/", "response", payload=io.BytesIO(body), http_headers=headers)
        )
    [doc] = _all([p])
    assert isinstance(doc, Document) and "größer als geplant, hieß es" in doc.text


def test_a_bare_string_is_one_input():
    docs = list(iter_documents(str(FIX / "scraped_en.txt")))
    assert len(docs) == 1 and isinstance(docs[0], Document)


def test_cli_reports_bad_inputs_and_goes_on(tmp_path):
    from click.testing import CliRunner

    from figtrace.cli import main

    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"\x00\x01binary")
    good = tmp_path / "good.txt"
    good.write_text("Titel der Meldung\nDie Armee meldete neue Angriffe, hieß es am Morgen.\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["extract", str(bad), str(tmp_path / "nope.txt"), str(good)])
    assert result.exit_code == 1
    assert f"figtrace: {bad}: binary file, not text" in result.stderr
    assert f"figtrace: {tmp_path / 'nope.txt'}: no such file or folder" in result.stderr
