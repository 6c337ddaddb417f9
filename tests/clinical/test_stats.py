"""Report statistics against worked examples (metrics.md §18) and hand-computed values."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from healthdesk.clinical.report_data import DailyValue, InvalidPeriod, Period
from healthdesk.clinical.stats import baseline_bands, bucketize, plural, summarize, trend_text

D0 = date(2026, 10, 1)


def _vals(values, start=D0):
    return tuple(DailyValue(start + timedelta(days=i), v) for i, v in enumerate(values) if v is not None)


def test_baseline_band_worked_example():
    lead = _vals([60, 62, 61, 59, 63, 60, 58], D0 - timedelta(days=7))
    (band,) = baseline_bands((), lead, Period(D0, D0), min_halfwidth=2, floor=20)
    assert band.centre == 60
    assert band.low == pytest.approx(55.5522) and band.high == pytest.approx(64.4478)


def test_baseline_band_needs_seven_days_and_respects_floor_ceiling_and_min_width():
    six = _vals([60] * 6, D0 - timedelta(days=6))
    assert baseline_bands((), six, Period(D0, D0), 2, 20) == []
    flat = _vals([99] * 7, D0 - timedelta(days=7))
    (band,) = baseline_bands((), flat, Period(D0, D0), 5, 50, ceiling=100)
    assert (band.low, band.centre, band.high) == (94, 99, 100)  # MAD 0 -> min half-width, capped at 100
    (band,) = baseline_bands((), _vals([3] * 7, D0 - timedelta(days=7)), Period(D0, D0), 5, 0)
    assert band.low == 0


def test_summary_and_the_apps_trend_with_units():
    values = _vals([50 + 0.5 * i for i in range(14)])  # +0.5 a day = +3.5 a week, a perfect line
    s = summarize(values)
    assert (s.n, s.minimum, s.maximum, s.median) == (14, 50, 56.5, 53.25)
    assert s.trend_per_week == pytest.approx(3.5) and s.trend_r2 == pytest.approx(1.0) and s.trend_days == 14
    assert trend_text(s, 0, "bpm") == "rising +3.5 bpm per week"
    assert trend_text(summarize(values[:13]), 0, "bpm") == "too few days"  # the app's 14-day gate
    zigzag = summarize(_vals([60 + (1 if i % 2 else -1) for i in range(20)]))  # no line explains this
    assert zigzag.trend_r2 is not None and zigzag.trend_r2 < 0.3 and zigzag.trend_per_week is None
    assert trend_text(zigzag, 0, "bpm") == "no clear trend"
    falling = summarize(_vals([70 - 1.0 * i for i in range(15)]))
    assert trend_text(falling, 1, "ms") == "falling -7.0 ms per week"
    # Only the last 30 days count, as on the app's Trends page: a flat old stretch does not dilute the slope.
    old_then_rising = _vals([40.0] * 20 + [50 + 0.5 * i for i in range(30)])
    assert summarize(old_then_rising).trend_per_week == pytest.approx(3.5)
    assert summarize(old_then_rising).trend_days == 30


def test_plural():
    assert [plural(n, "night") for n in (0, 1, 2)] == ["0 nights", "1 night", "2 nights"]
    assert plural(1, "day") == "1 day" and plural(3, "entry", "entries") == "3 entries"


def test_bucketize_medians_aligned_to_period_start():
    period = Period(D0, D0 + timedelta(days=9))
    values = _vals([1, 2, 3, None, 5, 6, 7, 8, 9, 10])
    buckets = bucketize(values, period, 4)
    assert [(b.first_day.day, b.last_day.day, b.value, b.n, b.confidence) for b in buckets] == [
        (1, 4, 2, 3, 1.0), (5, 8, 6.5, 4, 1.0), (9, 10, 9.5, 2, 1.0)]


@pytest.mark.parametrize("start,end,tz,message", [
    (date(2026, 10, 2), date(2026, 10, 1), "UTC", "before it starts"),
    (date(2020, 1, 1), date(2026, 1, 1), "UTC", "731-day maximum"),
    (D0, D0, "Nowhere/Land", "unknown timezone"),
])
def test_invalid_periods(start, end, tz, message):
    with pytest.raises(InvalidPeriod, match=message):
        Period(start, end, tz)
