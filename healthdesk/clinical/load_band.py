"""Band side of the report loader: devices, wear time and mean HR from minute rollups, derived sleeps/workouts.

Works on a database where a table does not exist yet: that part of the report is then honestly empty.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from sqlalchemy import Connection, inspect, text

from healthdesk.clinical.report_data import BAND, DailyValue, DeviceInfo, Period, SleepSession, Workout
from healthdesk.store.derived import sleeps_between, workouts_between

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


def load_band(conn: Connection, period: Period, share_serial: bool,
              firmware_by_name: dict[str, str] | None = None) -> BandData:
    tables = set(inspect(conn).get_table_names())
    out = BandData()
    if "devices" in tables:
        for name, model in conn.execute(text("SELECT name, model FROM devices ORDER BY id")):
            # The stored name is the advertised name or serial: shared only when the user allowed it.
            out.devices.append(DeviceInfo(BAND, MODEL_NAMES.get(model, model or "WHOOP band"),
                                          firmware=(firmware_by_name or {}).get(name),
                                          serial=name if share_serial else None))
    if "minute_rollups" in tables:
        _rollup_days(conn, period, out)
    t0, t1 = period.day_start(period.start).timestamp(), period.day_end(period.end).timestamp()
    if "band_sleeps" in tables:
        for s in sleeps_between(conn, t0 - 86400, t1 + 86400):
            if s.source == BAND and period.contains(date.fromisoformat(s.day)):
                out.sleeps.append(_sleep(s, period))
    if "band_workouts" in tables:
        for w in workouts_between(conn, t0, t1):
            if w.source == BAND:
                out.workouts.append(Workout(BAND, _local(w.start, period), _local(w.end, period),
                                            w.kind or "activity (detected)", w.strain, w.avg_hr, w.max_hr))
    return out


def _local(unix: float, period: Period) -> datetime:
    return datetime.fromtimestamp(unix, UTC).astimezone(period.tz)


def _sleep(s, period: Period) -> SleepSession:
    stages = (s.detail or {}).get("stages")
    counts = {name: float(stages.count(code)) for code, name in STAGE_CODES.items()} if stages else {}
    return SleepSession(BAND, _local(s.start, period), _local(s.end, period), s.asleep_min,
                        counts.get("light"), counts.get("deep"), counts.get("rem"),
                        max(s.tib_min - s.asleep_min, 0.0), nap=not s.main)


def _rollup_days(conn: Connection, period: Period, out: BandData) -> None:
    """Worn minutes and HR-weighted mean HR per local day, summed per UTC hour in SQL (~9k rows a year)."""
    t0 = int(period.day_start(period.start).timestamp())
    t1 = int(period.day_end(period.end).timestamp())
    rows = conn.execute(text(
        "SELECT minute / 3600 AS hour, SUM(worn_fraction), SUM(hr_mean * hr_count), SUM(hr_count) "
        "FROM minute_rollups WHERE minute >= :t0 AND minute < :t1 GROUP BY hour ORDER BY hour"),
        {"t0": t0, "t1": t1})
    worn: dict[date, float] = defaultdict(float)
    hr_sum: dict[date, float] = defaultdict(float)
    hr_n: dict[date, float] = defaultdict(float)
    for hour, worn_min, weighted, count in rows:
        day = datetime.fromtimestamp(int(hour) * 3600, UTC).astimezone(period.tz).date()
        worn[day] += float(worn_min or 0)
        if count:
            hr_sum[day] += float(weighted or 0)
            hr_n[day] += float(count)
    out.wear_minutes_by_day = {d: w for d, w in worn.items() if w > 0}
    for day in sorted(hr_n):
        if worn[day] >= AVG_HR_MIN_WORN_MIN and hr_n[day] > 0:
            out.avg_hr.append(DailyValue(day, hr_sum[day] / hr_n[day], min(1.0, worn[day] / AVG_HR_FULL_WORN_MIN)))
