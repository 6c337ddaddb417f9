"""Small, deterministic statistics for the report: summaries, trend, personal baseline band, bucketing.

Pure Python on purpose: a year is ~365 values per series, and exact, platform-independent arithmetic keeps
the PDF and bundle byte-identical between runs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta
from statistics import median

from healthdesk.clinical.report_data import DailyValue, Period

BASELINE_WINDOW_DAYS = 30
BASELINE_MIN_VALUES = 7
BASELINE_K = 3.0
MAD_TO_SIGMA = 1.4826
TREND_MIN_VALUES = 7


@dataclass(frozen=True)
class Summary:
    n: int
    minimum: float
    median: float
    maximum: float
    trend_per_week: float | None  # Theil-Sen slope; None with fewer than TREND_MIN_VALUES days


def summarize(values: tuple[DailyValue, ...] | list[DailyValue]) -> Summary | None:
    if not values:
        return None
    xs = [v.value for v in values]
    return Summary(len(xs), min(xs), median(xs), max(xs), theil_sen_per_week(values))


def theil_sen_per_week(values: tuple[DailyValue, ...] | list[DailyValue]) -> float | None:
    """Median of pairwise slopes (robust to a few odd nights), in units per 7 days."""
    if len(values) < TREND_MIN_VALUES:
        return None
    pts = [(v.day.toordinal(), v.value) for v in values]
    slopes = [
        (y2 - y1) / (x2 - x1)
        for i, (x1, y1) in enumerate(pts)
        for (x2, y2) in pts[i + 1:]
        if x2 != x1
    ]
    return median(slopes) * 7 if slopes else None


def trend_text(summary: Summary | None, decimals: int) -> str:
    if summary is None or summary.trend_per_week is None:
        return "too few days"
    slope = summary.trend_per_week
    places = max(decimals, 1)
    shown_slope = round(slope, places) or 0.0  # never print "-0.0"
    shown = f"{shown_slope:+.{places}f}/wk"
    # Less than 1 % of the median per week reads as flat: the word stops over-reading noise.
    scale = abs(summary.median) or 1.0
    word = "stable" if abs(slope) < 0.01 * scale else ("rising" if slope > 0 else "falling")
    return f"{word} {shown}"


@dataclass(frozen=True)
class BaselineBand:
    day: date
    low: float
    centre: float
    high: float


def baseline_bands(
    values: tuple[DailyValue, ...], lead_in: tuple[DailyValue, ...], period: Period,
    min_halfwidth: float, floor: float, ceiling: float | None = None,
) -> list[BaselineBand]:
    """Per day of the period: median ± 3·1.4826·MAD of the trailing 30 days (metrics.md §18).

    Days with fewer than 7 prior values get no band rather than a band built on too little data.
    """
    by_day = {v.day: v.value for v in (*lead_in, *values)}
    bands: list[BaselineBand] = []
    day = period.start
    while day <= period.end:
        window = [by_day[d] for d in _days(day - timedelta(days=BASELINE_WINDOW_DAYS), day) if d in by_day]
        if len(window) >= BASELINE_MIN_VALUES:
            centre = median(window)
            sigma = MAD_TO_SIGMA * median(abs(x - centre) for x in window)
            half = max(BASELINE_K * sigma, min_halfwidth)
            high = centre + half if ceiling is None else min(centre + half, ceiling)
            bands.append(BaselineBand(day, max(centre - half, floor), centre, high))
        day += timedelta(days=1)
    return bands


def _days(first: date, stop: date):
    d = first
    while d < stop:
        yield d
        d += timedelta(days=1)


@dataclass(frozen=True)
class Bucket:
    first_day: date
    last_day: date
    value: float
    n: int  # days with data inside the bucket
    confidence: float  # the lowest confidence among those days


def bucket_days_for(period: Period, cap: int) -> int:
    """Days per bucket so a series over the period has at most `cap` points (1 = daily values)."""
    return max(1, math.ceil(period.days / cap))


def bucketize(values: tuple[DailyValue, ...], period: Period, width: int) -> list[Bucket]:
    """Median of the daily values in consecutive `width`-day buckets aligned to the period start."""
    groups: dict[int, list[DailyValue]] = {}
    for v in values:
        if period.contains(v.day):
            groups.setdefault((v.day - period.start).days // width, []).append(v)
    out = []
    for idx in sorted(groups):
        first = period.start + timedelta(days=idx * width)
        last = min(first + timedelta(days=width - 1), period.end)
        vals = [v.value for v in groups[idx]]
        out.append(Bucket(first, last, median(vals), len(vals), min(v.confidence for v in groups[idx])))
    return out
