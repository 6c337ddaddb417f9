"""Report statistics against worked examples (metrics.md §18) and hand-computed values."""

from __future__ import annotations

from datetime import UTC, date, timedelta

import pytest

from healthdesk.clinical.report_data import DailyValue, InvalidPeriod, Period
from healthdesk.clinical.stats import baseline_bands, bucketize, plural, summarize, trend_text

D0 = date(2026, 10, 1)


def _vals(values, start=D0):
    return tuple(DailyValue(start + timedelta(days=i), v) for i, v in enumerate(values) if v is not None)


def test_typical_range_worked_example():
    # metrics.md §18: [60, 62, 61, 59, 63, 60, 58] -> median 60, MAD 1, sigma 1.4826 < the 2-bpm minimum
    # half-width, so the typical range is 58-62 bpm (not the old +-3 sigma 55.55-64.45).
    lead = _vals([60, 62, 61, 59, 63, 60, 58], D0 - timedelta(days=7))
    (band,) = baseline_bands((), lead, Period(D0, D0), "resting_hr")
    assert (band.low, band.centre, band.high) == (58, 60, 62)
    # A wider spread: [50, 60, 70, 55, 65, 60, 60] -> median 60, |dev| 10,0,10,5,5,0,0 -> MAD 5,
    # sigma 7.413 > 2: 52.587-67.413.
    wide = _vals([50, 60, 70, 55, 65, 60, 60], D0 - timedelta(days=7))
    (band,) = baseline_bands((), wide, Period(D0, D0), "resting_hr")
    assert band.low == pytest.approx(52.587) and band.high == pytest.approx(67.413)


def test_typical_range_needs_seven_days_and_respects_floor_ceiling_min_width_and_units():
    six = _vals([60] * 6, D0 - timedelta(days=6))
    assert baseline_bands((), six, Period(D0, D0), "resting_hr") == []
    flat = _vals([99.5] * 7, D0 - timedelta(days=7))
    (band,) = baseline_bands((), flat, Period(D0, D0), "spo2")
    assert (band.low, band.centre, band.high) == (98.5, 99.5, 100)  # MAD 0 -> 1-point minimum, capped at 100
    (band,) = baseline_bands((), _vals([0.3] * 7, D0 - timedelta(days=7)), Period(D0, D0), "day_strain")
    assert band.low == 0  # 1.0 minimum half-width, never below 0
    # Sleep in hours: the 20-minute minimum half-width is 1/3 h around 7.5 h.
    (band,) = baseline_bands((), _vals([7.5] * 7, D0 - timedelta(days=7)), Period(D0, D0), "sleep_duration")
    assert band.low == pytest.approx(7.5 - 1 / 3) and band.high == pytest.approx(7.5 + 1 / 3)


def test_recovery_gets_no_band():
    lead = _vals([40, 55, 70, 62, 48, 66, 59, 61], D0 - timedelta(days=8))
    assert baseline_bands((), lead, Period(D0, D0), "recovery") == []


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


def test_share_view_chart_shades_the_typical_range_and_recovery_zones():
    """The share view's SVG: vitals get a grey typical-range polygon, recovery the three zone rectangles."""
    from datetime import datetime

    from healthdesk.clinical.catalogue import METRICS
    from healthdesk.clinical.report_data import BAND, DailySeries, ReportData
    from healthdesk.clinical.share.svg import ZONE_FILL, trend_svg

    period = Period(D0, D0 + timedelta(days=13))
    rhr = _vals([60, 62, 61, 59, 63, 60, 58, 61, 60, 62, 59, 60, 61, 60])
    rec = _vals([40, 55, 70, 62, 48, 66, 59, 61, 35, 80, 52, 64, 71, 58])
    data = ReportData(period, datetime(2026, 10, 20, tzinfo=UTC), "test",
                      series=(DailySeries("resting_hr", BAND, rhr), DailySeries("recovery", BAND, rec)))
    vitals = trend_svg(data, METRICS["resting_hr"])
    assert "<polygon" in vitals and "typical range" in vitals and "zones" not in vitals
    recovery = trend_svg(data, METRICS["recovery"])
    assert "<polygon" not in recovery and "typical range" not in recovery
    assert all(f'fill="{fill}"' in recovery for fill in ZONE_FILL.values()) and "recovery zones" in recovery
