"""The day label (docs/metrics.md §1): a cycle is named by the morning its opening main sleep ends.

Worked examples as unit tests, the label against the simulator's and the real capture's wake times, and the one
offset parser / ISO helper.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from healthdesk.band.whoop4.decode import decode_hex_lines
from healthdesk.core.metrics.engine import derive_records
from healthdesk.core.timeutil import (
    assign_cycles,
    day_of,
    iso_unix,
    local_date,
    morning_date,
    parse_iso,
    parse_offset,
)


def ts(text: str, tz_offset_s: int = 0) -> float:
    """Local wall-clock text in a fixed UTC offset -> unix seconds."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp() - tz_offset_s


# Mon 2024-01-01 .. Wed 2024-01-03 (metrics §1 worked example)
MON_NIGHT = (ts("2024-01-01T23:30"), ts("2024-01-02T07:10"))
TUE_NIGHT = (ts("2024-01-02T23:50"), ts("2024-01-03T06:40"))
TUE_NAP = (ts("2024-01-02T14:00"), ts("2024-01-02T14:40"))
MON, TUE, WED = date(2024, 1, 1), date(2024, 1, 2), date(2024, 1, 3)


def test_worked_example_labels_each_cycle_by_its_morning():
    cycles = assign_cycles([MON_NIGHT[0], TUE_NIGHT[0]], ts("2024-01-01T21:00"), ts("2024-01-03T12:00"), 0)
    evening, a, b = cycles
    assert (a.day, a.start, a.end) == (TUE, MON_NIGHT[0], TUE_NIGHT[0])  # Mon 23:30 -> Tue 07:10 is "Tue"
    assert (a.end - a.start) / 60 == 24 * 60 + 20
    assert (b.day, b.start, b.end) == (WED, TUE_NIGHT[0], None)  # the open cycle: Wed, until the next sleep
    assert b.is_open and not a.is_open
    assert morning_date(MON_NIGHT[0], 0) == local_date(MON_NIGHT[1], 0)  # the label is the wake's date
    assert morning_date(TUE_NIGHT[0], 0) == local_date(TUE_NIGHT[1], 0)
    # the evening before the first detected sleep is its own day (Mon), not a day before it and not Tue
    assert evening.fallback and evening.day == MON and evening.end == MON_NIGHT[0]


def test_naps_and_workouts_belong_to_the_cycle_holding_their_start():
    onsets = [MON_NIGHT[0], TUE_NIGHT[0]]
    assert day_of(TUE_NAP[0], onsets, 0) == TUE  # the nap is in cycle A (and credits Tue night's need)
    assert day_of(ts("2024-01-02T18:00"), onsets, 0) == TUE  # Tue's evening run: Tue's strain
    assert day_of(ts("2024-01-02T23:49"), onsets, 0) == TUE
    assert day_of(TUE_NIGHT[0], onsets, 0) == WED  # from the Tue-night onset on: Wed's cycle
    assert day_of(ts("2024-01-03T00:30"), onsets, 0) == WED
    assert day_of(ts("2024-01-01T20:00"), onsets, 0) == MON  # before any sleep: the calendar date


def test_after_midnight_onsets_late_sleepers_and_offsets_name_the_same_morning():
    assert morning_date(ts("2024-01-02T00:40"), 0) == TUE  # Tue 00:40 -> Tue 08:00
    assert morning_date(ts("2024-01-02T11:00"), 0) == TUE  # a late sleeper's morning-after-noon sleep
    assert morning_date(ts("2024-01-01T21:40"), 0) == TUE
    for offset in (-5 * 3600, 0, 5 * 3600 + 1800, 14 * 3600):
        assert morning_date(ts("2024-01-01T23:30", offset), offset) == TUE, offset


def test_nights_never_share_a_label_and_none_is_skipped():
    onsets = [ts(f"2024-01-{d:02d}T{h}") for d, h in ((1, "23:30"), (3, "00:20"), (3, "22:10"), (5, "01:05"))]
    days = [c.day for c in assign_cycles(onsets, onsets[0], ts("2024-01-06T12:00"), 0)]
    assert days == [date(2024, 1, 2), date(2024, 1, 3), date(2024, 1, 4), date(2024, 1, 5)]


def test_the_offset_parser_reads_every_spelling_the_sources_use():
    """WHOOP cloud ('+01:00', 'Z') and the WHOOP export ('UTC+01:00', 'UTCZ', 'GMT-5') through one parser."""
    spellings = {"+01:00": 3600, "-05:00": -18000, "Z": 0, "UTC+01:00": 3600, "UTCZ": 0, "GMT-5": -18000,
                 "UTC": 0, "GMT": 0, "GMT+5:30": 19800, "UTC-03:30": -12600, "utc+0545": 20700, "+1": 3600,
                 " UTC +02:00 ": 7200}
    assert {text: parse_offset(text) for text in spellings} == spellings


def test_one_offset_parser_and_one_iso_helper():
    assert [parse_offset(o) for o in ("Z", None, "", "+01:00", "-05:30", "+0530", "+14")] == [
        0, 0, 0, 3600, -19800, 19800, 50400]
    for bad in ("01:00", "+01:00:00", "+123", "+5:3", "5 hours", "UTC+15", "+01:60", "GMTX", "ZZ", "Z+01"):
        with pytest.raises(ValueError):
            parse_offset(bad)
    assert iso_unix("2024-01-02T07:10:00.000Z") == MON_NIGHT[1]
    assert iso_unix("2024-01-02T08:10:00+01:00") == MON_NIGHT[1]
    with pytest.raises(ValueError):
        parse_iso("2024-01-02T07:10:00")  # no zone: refused, never guessed


def test_simulated_nights_are_named_by_their_wake(fortnight):
    tz = 3600  # the fortnight's wearer clock (tests/metrics/conftest.py)
    slept = [r for r in fortnight.results if r.sleep is not None]
    assert len(slept) >= 12
    for r in slept:
        assert r.cycle.day == local_date(r.sleep.end, tz), (r.cycle.day, r.sleep.end)
    days = [r.cycle.day for r in fortnight.results]
    assert days == sorted(set(days))  # one label per cycle, increasing
    assert all(b - a == timedelta(days=1) for a, b in zip(days, days[1:], strict=False))  # none skipped


def test_real_overnight_capture_is_named_2024_04_12_only(overnight_capture):
    records = decode_hex_lines(overnight_capture.read_bytes()).records
    results = derive_records(records, tz_offset_s=0)
    slept = [r for r in results if r.sleep is not None]
    assert [r.cycle.day for r in slept] == [date(2024, 4, 12)]
    assert local_date(slept[0].sleep.end, 0) == date(2024, 4, 12)  # the morning it ends
    for r in results:
        if r.sleep is None:  # the evening before the first sleep: its own date, and no night in it
            assert r.cycle.day < date(2024, 4, 12) and r.metrics["sleep_duration"].value is None
