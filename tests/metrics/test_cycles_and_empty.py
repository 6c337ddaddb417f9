"""Cycle assignment (metrics.md §1) and the no-data case (dashes, not zeros)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from healthdesk.core.metrics.engine import derive_span
from healthdesk.core.metrics.features import empty_minutes
from healthdesk.core.metrics.registry import REGISTRY
from healthdesk.core.timeutil import assign_cycles, morning_date


def ts(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()


def test_worked_example_cycles_and_nap():
    # Mon 2024-01-01 23:30 -> Tue 07:10, Tue 23:50 -> Wed 06:40 (nap Tue 14:00-14:40 is not an onset)
    cycles = assign_cycles(
        [ts("2024-01-01T23:30"), ts("2024-01-02T23:50")], ts("2024-01-01T22:00"), ts("2024-01-03T12:00"), 0
    )
    a, b = cycles[-2], cycles[-1]
    # morning-date labels (metrics §1; v0.1 named cycles by the evening before: 01, 02 and 2023-12-31)
    assert (a.day, a.start, a.end) == (date(2024, 1, 2), ts("2024-01-01T23:30"), ts("2024-01-02T23:50"))
    assert (a.end - a.start) / 60 == 24 * 60 + 20
    assert (b.day, b.end) == (date(2024, 1, 3), None)
    assert cycles[0].fallback and cycles[0].day == date(2024, 1, 1)  # the evening before: its own date


def test_after_midnight_onset_names_the_same_morning_and_labels_never_collide():
    assert morning_date(ts("2024-01-03T00:40"), 0) == date(2024, 1, 3)
    assert morning_date(ts("2024-01-02T21:40"), 0) == date(2024, 1, 3)
    assert morning_date(ts("2024-01-02T23:30"), -5 * 3600) == date(2024, 1, 3)
    onsets = [ts("2024-01-02T00:10"), ts("2024-01-02T23:50"), ts("2024-01-04T00:20")]
    days = [c.day for c in assign_cycles(onsets, onsets[0], ts("2024-01-05T00:00"), 0)]
    assert days == [date(2024, 1, 2), date(2024, 1, 3), date(2024, 1, 4)]


def test_no_sleep_for_days_keeps_one_cycle_open_as_multi_day():
    cycles = assign_cycles(
        [ts("2024-01-01T23:00"), ts("2024-01-04T23:00")], ts("2024-01-01T22:00"), ts("2024-01-05T10:00"), 0
    )
    assert cycles[1].note == "multi_day" and cycles[1].end - cycles[1].start == 72 * 3600


def test_calendar_days_while_no_sleep_is_known():
    cycles = assign_cycles([], ts("2024-01-01T08:00"), ts("2024-01-03T10:00"), 0)
    assert [c.day for c in cycles] == [date(2024, 1, 1), date(2024, 1, 2), date(2024, 1, 3)]
    assert all(c.fallback for c in cycles) and cycles[-1].end is None


def test_a_day_without_data_gives_none_with_zero_confidence_for_every_metric():
    minutes = empty_minutes(int(ts("2024-01-01T00:00")), int(ts("2024-01-02T00:00")))
    results = derive_span(minutes, 0)
    assert len(results) == 1
    metrics = results[0].metrics
    assert set(metrics) == set(REGISTRY.units)
    for name, m in metrics.items():
        assert m.value is None and m.confidence == 0, name
        assert m.unit == REGISTRY.units[name] and m.note
    assert results[0].workouts is None  # not assessable, which is not "no workout"
    assert derive_span(minutes[:0], 0) == []
