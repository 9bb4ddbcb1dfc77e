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
#: A chart draws at most this many figures: a timeline of thousands of points is
#: thinned to each source's newest figure per time bin (its latest always kept),
#: so a chart renders in well under a second and weighs tens of KB; the table
#: under the chart and ``figtrace timeline`` list every point.
MAX_CHART_POINTS = 240
#: Up to this many figures every one is labelled; above it only each source's latest.
MAX_LABELS = 40
#: The undated lane sits this share of the time span (at least LANE_MIN_DAYS) right of the last date.
LANE_SHARE = 0.12
LANE_MIN_DAYS = 20


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
        pub = None
        if period is None:
            pub = published_period((published or {}).get(i)) or published_period(p.get("published"))
            # no date in the text: drawn in the undated lane (timeline_spec places it), never dropped
            start = end = mid = pub.mid if pub is not None else None
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
            "x": _iso(start) if start else None,
            "x2": _iso(end) if end else None,
            "xmid": _iso(mid) if mid else None,
            "period": start != end,
            "hollow": hollow,
            "label": fmt_claim(p) + item_suffix(p),
            "when": p.get("as_of") or (f"published {_iso(mid)} (no date in text)" if mid else "undated"),
            "latest": bool(p.get("latest")),
        })
    return rows


#: Units as a reader writes them, for axis titles.
UNIT_TITLE: dict[str, str] = {"km2": "km²", "km": "km", "equipment": "items"}
#: The unit each measure counts in (spec: territory in km², advance in km, equipment in items).
UNIT_OF_MEASURE: dict[str, str] = {"territory_captured": "km2", "advance": "km", "equipment": "equipment"}
#: Items whose plural is not the singular plus "s".
_PLURALS: dict[str, str] = {"aircraft": "aircraft", "artillery system": "artillery systems"}


def plural(item: str) -> str:
    return _PLURALS.get(item, item if item.endswith("s") else item + "s")


def item_suffix(p: Mapping[str, Any]) -> str:
    """" drones" after an equipment figure, so a label says what it counts."""
    item = p.get("item")
    return f" {plural(str(item))}" if item else ""


def unit_title(unit: str | None, items: Iterable[str | None] = ()) -> str:
    """The axis unit: km², km, or the items counted ("drones", "tanks and drones", "items")."""
    if unit == "equipment":
        names = sorted({plural(i) for i in items if i})
        if names and len(names) <= 2:
            return " and ".join(names)
        return "items"
    return UNIT_TITLE.get(unit or "", "")


def thin(rows: list[dict[str, Any]], limit: int = MAX_CHART_POINTS) -> list[dict[str, Any]]:
    """At most ``limit`` rows: per source, the newest row of each time bin, and always its latest.

    Bins split the dated span evenly; a source with few rows keeps them all.
    Undated rows count as one bin of their own.
    """
    if len(rows) <= limit:
        return rows
    by_source: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        by_source.setdefault(r["source"], []).append(r)
    per_source = max(2, limit // max(1, len(by_source)))
    dated = [r for r in rows if r.get("xmid")]
    first = min((r["xmid"] for r in dated), default="")
    last = max((r["xmid"] for r in dated), default="")
    span = max(1, (dt.date.fromisoformat(last) - dt.date.fromisoformat(first)).days) if dated else 1
    kept: list[dict[str, Any]] = []
    for src_rows in by_source.values():
        if len(src_rows) <= per_source:
            kept.extend(src_rows)
            continue
        bins: dict[int, dict[str, Any]] = {}
        for r in src_rows:
            b = -1 if not r.get("xmid") else min(per_source - 2, (dt.date.fromisoformat(r["xmid"])
                                                                  - dt.date.fromisoformat(first)).days
                                                  * (per_source - 1) // span)
            if b not in bins or (r.get("xmid") or "") >= (bins[b].get("xmid") or ""):
                bins[b] = r
        chosen = {id(r) for r in bins.values()} | {id(r) for r in src_rows if r["latest"]}
        kept.extend(r for r in src_rows if id(r) in chosen)
    return kept


def _place_undated(rows: list[dict[str, Any]]) -> str | None:
    """Put undated rows in a lane right of the dated ones; returns the lane's date (None: no undated rows)."""
    undated = [r for r in rows if r["hollow"]]
    if not undated:
        return None
    dated = [r for r in rows if not r["hollow"]]
    if dated:
        first = min(dt.date.fromisoformat(r["x"]) for r in dated)
        last = max(dt.date.fromisoformat(r["x2"]) for r in dated)
    else:
        pubs = [dt.date.fromisoformat(r["xmid"]) for r in undated if r["xmid"]]
        first = last = max(pubs) if pubs else dt.date.today()
    try:
        lane = last + dt.timedelta(days=max(LANE_MIN_DAYS, round((last - first).days * LANE_SHARE)))
    except OverflowError:  # an as-of at the end of the calendar: the lane sits on it
        lane = last
    for r in undated:
        r["x"] = r["x2"] = r["xplot"] = _iso(lane)
        r["period"] = False
    return _iso(lane)


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
    unit = unit if unit != "personnel" else UNIT_OF_MEASURE.get(measure, unit)
    rows = chart_rows([{**p, "unit": p.get("unit") or unit} for p in points], published)
    n_all = len(rows)
    rows = thin(rows)
    for r in rows:
        r["labelled"] = r["latest"] or len(rows) <= MAX_LABELS
    for r in rows:
        r["xplot"] = r["xmid"]
    lane = _place_undated(rows)
    top = _y_top(rows, span)
    _decorate(rows, top)
    add_rows = _addition_rows(additions, [r for r in rows if not r["hollow"]])
    for r in add_rows:
        r["xplot"] = r["xmid"]
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
    step = _month_step(rows + add_rows)
    ticks = ({"interval": "month", "step": step} if step < 12
             else {"interval": "year", "step": -(-step // 12)})  # decades of dates: year ticks, never thousands
    x = {"field": "xplot", "type": "temporal", "title": None, "scale": {"padding": 28},
         "axis": {"format": "%b %Y" if step < 12 else "%Y", "labelAngle": 0, "labelOverlap": "greedy",
                  "labelSeparation": 8, "tickCount": ticks}}
    yscale = {"domain": [0, top], "nice": True}
    shown_unit = unit_title(unit, (p.get("item") for p in points))
    y_title = measure_label(measure) + (f" ({shown_unit})" if shown_unit else "")
    y = {"field": "value", "type": "quantitative", "title": y_title, "scale": yscale}

    layers: list[dict[str, Any]] = []
    if span and span.get("low") is not None:
        high = span.get("high")
        low = float(span["low"])
        high = float(high) if high is not None else top
        band_pad = top * 0.006  # sources that agree still get a visible band
        band = {"low": min(low, high) - band_pad, "high": max(low, high) + band_pad,
                "text": span.get("text") or ""}
        layers.append({
            "data": {"values": [band]},
            "mark": {"type": "rect", "color": "#888", "opacity": 0.12},
            "encoding": {"y": {"field": "low", "type": "quantitative", "scale": yscale},
                         "y2": {"field": "high"}},
        })
    if lane is not None:
        layers.append({   # the undated lane: figures with no date in the text, never dropped
            "data": {"values": [{"x": lane, "text": "undated"}]},
            "mark": {"type": "rule", "color": "#bbb", "strokeDash": [2, 3], "strokeWidth": 24, "opacity": 0.35},
            "encoding": {"x": {**x, "field": "x"}},
        })
        layers.append({
            "data": {"values": [{"x": lane, "text": "undated", "y": top}]},
            "mark": {"type": "text", "color": "#666", "fontSize": 10, "baseline": "top", "dy": 2},
            "encoding": {"x": {**x, "field": "x"}, "y": {"field": "y", "type": "quantitative", "scale": yscale},
                         "text": {"field": "text"}},
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
            "transform": [{"filter": "datum.labelled"}],
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
        subtitle.append("hollow marks in the undated lane: no date in the text")
    if len(rows) < n_all:
        subtitle.append(f"{len(rows)} of {n_all} figures drawn: each source's newest per period and its latest")
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
    rows = [r for r in rows if r.get("x") and r.get("x2")]
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
        if r["xmid"] is None or r["hollow"]:
            continue
        earlier = [b for b in base_rows if b["xmid"] and b["xmid"] <= r["xmid"]]
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
