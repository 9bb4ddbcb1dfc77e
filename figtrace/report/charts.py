"""Timeline charts: one Vega-Lite spec per (actor, measure), rendered to SVG offline.

Why Vega-Lite rendered by vl-convert: the report must be one file with no
network, and the dashboard must not run third-party JavaScript; a static SVG
made once on the server serves both. A figure is drawn as what it claims:
a floor as a point with an upward dashed rule, a range as a bar, a period as
a horizontal rule, an undated figure hollow at its publication date.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from figtrace.periods import published_period, try_parse_period
from figtrace.report.figures import fmt_claim, fmt_number, measure_label, qualifier_class

#: Shapes per qualifier class; the legend explains them. A range has no
#: point at all: it is drawn as a bar from its low to its high end.
SHAPES: dict[str, str] = {
    "exact": "circle",
    "approx.": "circle",
    "lower bound": "triangle-up",
    "upper bound": "triangle-down",
}

#: Colour-blind-safe palette (Okabe–Ito, then Tableau); sources keep one colour everywhere.
PALETTE: tuple[str, ...] = (
    "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#8C564B", "#7F7F7F",
    "#BCBD22", "#17BECF", "#1F77B4", "#9467BD",
)

#: How far an "approx." band reaches either side: a reading aid, not a claim.
APPROX_BAND = 0.10
#: How far the dashed rule of a bound reaches beyond its value.
BOUND_REACH = 0.35

WIDTH, HEIGHT = 620, 260


def source_colors(sources: Iterable[str]) -> dict[str, str]:
    """A fixed colour per source (sorted by name) so charts of one report agree."""
    names = sorted({s for s in sources if s})
    return {name: PALETTE[i % len(PALETTE)] for i, name in enumerate(names)}


def _iso(d: dt.date) -> str:
    return d.isoformat()


def chart_rows(points: Sequence[Mapping[str, Any]], published: Mapping[int, str | None] | None = None
               ) -> list[dict[str, Any]]:
    """Plain rows for the spec: where and how each timeline point is drawn.

    ``published`` maps a point's index to the publication date to use when
    its ``as_of`` is unknown; such points are drawn hollow.
    """
    rows: list[dict[str, Any]] = []
    for i, p in enumerate(points):
        period = try_parse_period(p.get("as_of"))
        hollow = period is None
        if period is None:
            pub = published_period((published or {}).get(i)) or published_period(p.get("published"))
            if pub is None:
                continue
            start = end = mid = pub.mid  # a point: the figure held when it was printed, not over a span
        else:
            start, end, mid = period.start, period.end, period.mid
        value = float(p.get("value") or 0)
        low = p.get("low")
        high = p.get("high")
        qclass = qualifier_class(p.get("qualifier"))
        rows.append({
            "source": p.get("source") or "unattributed",
            "qclass": qclass,
            "value": value,
            "low": float(low) if low is not None else value,
            "high": float(high) if high is not None else value,
            "x": _iso(start),
            "x2": _iso(end),
            "xmid": _iso(mid),
            "period": start != end,
            "hollow": hollow,
            "label": fmt_claim(p),
            "when": p.get("as_of") or f"published {_iso(mid)} (no date in text)",
            "latest": bool(p.get("latest")),
        })
    return rows


def _y_top(rows: Sequence[Mapping[str, Any]], span: Mapping[str, Any] | None) -> float:
    top = max([max(r["value"], r["high"]) for r in rows] + [0.0])
    if span and span.get("high") is not None:
        top = max(top, float(span["high"]))
    return top * (1 + BOUND_REACH) if top > 0 else 1.0


def _decorate(rows: list[dict[str, Any]], top: float) -> None:
    """Add the y extents of the rules that show what kind of figure each is."""
    for r in rows:
        v = r["value"]
        r["y1"], r["y2"] = v, v
        if r["qclass"] == "approx.":
            r["y1"], r["y2"] = v * (1 - APPROX_BAND), v * (1 + APPROX_BAND)
        elif r["qclass"] == "lower bound":
            r["y1"], r["y2"] = v, min(top, v * (1 + BOUND_REACH))
        elif r["qclass"] == "upper bound":
            r["y1"], r["y2"] = v * (1 - BOUND_REACH), v
        elif r["qclass"] == "range":
            r["y1"], r["y2"] = r["low"], r["high"]


def timeline_spec(
    points: Sequence[Mapping[str, Any]],
    *,
    actor: str,
    measure: str,
    span: Mapping[str, Any] | None = None,
    published: Mapping[int, str | None] | None = None,
    colors: Mapping[str, str] | None = None,
    additions: Sequence[Mapping[str, Any]] = (),
    unit: str = "personnel",
) -> dict[str, Any]:
    """The Vega-Lite spec of one (actor, measure) timeline.

    ``additions`` are reinforcement points drawn on top of the deployed
    figure they add to, so "11,000 plus 3,000 more" reads as such.
    """
    rows = chart_rows(points, published)
    top = _y_top(rows, span)
    _decorate(rows, top)
    add_rows = _addition_rows(additions, rows)
    if add_rows:
        top = max(top, max(r["y2"] for r in add_rows) * 1.1)
    colors = dict(colors or source_colors(r["source"] for r in rows + add_rows))
    for r in rows + add_rows:
        colors.setdefault(r["source"], PALETTE[len(colors) % len(PALETTE)])
    domain = sorted({r["source"] for r in rows + add_rows})
    color = {
        "field": "source", "type": "nominal", "title": "source",
        "scale": {"domain": domain, "range": [colors[s] for s in domain]},
        "legend": {"orient": "bottom", "columns": 2, "labelLimit": 260},
    }
    x = {"field": "xmid", "type": "temporal", "title": None, "scale": {"padding": 28},
         "axis": {"format": "%b %Y", "labelAngle": 0, "labelOverlap": "greedy", "labelSeparation": 8,
                  "tickCount": {"interval": "month", "step": _month_step(rows + add_rows)}}}
    yscale = {"domain": [0, top], "nice": True}
    y_title = f"{measure_label(measure)}" + ("" if unit == "personnel" else f" ({unit})")
    y = {"field": "value", "type": "quantitative", "title": y_title, "scale": yscale}

    layers: list[dict[str, Any]] = []
    if span and span.get("low") is not None:
        high = span.get("high")
        low = float(span["low"])
        high = float(high) if high is not None else top
        thin = top * 0.006  # sources that agree still get a visible band
        band = {"low": min(low, high) - thin, "high": max(low, high) + thin,
                "text": span.get("text") or ""}
        layers.append({
            "data": {"values": [band]},
            "mark": {"type": "rect", "color": "#888", "opacity": 0.12},
            "encoding": {"y": {"field": "low", "type": "quantitative", "scale": yscale},
                         "y2": {"field": "high"}},
        })
    layers += [
        {   # a period as a horizontal rule from its first to its last day
            "transform": [{"filter": "datum.period"}],
            "mark": {"type": "rule", "strokeWidth": 2, "opacity": 0.7},
            "encoding": {"x": {**x, "field": "x"}, "x2": {"field": "x2"}, "y": y, "color": color},
        },
        {   # ranges as bars, bounds as dashed open-ended rules, approx as a thin band
            "transform": [{"filter": "datum.qclass != 'exact'"}],
            "mark": {"type": "rule"},
            "encoding": {
                "x": x, "y": {**y, "field": "y1"}, "y2": {"field": "y2"}, "color": color,
                "strokeWidth": {"condition": {"test": "datum.qclass == 'range'", "value": 7}, "value": 1.5},
                "strokeDash": {"condition": {"test": "datum.qclass == 'lower bound' || "
                                             "datum.qclass == 'upper bound'", "value": [4, 3]},
                               "value": [1, 0]},
                "opacity": {"condition": {"test": "datum.qclass == 'range'", "value": 0.55}, "value": 0.9},
            },
        },
        _point_layer(x, y, color, filled=True),
        _point_layer(x, y, color, filled=False),
        {
            "mark": {"type": "text", "align": "left", "dx": 7, "dy": -7, "fontSize": 10},
            "encoding": {"x": x, "y": y, "text": {"field": "label"}, "color": color},
        },
    ]
    if add_rows:
        layers.append({
            "data": {"values": add_rows},
            "mark": {"type": "rule", "strokeWidth": 7, "opacity": 0.35},
            "encoding": {"x": x, "y": {**y, "field": "y1"}, "y2": {"field": "y2"}, "color": color},
        })
        layers.append({
            "data": {"values": add_rows},
            "mark": {"type": "text", "align": "left", "dx": 7, "fontSize": 10, "fontStyle": "italic"},
            "encoding": {"x": x, "y": {**y, "field": "y2"}, "text": {"field": "label"}, "color": color},
        })
    subtitle = []
    if span and span.get("text"):
        subtitle.append(f"span across sources (grey band): {span['text']}")
    if any(r["hollow"] for r in rows):
        subtitle.append("hollow marks: no date in the text, placed at publication")
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "title": {"text": f"{actor}: {measure_label(measure)}", "subtitle": subtitle, "anchor": "start"},
        "width": WIDTH,
        "height": HEIGHT,
        "background": "white",
        "data": {"values": rows},
        "layer": layers,
        "config": {"font": "sans-serif", "view": {"stroke": "#ddd"}},
    }


def _month_step(rows: Sequence[Mapping[str, Any]]) -> int:
    """Months between x ticks so about eight labels fit (month ticks, never half-months)."""
    if not rows:
        return 1
    first = min(dt.date.fromisoformat(r["x"]) for r in rows)
    last = max(dt.date.fromisoformat(r["x2"]) for r in rows)
    months = (last.year - first.year) * 12 + last.month - first.month + 1
    return max(1, -(-months // 8))


def _point_layer(x: dict[str, Any], y: dict[str, Any], color: dict[str, Any], *, filled: bool
                 ) -> dict[str, Any]:
    shape = {
        "field": "qclass", "type": "nominal", "title": "figure",
        "scale": {"domain": list(SHAPES), "range": list(SHAPES.values())},
        "legend": {"orient": "bottom"} if filled else None,
    }
    return {
        "transform": [{"filter": ("!datum.hollow" if filled else "datum.hollow") + " && datum.qclass != 'range'"}],
        "mark": {"type": "point", "filled": filled, "size": 80, "strokeWidth": 2, "opacity": 1},
        "encoding": {"x": x, "y": y, "color": color, "shape": shape},
    }


def _addition_rows(additions: Sequence[Mapping[str, Any]], base_rows: Sequence[Mapping[str, Any]]
                   ) -> list[dict[str, Any]]:
    """Reinforcements stacked on the largest deployed figure reported by their date.

    Deployments are cumulative, so the largest earlier figure is the best
    reading of the total an addition joins; smaller ones count a part (one
    unit, the engineers) and would understate it.
    """
    out: list[dict[str, Any]] = []
    for r in chart_rows(additions):
        earlier = [b for b in base_rows if b["xmid"] <= r["xmid"]]
        if not earlier:
            continue
        base = max(b["value"] for b in earlier)
        out.append({**r, "y1": base, "y2": base + r["value"],
                    "label": f"{r['label']} more → {fmt_number(base + r['value'])}"})
    return out


class UnsafeSVG(ValueError):
    """The renderer produced markup that could run code; never embed it."""


_FORBIDDEN_TAGS = {"script", "foreignObject", "iframe", "object", "embed"}


def check_svg(svg: str) -> str:
    """Refuse SVG with script, event-handler attributes or javascript: links.

    vl-convert escapes data it is given; this is the second lock, because
    the labels come from articles anyone can write.
    """
    root = ET.fromstring(svg)
    for el in root.iter():
        tag = el.tag.rsplit("}", 1)[-1]
        if tag in _FORBIDDEN_TAGS:
            raise UnsafeSVG(f"chart contains a <{tag}> element")
        for name, value in el.attrib.items():
            local = name.rsplit("}", 1)[-1].lower()
            if local.startswith("on"):
                raise UnsafeSVG(f"chart contains an event attribute {local!r}")
            if local == "href" and value.strip().lower().startswith(("javascript:", "data:")):
                raise UnsafeSVG("chart contains a script link")
    return svg


_lock = threading.Lock()
_cache: dict[str, str] = {}
_CACHE_MAX = 256


def render_svg(spec: Mapping[str, Any]) -> str:
    """SVG for a spec, checked; cached by spec so a dashboard renders each chart once."""
    key = json.dumps(spec, sort_keys=True, default=str)
    with _lock:
        hit = _cache.get(key)
        if hit is not None:
            return hit
        import vl_convert

        svg = check_svg(vl_convert.vegalite_to_svg(dict(spec)))
        if len(_cache) >= _CACHE_MAX:
            _cache.pop(next(iter(_cache)))
        _cache[key] = svg
        return svg
