"""Small, deterministic statistics for the report: summaries, trend, typical range, bucketing.

Pure Python where it can be (exact, platform-independent arithmetic keeps the PDF and bundle byte-identical
between runs); the trend is the app's own line fit (core/metrics/trajectory.py), rounded before it is shown.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta
from statistics import median

import numpy as np

from healthdesk.clinical.report_data import DailyValue, Period
from healthdesk.core.metrics.baseline import WINDOW_DAYS as WINDOW_DAYS_BASELINE
from healthdesk.core.metrics.baseline import typical_range
from healthdesk.core.metrics.trajectory import MIN_DAYS, MIN_R2, WINDOW_DAYS, ols

BASELINE_WINDOW_DAYS = WINDOW_DAYS_BASELINE
UNIT_SCALE = {"sleep_duration": 60.0}  # the report's sleep is in hours, core's minimum half-width in minutes
TREND_WINDOW_DAYS, TREND_MIN_DAYS, TREND_MIN_R2 = WINDOW_DAYS, MIN_DAYS, MIN_R2  # the app's Trends page


@dataclass(frozen=True)
class Summary:
    n: int
    minimum: float
    median: float
    maximum: float
    trend_per_week: float | None  # the app's line fit; None when a gate below fails
    trend_days: int = 0  # days inside the trend window
    trend_r2: float | None = None


def summarize(values: tuple[DailyValue, ...] | list[DailyValue]) -> Summary | None:
    if not values:
        return None
    xs = [v.value for v in values]
    slope, days, r2 = trend_per_week(values)
    return Summary(len(xs), min(xs), median(xs), max(xs), slope, days, r2)


def trend_per_week(values: tuple[DailyValue, ...] | list[DailyValue]) -> tuple[float | None, int, float | None]:
    """(slope per 7 days, days used, R^2) by the app's method (docs/metrics.md §19, core/metrics/trajectory):
    a least-squares line over the last 30 days up to the newest value, only from 14 days and only when the
    line explains at least 30 % of the day-to-day variation (R^2 >= 0.3); the slope is None otherwise."""
    if not values:
        return None, 0, None
    last = max(v.day for v in values)
    recent = [v for v in values if (last - v.day).days < TREND_WINDOW_DAYS]
    days = len({v.day for v in recent})
    if days < TREND_MIN_DAYS:
        return None, days, None
    fit = ols(np.array([(v.day - last).days for v in recent], dtype=np.float64),
              np.array([v.value for v in recent], dtype=np.float64))
    if fit is None:
        return None, days, None
    r2 = round(fit.r2, 6)  # a few bits of platform noise never flip the gate or the printed PDF
    return (round(fit.slope * 7, 9) if r2 >= TREND_MIN_R2 else None), days, r2


def plural(count: int, word: str, many: str | None = None) -> str:
    """"1 night", "2 nights" (and "1 day", "0 workouts"): every count the report prints."""
    return f"{count} {word if count == 1 else (many or word + 's')}"


def trend_text(summary: Summary | None, decimals: int, unit: str = "") -> str:
    """"rising +0.8 bpm per week", "no clear trend", or "too few days" - the trend cell of every table."""
    if summary is None or summary.trend_days < TREND_MIN_DAYS:
        return "too few days"
    if summary.trend_per_week is None:
        return "no clear trend"
    slope = summary.trend_per_week
    places = max(decimals, 1)
    shown_slope = round(slope, places) or 0.0  # never print "-0.0"
    word = "stable" if shown_slope == 0 else ("rising" if slope > 0 else "falling")
    per = f" {unit} per week" if unit else " per week"
    return f"{word} {shown_slope:+.{places}f}{per}"


@dataclass(frozen=True)
class BaselineBand:
    day: date
    low: float
    centre: float
    high: float


def baseline_bands(
    values: tuple[DailyValue, ...], lead_in: tuple[DailyValue, ...], period: Period, metric: str,
) -> list[BaselineBand]:
    """Per day of the period: the typical range (median ± 1·1.4826·MAD of the 30 days before it, with the
    metric's minimum half-width, floor and ceiling) by core/metrics/baseline.py, docs/metrics.md §18.

    Days with fewer than 7 prior values get no band rather than a band built on too little data; recovery
    never gets one (charts shade its zones, core's RECOVERY_ZONES).
    """
    scale = UNIT_SCALE.get(metric, 1.0)
    by_day = {v.day: v.value * scale for v in (*lead_in, *values)}
    bands: list[BaselineBand] = []
    day = period.start
    while day <= period.end:
        window = [by_day[d] for d in _days(day - timedelta(days=BASELINE_WINDOW_DAYS), day) if d in by_day]
        if (band := typical_range(window, metric)) is not None:
            low, centre, high = (x / scale for x in band)
            bands.append(BaselineBand(day, low, centre, high))
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
