"""Synthetic documents and claims for tests, fault drills and the benchmark.

The store must be tested without depending on extraction quality, so these
generate articles whose claims are known exactly: each generated sentence
carries its figure in a fixed machine form that :func:`synthetic_extractor`
reads back. Nothing here is meant for real articles.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from typing import Any

from figtrace.model import Claim, Document

SYNTH_ACTORS = ("North Korea", "Russia", "Ukraine", "Gaza", "Israel", "Sudan", "Myanmar", "Yemen")
SYNTH_SOURCES = ("South Korea NIS", "UK Defence Intelligence", "Western intelligence", "UN",
                 "Ukrainian armed forces", "Russian Ministry of Defence", "unattributed", "US intelligence")
SYNTH_MEASURES = ("deployed", "killed", "wounded", "killed_or_wounded", "captured", "missing")

_LINE = re.compile(
    r"^FIGURE (?P<value>\d+) (?P<qualifier>\w+) (?P<measure>\w+) ACTOR=(?P<actor>[^|]+)\|"
    r"SOURCE=(?P<source>[^|]+)\|ASOF=(?P<as_of>[^|]*)\|$",
    re.M,
)


def make_claim(doc: str = "doc.txt", **fields: Any) -> Claim:
    """A claim with sensible defaults; pass only the fields a test is about."""
    value = fields.pop("value", 1000)
    qualifier = fields.pop("qualifier", "exact")
    lower = qualifier in ("at_least", "more_than", "vague")
    upper = qualifier in ("at_most", "less_than", "up_to")
    d: dict[str, Any] = {
        "doc": doc, "quote": f"A sentence that reports {value}.", "figure": str(value), "value": value,
        "low": None if upper else value, "high": None if lower else value, "qualifier": qualifier,
        "measure": "killed", "actor": "North Korea", "unit": "personnel", "source": "South Korea NIS",
        "as_of": None, "location": None,
    }
    d.update(fields)
    return Claim(**d)


def synthetic_text(rng: random.Random, n_claims: int, serial: int) -> str:
    """An article of filler sentences and ``n_claims`` machine-readable figure lines."""
    lines = [f"Synthetic report number {serial}."]
    for _ in range(n_claims):
        year = rng.choice((2024, 2025))
        as_of = f"{year}-{rng.randint(1, 12):02d}" if rng.random() < 0.8 else ""
        lines.append(
            f"FIGURE {rng.randrange(10, 20000)} {rng.choice(('exact', 'approx', 'more_than'))} "
            f"{rng.choice(SYNTH_MEASURES)} ACTOR={rng.choice(SYNTH_ACTORS)}|"
            f"SOURCE={rng.choice(SYNTH_SOURCES)}|ASOF={as_of}|"
        )
        lines.append("Filler sentence that states nothing countable.")
    return "\n".join(lines) + "\n"


def synthetic_documents(n: int, *, seed: int = 1, claims_per_doc: int = 5) -> Iterator[Document]:
    rng = random.Random(seed)
    for i in range(n):
        published = f"{rng.choice((2024, 2025))}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        yield Document(text=synthetic_text(rng, claims_per_doc, i), name=f"synthetic-{i:06d}.txt",
                       published=published, lang="en", outlet=f"outlet{i % 7}")


def synthetic_extractor(doc: Document) -> list[Claim]:
    """Read back the figure lines :func:`synthetic_text` wrote (the test double of the extractor)."""
    out = []
    for m in _LINE.finditer(doc.text):
        value = int(m["value"])
        q = m["qualifier"]
        out.append(Claim(
            doc=doc.name, quote=m.group(0), figure=m["value"], value=value,
            low=value, high=None if q == "more_than" else value, qualifier=q, measure=m["measure"],
            actor=m["actor"], unit="personnel", source=m["source"], as_of=m["as_of"] or None,
            location=None, start=m.start("value"), end=m.end("value"), quote_start=m.start(),
            quote_end=m.end(), lang=doc.lang,  # the date and outlet: Document.stamp, in the pipeline
        ))
    return out
