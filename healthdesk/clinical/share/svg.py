"""Inline SVG trend charts for the clinician view: the PDF chart's content, drawn as escaped SVG markup.

Attributes only (no style attributes, no script), so the page's strict CSP needs nothing for them.
Two widths: WIDTH for desktops, NARROW for phones (the view's stylesheet shows one or the other), so chart
text is drawn at a size that stays legible when the browser scales the chart to the screen.
"""

from __future__ import annotations

from datetime import date
from html import escape

from healthdesk.clinical.catalogue import MetricSpec
from healthdesk.clinical.charts import ZONE_LEGEND, _nice_range, _runs, _tick_text, zone_edges
from healthdesk.clinical.report_data import BAND, SOURCE_SHORT, SOURCES, ReportData
from healthdesk.clinical.stats import baseline_bands
from healthdesk.core.metrics.baseline import NO_BAND

WIDTH, HEIGHT = 760, 206
NARROW, NARROW_HEIGHT = 360, 230
LEFT, RIGHT, TOP, BOTTOM = 48, 10, 42, 26
NARROW_LEFT = 40
LEGEND_CHARS = {WIDTH: 120, NARROW: 52}  # a legend line wraps after about this many characters
COLORS = {BAND: "#1f4e79", "whoop_cloud": "#6b6b6b"}
DASH = {BAND: "", "whoop_cloud": ' stroke-dasharray="5 3"'}
ZONE_FILL = {"red": "#fadbdb", "yellow": "#fcf5d6", "green": "#e0f2e0"}  # recovery zones, light


def trend_svg(data: ReportData, spec: MetricSpec, width: int = WIDTH, css_class: str = "chart") -> str:
    period = data.period
    narrow = width < WIDTH
    height, left = (NARROW_HEIGHT, NARROW_LEFT) if narrow else (HEIGHT, LEFT)
    label, small = (13, 12) if narrow else (11, 11)
    series = {src: s for src in SOURCES if (s := data.series_for(spec.key, src)) is not None}
    # Baseline from the source with the most days: two overlapping bands would blur the picture.
    base_src = max(series, key=lambda src: len(series[src].values), default=None)
    bands = baseline_bands(series[base_src].values, (), period, spec.key) if base_src else []
    zones = spec.key in NO_BAND and bool(series)  # recovery: its zones, not a band (metrics.md §18)
    legend = [f"{SOURCE_SHORT[s]}: {'solid' if s == BAND else 'dashed'} line" for s in series]
    if bands:
        legend.append(f"grey area: typical range ({SOURCE_SHORT[base_src]}, within the shared period)")
    if zones:
        legend.append(ZONE_LEGEND)
    lines = _wrap("; ".join(legend), LEGEND_CHARS[WIDTH if not narrow else NARROW])
    top = TOP + (len(lines) - 1) * (small + 3)
    height += top - TOP
    pw, ph = width - left - RIGHT, height - top - BOTTOM
    title = f"{spec.label} ({spec.display_unit})"
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
           f'aria-label="{escape(title)}" class="{escape(css_class)}">',
           f"<title>{escape(title)}</title>",
           f'<text x="0" y="14" font-size="{label + 2}" font-weight="bold">{escape(title)}</text>',
           f'<rect x="{left}" y="{top}" width="{pw}" height="{ph}" fill="none" stroke="#999" stroke-width="0.6"/>']
    ys = [v.value for s in series.values() for v in s.values] + [y for b in bands for y in (b.low, b.high)]
    ys += [0.0, 100.0] if zones else []
    if not ys:
        out.append(f'<text x="{left + pw / 2}" y="{top + ph / 2}" text-anchor="middle" font-size="{label}">'
                   "no data recorded in this period</text>")
        return "".join(out + _date_labels(period.start, period.end, left, pw, height, small) + ["</svg>"])
    lo, hi, ticks = _nice_range(min(ys), max(ys))
    span = max(period.days - 1, 1)

    def xy(day: date, value: float) -> str:
        x = left + pw * ((day - period.start).days / span if period.days > 1 else 0.5)
        y = top + ph - ph * (value - lo) / (hi - lo)
        return f"{x:.1f},{y:.1f}"

    for t in ticks:
        y = top + ph - ph * (t - lo) / (hi - lo)
        out.append(f'<line x1="{left}" y1="{y:.1f}" x2="{left + pw}" y2="{y:.1f}" stroke="#e3e3e3"/>'
                   f'<text x="{left - 5}" y="{y + 4:.1f}" text-anchor="end" font-size="{small}">'
                   f"{escape(_tick_text(t, ticks))}</text>")
    for name, zone_low, zone_top in zone_edges() if zones else ():
        y0, y1 = (top + ph - ph * (v - lo) / (hi - lo) for v in (zone_top, zone_low))
        out.append(f'<rect x="{left}" y="{y0:.1f}" width="{pw}" height="{y1 - y0:.1f}" fill="{ZONE_FILL[name]}"/>')
    for run in _runs(bands, key=lambda b: b.day):
        pts = [xy(b.day, b.high) for b in run] + [xy(b.day, b.low) for b in reversed(run)]
        out.append(f'<polygon points="{" ".join(pts)}" fill="#dcdcdc" stroke="none"/>')
    for src, s in series.items():
        for run in _runs(list(s.values), key=lambda v: v.day):
            pts = " ".join(xy(v.day, v.value) for v in run)
            if len(run) > 1:
                out.append(f'<polyline points="{pts}" fill="none" stroke="{COLORS[src]}" '
                           f'stroke-width="1.6"{DASH[src]}/>')
            if len(run) == 1 or len(s.values) <= 62:
                for v in run:
                    x, y = xy(v.day, v.value).split(",")
                    out.append(f'<circle cx="{x}" cy="{y}" r="2.2" fill="{COLORS[src]}">'
                               f"<title>{v.day.isoformat()}: {v.value:.{spec.decimals}f}</title></circle>")
    for i, line in enumerate(lines):
        out.append(f'<text x="0" y="{31 + i * (small + 3)}" font-size="{small}" fill="#444">{escape(line)}</text>')
    return "".join(out + _date_labels(period.start, period.end, left, pw, height, small) + ["</svg>"])


def _wrap(text: str, limit: int) -> list[str]:
    lines: list[str] = []
    for word in text.split(" "):
        if lines and len(lines[-1]) + 1 + len(word) <= limit:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines or [""]


def _date_labels(first: date, last: date, left: float, pw: float, height: float, size: int) -> list[str]:
    y = height - 8
    return [f'<text x="{left}" y="{y}" font-size="{size}">{first.isoformat()}</text>',
            f'<text x="{left + pw}" y="{y}" text-anchor="end" font-size="{size}">{last.isoformat()}</text>']
