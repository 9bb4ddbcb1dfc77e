"""Typography is noise: curly quotes and odd spaces are made plain before any matching.

"Lebanon’s health ministry" and "Lebanon's health ministry" must give the same
claims. Every replacement keeps the text's length, so offsets found on the
plain text point into the original, and quotes and figures are cut from the
original, exactly as written.
"""

from __future__ import annotations

#: One character for one: apostrophes and quotes to their ASCII form, the many
#: spaces of typesetting to a plain space, dashes to a plain hyphen where they join words.
_PLAIN = str.maketrans({
    "\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u2032": "'", "\u00b4": "'", "`": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u00ab": '"', "\u00bb": '"',
    "\u2039": "'", "\u203a": "'",
    "\u00a0": " ", "\u2007": " ", "\u2008": " ", "\u2009": " ", "\u200a": " ", "\u202f": " ",
    "\u2002": " ", "\u2003": " ", "\u2004": " ", "\u2005": " ", "\u2006": " ", "\u205f": " ", "\u3000": " ",
    "\u2010": "-", "\u2011": "-",
})
#: A soft hyphen inside a word is invisible: it is read as a joiner the word patterns accept.
_SOFT_HYPHEN = "\u00ad"


_PAIRS = (*((chr(k), v) for k, v in _PLAIN.items()), (_SOFT_HYPHEN, "-"))


def normalize_typography(text: str) -> str:
    """The same text with plain apostrophes, quotes, spaces and hyphens, of the same length.

    One ``replace`` per character the text holds: a text holds few of them, and a search for one
    character runs in C at memory speed, where ``str.translate`` looks every character of a
    non-ASCII text up in the table (no replacement is itself replaced, so the order is free).
    """
    for odd, plain in _PAIRS:
        if odd in text:
            text = text.replace(odd, plain)
    return text
