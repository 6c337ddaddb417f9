"""Band side of the report loader: devices, wear time and mean HR from minute rollups, derived sleeps/workouts.

Works on a database where a table does not exist yet: that part of the report is then honestly empty.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from healthdesk.clinical.report_data import BAND, DailyValue, DeviceInfo, Period, SleepSession, Workout
from healthdesk.store.corrections import edited_workout_windows, overlaps
from healthdesk.store.derived import sleeps_between, workouts_between
from healthdesk.store.report_reads import device_names, has_tables, hourly_rollups

MODEL_NAMES = {"whoop4": "WHOOP 4.0"}
# A day's mean HR needs a few hours of wear to say something about the day (confidence 1 at 16 h).
AVG_HR_MIN_WORN_MIN = 240.0
AVG_HR_FULL_WORN_MIN = 960.0
STAGE_CODES = {"0": "deep", "1": "light", "2": "rem"}  # services/derive.py: 0 deep 1 light 2 REM 3 awake


@dataclass
class BandData:
    devices: list[DeviceInfo] = field(default_factory=list)
    wear_minutes_by_day: dict[date, float] = field(default_factory=dict)
    avg_hr: list[DailyValue] = field(default_factory=list)
    sleeps: list[SleepSession] = field(default_factory=list)
    workouts: list[Workout] = field(default_factory=list)


def load_band(conn: Any, period: Period, share_serial: bool,
              firmware_by_name: dict[str, str] | None = None) -> BandData:
    out = BandData()
    for dev in device_names(conn):
        # The stored name is the advertised name or serial: shared only when the user allowed it.
        out.devices.append(DeviceInfo(BAND, MODEL_NAMES.get(dev.model, dev.model or "WHOOP band"),
                                      firmware=(firmware_by_name or {}).get(dev.name),
                                      serial=dev.name if share_serial else None))
    _rollup_days(conn, period, out)
    t0, t1 = period.day_start(period.start).timestamp(), period.day_end(period.end).timestamp()
    # Sleeps and workouts are picked by their stored day (the morning date, docs/metrics.md §1), the label
    # every other place uses; a cycle named D can start the evening before D.
    if has_tables(conn, ("band_sleeps",)):
        for s in sleeps_between(conn, t0 - 2 * 86400, t1 + 86400):
            if s.source == BAND and period.contains(date.fromisoformat(s.day)):
                out.sleeps.append(_sleep(s, period))
    if has_tables(conn, ("band_workouts",)):
        edited = edited_workout_windows(conn, t0 - 2 * 86400, t1 + 86400)  # relabelled (store/corrections)
        for w in workouts_between(conn, t0 - 2 * 86400, t1 + 86400):
            if w.source == BAND and period.contains(date.fromisoformat(w.day)):
                out.workouts.append(Workout(BAND, _local(w.start, period), _local(w.end, period),
                                            w.kind or "activity (detected)", w.strain, w.avg_hr, w.max_hr,
                                            day=date.fromisoformat(w.day),
                                            edited=w.user_edited or any(overlaps(a, b, w.start, w.end)
                                                                        for a, b in edited)))
    return out


def _local(unix: float, period: Period) -> datetime:
    return datetime.fromtimestamp(unix, UTC).astimezone(period.tz)


def _sleep(s, period: Period) -> SleepSession:
    stages = (s.detail or {}).get("stages")
    counts = {name: float(stages.count(code)) for code, name in STAGE_CODES.items()} if stages else {}
    return SleepSession(BAND, _local(s.start, period), _local(s.end, period), s.asleep_min,
                        counts.get("light"), counts.get("deep"), counts.get("rem"),
                        max(s.tib_min - s.asleep_min, 0.0), nap=not s.main, day=date.fromisoformat(s.day),
                        edited=bool((s.detail or {}).get("edited")))


def _rollup_days(conn: Any, period: Period, out: BandData) -> None:
    """Worn minutes and HR-weighted mean HR per local calendar day, from hourly sums (store.report_reads)."""
    t0 = int(period.day_start(period.start).timestamp())
    t1 = int(period.day_end(period.end).timestamp())
    worn: dict[date, float] = defaultdict(float)
    hr_sum: dict[date, float] = defaultdict(float)
    hr_n: dict[date, float] = defaultdict(float)
    for h in hourly_rollups(conn, t0, t1):
        hour, worn_min, weighted, count = h.hour_start / 3600, h.worn_min, h.hr_weighted_sum, h.hr_count
        day = datetime.fromtimestamp(int(hour) * 3600, UTC).astimezone(period.tz).date()
        worn[day] += float(worn_min or 0)
        if count:
            hr_sum[day] += float(weighted or 0)
            hr_n[day] += float(count)
    out.wear_minutes_by_day = {d: w for d, w in worn.items() if w > 0}
    for day in sorted(hr_n):
        if worn[day] >= AVG_HR_MIN_WORN_MIN and hr_n[day] > 0:
            out.avg_hr.append(DailyValue(day, hr_sum[day] / hr_n[day], min(1.0, worn[day] / AVG_HR_FULL_WORN_MIN)))
