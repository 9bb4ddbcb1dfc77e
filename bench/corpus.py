"""A generated corpus of realistic size from the bundled sample articles.

Why generated: the benchmark must be reproducible anywhere (no crawl, no
network) and scale to 100,000 articles, but still look like news to the
engine: real sentence shapes, cue words, figures in the places they occur.
Each article takes the header (kicker, title, date, byline) of one sample
article and body paragraphs of several of the same language, shuffled, with
every figure and year replaced (so no two articles are the same text and the
ledger's dedup by content hash does not kick in). About one article in ten
quotes a paragraph in the other language, as German outlets quote agencies.
Lengths follow a log-normal around 3,500 characters (news bodies run 2–8 KB).

HTML pages wrap the same text in the markup a news site serves: head with
metadata, a long navigation, cookie banner, inline script and style,
related-story teasers with figures of their own, and a footer.

Everything streams: :func:`iter_articles` yields one article at a time and
the writers write one file (or one JSON line) at a time.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import math
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

SAMPLES = Path(__file__).resolve().parents[1] / "figtrace" / "data" / "corpus"
LANGS = ("de", "en")
#: Median body length in characters and the spread of its logarithm.
MEDIAN_CHARS = 3500
SIGMA = 0.45
MIN_CHARS, MAX_CHARS = 1200, 14000
#: Share of articles that quote a paragraph in the other language.
MIXED_SHARE = 0.1
#: A line this long is body text, not header furniture (title, date, byline).
BODY_LINE = 160

_NUMBER = re.compile(r"\d{1,3}(?:[.,]\d{3})+|\d+")
_YEAR = re.compile(r"(?:19|20)\d\d")


@dataclass(frozen=True, slots=True)
class Sample:
    name: str
    lang: str
    header: list[str]
    body: list[str]


@dataclass(frozen=True, slots=True)
class Article:
    name: str
    lang: str
    title: str
    published: str
    text: str


def load_samples(root: Path = SAMPLES) -> dict[str, list[Sample]]:
    """The bundled articles split into header lines and body paragraphs, per language."""
    out: dict[str, list[Sample]] = {lang: [] for lang in LANGS}
    for lang in LANGS:
        for path in sorted((root / lang).glob("*.txt")):
            lines = [ln.strip() for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()]
            first_body = next((i for i, ln in enumerate(lines) if len(ln) >= BODY_LINE), 0)
            header = lines[:first_body][:5]
            out[lang].append(Sample(path.stem, lang, header, lines[first_body:]))
    return out


def _vary_number(m: re.Match[str], rng: random.Random) -> str:
    s = m.group(0)
    if _YEAR.fullmatch(s):
        return str(rng.randint(2022, 2026))
    digits = s.replace(".", "").replace(",", "")
    value = int(digits)
    if value < 32 and len(digits) <= 2:  # days, hours, small counts: keep their range
        return str(rng.randint(1, 31) if value else 0)
    new = max(1, round(value * math.exp(rng.uniform(-0.7, 0.7))))
    if len(s) != len(digits):  # keep the article's thousands separator
        sep = s[len(s) - 4]
        return f"{new:,}".replace(",", sep)
    return str(new)


def vary(text: str, rng: random.Random) -> str:
    """Every figure and year swapped for another of the same shape."""
    return _NUMBER.sub(lambda m: _vary_number(m, rng), text)


def iter_articles(n: int, seed: int = 1, samples: dict[str, list[Sample]] | None = None) -> Iterator[Article]:
    """``n`` articles, half German and half English, reproducible from ``seed``."""
    samples = samples or load_samples()
    rng = random.Random(seed)
    start = dt.date(2024, 1, 1)
    for i in range(n):
        lang = LANGS[i % 2]
        pool = samples[lang]
        base = rng.choice(pool)
        target = min(MAX_CHARS, max(MIN_CHARS, int(rng.lognormvariate(math.log(MEDIAN_CHARS), SIGMA))))
        paras = list(base.body)
        rng.shuffle(paras)
        body: list[str] = []
        size = 0
        while size < target:
            if not paras:
                paras = list(rng.choice(pool).body)
                rng.shuffle(paras)
            p = paras.pop()
            body.append(p)
            size += len(p) + 1
        if rng.random() < MIXED_SHARE:
            other = samples[LANGS[(i + 1) % 2]]
            body.insert(rng.randrange(1, len(body) + 1), rng.choice(rng.choice(other).body))
        header = [vary(h, rng) for h in base.header] or [body[0][:80]]
        title = max(header, key=len)
        text = vary("\n".join([*header, *body]), rng) + "\n"
        published = (start + dt.timedelta(days=rng.randrange(0, 700))).isoformat()
        yield Article(f"{i:06d}-{lang}-{base.name}", lang, title, published, text)


# -- HTML pages ----------------------------------------------------------------

_NAV = ("Home", "Politik", "World", "Wirtschaft", "Business", "Sport", "Kultur", "Culture", "Wissen", "Science",
        "Meinung", "Opinion", "Video", "Podcasts", "Newsletter", "Archiv", "Archive", "Live")
_SCRIPT = ("window.dataLayer=window.dataLayer||[];function gtag(){dataLayer.push(arguments)}"
           "gtag('js',new Date());var cfg={section:'world',paywall:false,ads:{slots:['top','mid','bottom']}};"
           * 12)
_STYLE = ("body{font-family:Georgia,serif;margin:0}nav a{padding:0 .5em}.teaser{border-top:1px solid #ccc}"
          ".cookie{position:fixed;bottom:0}" * 10)


def to_html(a: Article, rng: random.Random, teasers: list[str]) -> str:
    """The article as a news site would serve it: furniture around an ``<article>``."""
    lines = a.text.strip().splitlines()
    paras = "\n".join(f"<p>{html.escape(p)}</p>" for p in lines if p != a.title)
    nav = "".join(f'<li><a href="/{x.lower()}/">{x}</a></li>' for x in _NAV * 3)
    related = "".join(
        f'<li class="teaser"><a href="/story/{rng.randrange(10**6)}"><h3>{html.escape(t)}</h3></a></li>'
        for t in teasers)
    return f"""<!doctype html>
<html lang="{a.lang}"><head><meta charset="utf-8"><title>{html.escape(a.title)} | Example News</title>
<meta property="og:site_name" content="Example News">
<meta property="og:title" content="{html.escape(a.title)}">
<meta property="article:published_time" content="{a.published}T08:30:00+00:00">
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>{_STYLE}</style><script>{_SCRIPT}</script></head>
<body><div class="cookie">We use cookies. <a href="/privacy">Privacy</a> <button>OK</button></div>
<header><a class="logo" href="/">Example News</a><nav><ul>{nav}</ul></nav></header>
<main><article><h1>{html.escape(a.title)}</h1>
<time datetime="{a.published}">{a.published}</time>
{paras}
</article>
<aside><h2>More stories</h2><ul>{related}</ul></aside></main>
<footer><p>© Example News</p><ul>{nav}</ul><a href="/imprint">Imprint</a></footer>
<script>{_SCRIPT}</script></body></html>
"""


def iter_pages(n: int, seed: int = 2) -> Iterator[tuple[Article, str]]:
    rng = random.Random(seed)
    titles: list[str] = []
    for a in iter_articles(n, seed):
        titles.append(a.title)
        del titles[:-20]
        yield a, to_html(a, rng, rng.sample(titles, k=min(4, len(titles))))


# -- writers ----------------------------------------------------------------------

def write_text(folder: Path, n: int, seed: int = 1) -> Path:
    """``n`` plain-text articles as ``.txt`` files, 1,000 per subfolder (a filesystem likes that)."""
    for i, a in enumerate(iter_articles(n, seed)):
        sub = folder / f"{i // 1000:03d}"
        if i % 1000 == 0:
            sub.mkdir(parents=True, exist_ok=True)
        (sub / f"{a.name}.txt").write_text(a.text, encoding="utf-8")
    return folder


def write_html(folder: Path, n: int, seed: int = 2) -> Path:
    for i, (a, page) in enumerate(iter_pages(n, seed)):
        sub = folder / f"{i // 1000:03d}"
        if i % 1000 == 0:
            sub.mkdir(parents=True, exist_ok=True)
        (sub / f"{a.name}.html").write_text(page, encoding="utf-8")
    return folder


def write_jsonl(path: Path, n: int, seed: int = 3) -> Path:
    """``n`` articles as JSON Lines records (text, lang, published): one file a crawler would hand over."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as f:
        for a in iter_articles(n, seed):
            f.write(json.dumps({"text": a.text, "lang": a.lang, "published": a.published,
                                "title": a.title}, ensure_ascii=False) + "\n")
    return path
