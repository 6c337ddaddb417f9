"""Report statistics against worked examples (metrics.md §18) and hand-computed values."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from healthdesk.clinical.report_data import DailyValue, InvalidPeriod, Period
from healthdesk.clinical.stats import baseline_bands, bucketize, summarize, theil_sen_per_week, trend_text

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


def test_summary_and_theil_sen_trend():
    values = _vals([50 + 0.5 * i for i in range(14)])  # +0.5 a day = +3.5 a week
    values = values[:5] + (DailyValue(values[5].day, 90.0),) + values[6:]  # one wild night barely matters
    s = summarize(values)
    assert (s.n, s.minimum, s.maximum) == (14, 50, 90.0)
    assert s.trend_per_week == pytest.approx(3.5)
    assert trend_text(s, 0) == "rising +3.5/wk"
    assert theil_sen_per_week(values[:6]) is None and trend_text(summarize(values[:6]), 0) == "too few days"
    flat = summarize(_vals([60 - 0.005 * i for i in range(7)]))  # -0.035/wk rounds to -0.0
    assert trend_text(flat, 0) == "stable +0.0/wk"  # never "-0.0"


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
