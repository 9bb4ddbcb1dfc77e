"""Who published a document: from its URL, a contact address, image hosts or the byline.

Evidence is ranked: the URL the page came from is certain; a newsroom's contact
address (``redaktion@watson.de``) or the host of its own images nearly so; a
byline names an agency or an author, the weakest hint.
"""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

_EMAIL_DOMAIN = re.compile(r"(?<![\w.+-])[\w.+-]+@((?:[\w-]+\.)+[a-z]{2,})", re.IGNORECASE)
_URL_HOST = re.compile(r"https?://([\w.-]+\.[a-z]{2,})", re.IGNORECASE)
#: Second-level labels under which a registrable name takes three labels (news.bbc.co.uk → bbc.co.uk).
_SECOND_LEVEL = frozenset({"co", "com", "org", "net", "gov", "ac", "edu", "or", "ne", "go"})
#: Hosts of picture agencies, CDNs and embeds: they say nothing about the outlet.
_FOREIGN_HOSTS = frozenset(
    {
        "imago-images.de",
        "imago-images.com",
        "gettyimages.com",
        "gettyimages.de",
        "picture-alliance.com",
        "shutterstock.com",
        "reuters.com",
        "apnews.com",
        "dpa.com",
        "cloudfront.net",
        "akamaized.net",
        "googleusercontent.com",
        "gstatic.com",
        "youtube.com",
        "twitter.com",
        "x.com",
        "instagram.com",
        "facebook.com",
        "wikimedia.org",
        "wikipedia.org",
        "imgur.com",
        "fastly.net",
        "amazonaws.com",
    }
)


def registrable(host: str) -> str:
    """``images.t-online.de`` → ``t-online.de``; ``news.bbc.co.uk`` → ``bbc.co.uk``."""
    parts = host.lower().strip(".").split(".")
    if len(parts) >= 3 and parts[-2] in _SECOND_LEVEL and len(parts[-1]) == 2:
        return ".".join(parts[-3:])
    return ".".join(parts[-2:])


def outlet_from_url(url: str | None) -> str | None:
    if not url:
        return None
    host = urlsplit(url).hostname
    if not host or ("." not in host and ":" not in host):
        return None
    try:
        ipaddress.ip_address(host)
        return host  # an address names no outlet better than itself
    except ValueError:
        return registrable(host)


def outlet_from_text(text: str, byline: str | None = None) -> tuple[str | None, str]:
    """(outlet, evidence kind) from what the page itself shows."""
    for m in _EMAIL_DOMAIN.finditer(text):
        dom = registrable(m.group(1))
        if dom not in _FOREIGN_HOSTS:
            return dom, "contact"
    for m in _URL_HOST.finditer(text):
        dom = registrable(m.group(1))
        if dom not in _FOREIGN_HOSTS:
            return dom, "image_host"
    if byline:
        return byline, "byline"
    return None, ""
