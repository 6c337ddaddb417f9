"""Vector trend charts for the PDF (reportlab graphics): daily values per source + typical range
(or, for recovery, its zones).

Grey-scale safe: the band source is a solid black line with dots, WHOOP cloud a dashed grey line, the
typical range a light grey area; the legend says so in words. First and last dates print under the axis.
"""

from __future__ import annotations

import math
from datetime import date

from reportlab.graphics.shapes import Circle, Drawing, Line, Polygon, PolyLine, Rect, String
from reportlab.lib import colors

from healthdesk.clinical.catalogue import MetricSpec
from healthdesk.clinical.report_data import BAND, SOURCE_SHORT, SOURCES, Period, ReportData
from healthdesk.clinical.stats import baseline_bands
from healthdesk.core.metrics.baseline import NO_BAND, RECOVERY_ZONES

STYLE = {
    BAND: {"color": colors.black, "dash": None, "dots": True},
    "whoop_cloud": {"color": colors.Color(0.45, 0.45, 0.45), "dash": [3, 2], "dots": False},
}
BAND_FILL = colors.Color(0.86, 0.86, 0.86)
# Recovery zones (metrics.md §18), light and distinct in grey-scale print too: red <= 33, yellow 34-66, green >= 67.
ZONE_FILL = {"red": colors.Color(0.98, 0.86, 0.86), "yellow": colors.Color(0.99, 0.96, 0.84),
             "green": colors.Color(0.88, 0.95, 0.88)}
ZONE_LEGEND = "shaded: recovery zones (red 0-33, yellow 34-66, green 67-100)"
FONT = "Helvetica"
MAX_DOTS = 62  # beyond ~2 months dots blur into the line


def trend_chart(data: ReportData, spec: MetricSpec, width: float, height: float = 92.0) -> Drawing:
    period = data.period
    series = {src: s for src in SOURCES if (s := data.series_for(spec.key, src)) is not None}
    # The baseline band comes from one source only (band first): two bands would blur the picture.
    base_src = next(iter(series), None)
    bands = (baseline_bands(series[base_src].values, series[base_src].lead_in, period, spec.key)
             if base_src else [])
    zones = spec.key in NO_BAND and bool(series)  # recovery: its zones, not a band (metrics.md §18)

    d = Drawing(width, height)
    left, right, bottom, top = 38.0, 6.0, 24.0, 14.0
    pw, ph = width - left - right, height - bottom - top
    title = f"{spec.label} ({spec.display_unit})"
    d.add(String(0, height - 10, title, fontName="Helvetica-Bold", fontSize=8))
    d.add(Rect(left, bottom, pw, ph, strokeColor=colors.Color(0.6, 0.6, 0.6), strokeWidth=0.5,
               fillColor=None))

    all_y = [v.value for s in series.values() for v in s.values] + [y for b in bands for y in (b.low, b.high)]
    all_y += [0.0, 100.0] if zones else []
    if not all_y:
        d.add(String(left + pw / 2, bottom + ph / 2 - 3, "no data recorded in this period", fontName=FONT,
                     fontSize=7.5, textAnchor="middle"))
        _date_labels(d, period, left, pw, bottom)
        return d

    lo, hi, ticks = _nice_range(min(all_y), max(all_y))
    span_days = max(period.days - 1, 1)

    def xy(day: date, value: float) -> tuple[float, float]:
        x = left + pw * ((day - period.start).days / span_days if period.days > 1 else 0.5)
        return x, bottom + ph * (value - lo) / (hi - lo)

    for t in ticks:
        _, y = xy(period.start, t)
        d.add(Line(left, y, left + pw, y, strokeColor=colors.Color(0.9, 0.9, 0.9), strokeWidth=0.4))
        d.add(String(left - 3, y - 2.5, _tick_text(t, ticks), fontName=FONT, fontSize=6.5, textAnchor="end"))

    for name, zone_low, zone_top in zone_edges() if zones else ():
        (_, y0), (_, y1) = xy(period.start, zone_low), xy(period.start, zone_top)
        d.add(Rect(left, y0, pw, y1 - y0, fillColor=ZONE_FILL[name], strokeColor=None))
    for run in _runs(bands, key=lambda b: b.day):
        upper = [p for b in run for p in xy(b.day, b.high)]
        lower = [p for b in reversed(run) for p in xy(b.day, b.low)]
        if len(run) == 1:  # a lone day still shows as a thin bar
            x, _ = xy(run[0].day, 0)
            upper, lower = [x - 1, upper[1], x + 1, upper[1]], [x + 1, lower[1], x - 1, lower[1]]
        d.add(Polygon(upper + lower, fillColor=BAND_FILL, strokeColor=None, strokeWidth=0))

    for src, s in series.items():
        style = STYLE[src]
        for run in _runs(list(s.values), key=lambda v: v.day):
            pts = [p for v in run for p in xy(v.day, v.value)]
            if len(run) > 1:
                d.add(PolyLine(pts, strokeColor=style["color"], strokeWidth=0.9,
                               strokeDashArray=style["dash"]))
            if (style["dots"] and len(s.values) <= MAX_DOTS) or len(run) == 1:
                for v in run:
                    x, y = xy(v.day, v.value)
                    d.add(Circle(x, y, 1.2, fillColor=style["color"], strokeColor=None))

    _date_labels(d, period, left, pw, bottom)
    _legend(d, list(series), base_src if bands else None, width, height, zones)
    return d


def _legend(d: Drawing, sources: list[str], band_src: str | None, width: float, height: float,
            zones: bool = False) -> None:
    parts = [f"{SOURCE_SHORT[s]}: {'solid line' if s == BAND else 'dashed line'}" for s in sources]
    if band_src:
        parts.append(f"grey area: typical range ({SOURCE_SHORT[band_src]}, about 2 days in 3 of the previous 30)")
    if zones:
        parts.append(ZONE_LEGEND)
    d.add(String(width - 6, height - 10, "; ".join(parts), fontName=FONT, fontSize=6.5, textAnchor="end"))


def zone_edges() -> list[tuple[str, float, float]]:
    """(name, bottom, top) of each recovery zone; neighbours meet half-way (33 | 34 at 33.5) so no strip
    between them is left white."""
    pairs = zip(RECOVERY_ZONES, RECOVERY_ZONES[1:], strict=False)
    edges = [0.0] + [(hi + nxt[1]) / 2 for (_, _, hi), nxt in pairs] + [100.0]
    return [(name, edges[i], edges[i + 1]) for i, (name, _, _) in enumerate(RECOVERY_ZONES)]


def _date_labels(d: Drawing, period: Period, left: float, pw: float, bottom: float) -> None:
    d.add(String(left, bottom - 9, period.start.isoformat(), fontName=FONT, fontSize=6.5))
    d.add(String(left + pw, bottom - 9, period.end.isoformat(), fontName=FONT, fontSize=6.5,
                 textAnchor="end"))


def _runs(items: list, key) -> list[list]:
    """Split day-ordered items where a day is missing, so gaps show as gaps instead of straight lines."""
    runs: list[list] = []
    for item in sorted(items, key=key):
        if runs and (key(item) - key(runs[-1][-1])).days == 1:
            runs[-1].append(item)
        else:
            runs.append([item])
    return runs


def _nice_range(lo: float, hi: float) -> tuple[float, float, list[float]]:
    if hi - lo < 1e-9:
        lo, hi = lo - 1, hi + 1
    raw = (hi - lo) / 4
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    start = math.floor(lo / step) * step
    stop = math.ceil(hi / step) * step
    ticks = [start + i * step for i in range(int(round((stop - start) / step)) + 1)]
    return start, stop, ticks


def _tick_text(t: float, ticks: list[float]) -> str:
    step = ticks[1] - ticks[0] if len(ticks) > 1 else 1
    decimals = 0 if step >= 1 else (1 if step >= 0.1 else 2)
    return f"{t:.{decimals}f}"

