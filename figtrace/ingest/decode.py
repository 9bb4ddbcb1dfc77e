"""Bytes to text for German and English pages from anywhere.

Order matters: a byte-order mark is certain; UTF-16 without one shows as NUL
bytes in every other position; valid UTF-8 is almost never an accident; only
then do we guess, and among single-byte guesses Windows-1252 wins when it
reads as Western text (Latin-1 is its subset for printable characters, and
charset detectors like to call short German text Central European).
Mojibake (UTF-8 read as Windows-1252 somewhere upstream) is repaired by ftfy
only where its heuristics call the fix unambiguous.
"""

from __future__ import annotations

import codecs

from figtrace.ingest.errors import ReadError

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
SNIFF = 4096
#: Non-ASCII characters Western European text is made of; if a Windows-1252
#: reading is mostly these, it is the right reading.
_WESTERN = frozenset("ÄÖÜäöüßÀÁÂÃÅÆÇÈÉÊËÌÍÎÏÑÒÓÔÕØÙÚÛÝàáâãåæçèéêëìíîïñòóôõøùúûýÿœŒšŠžŽ„“”‚‘’–—…€«»‹›°§£¥©®±·×÷\u00a0")
WESTERN_SHARE = 0.8
#: … and Western text is mostly ASCII: German runs at a few percent of umlauts and quotes.
MAX_HIGH_SHARE = 0.3
DETECT_SAMPLE = 1 << 20


def decode(data: bytes) -> tuple[str, str]:
    """(text, encoding name) or :class:`ReadError` saying why not."""
    for bom, enc in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(enc), enc
            except UnicodeDecodeError as e:
                raise ReadError(f"has a {enc} byte-order mark but is not valid {enc} (byte {e.start})") from e
    enc16 = _utf16_without_bom(data[:SNIFF])
    if enc16:
        try:
            return data.decode(enc16), enc16
        except UnicodeDecodeError:
            pass
    if b"\x00" in data[:SNIFF]:
        raise ReadError("binary file, not text")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    return _guess(data)


def _utf16_without_bom(head: bytes) -> str | None:
    """ASCII-heavy UTF-16 has NUL in every other byte: odd positions for LE, even for BE."""
    if len(head) < 8:
        return None
    even = head[0::2].count(0) / (len(head) / 2)
    odd = head[1::2].count(0) / (len(head) / 2)
    if odd > 0.3 and even < 0.05:
        return "utf-16-le"
    if even > 0.3 and odd < 0.05:
        return "utf-16-be"
    return None


def _guess(data: bytes) -> tuple[str, str]:
    import charset_normalizer

    best = charset_normalizer.from_bytes(data[:DETECT_SAMPLE]).best()
    if best is None:
        raise ReadError("unknown text encoding: not UTF-8 or UTF-16, and no charset reads it as text")
    try:
        western = data.decode("cp1252")
    except UnicodeDecodeError:
        western = None
    if western is not None:
        high = [c for c in western if ord(c) > 127]
        if (
            high
            and len(high) <= MAX_HIGH_SHARE * len(western)
            and (sum(c in _WESTERN for c in high) / len(high) >= WESTERN_SHARE)
        ):
            return western, "cp1252"
    try:
        return data.decode(best.encoding), best.encoding
    except (UnicodeDecodeError, LookupError) as e:
        raise ReadError(f"unknown text encoding (best guess {best.encoding} does not read it)") from e


def repair(text: str) -> tuple[str, bool]:
    """Mojibake fixed where ftfy is sure ("FÃ¼r" → "Für"); (text, changed)."""
    import ftfy

    if text.isascii():
        return text, False
    fixed = ftfy.fix_encoding(text)
    return fixed, fixed != text
