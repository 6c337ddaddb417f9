"""WHOOP-cloud side of the report loader: whoop_* tables -> daily series, sleeps, workouts, body values.

Only records WHOOP has scored (`score_state = 'SCORED'`) and that are not soft-deleted count. A day is the
local calendar date (in the record's own `timezone_offset`) of the wake that ends the cycle's main sleep,
as in WHOOP's app (metrics.md §1). A recovery score flagged `user_calibrating` is left out, since WHOOP
itself calls it provisional; its RHR/HRV/SpO2/skin temperature stay in.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone

from sqlalchemy import Connection, inspect, text

from healthdesk.clinical.report_data import (
    WHOOP_CLOUD,
    BodyMeasurement,
    DailySeries,
    DailyValue,
    Period,
    SleepSession,
    Workout,
)

CLOUD_TABLES = ("whoop_cycle", "whoop_sleep", "whoop_recovery", "whoop_workout")
MS_PER_MIN = 60_000.0


@dataclass
class CloudData:
    series: list[DailySeries] = field(default_factory=list)
    sleeps: list[SleepSession] = field(default_factory=list)
    workouts: list[Workout] = field(default_factory=list)
    body: list[BodyMeasurement] = field(default_factory=list)
    name: str | None = None


def _tz(offset: str | None) -> timezone:
    """WHOOP's '+01:00' / '-05:30' -> a fixed-offset tzinfo (UTC when absent or malformed)."""
    try:
        sign = -1 if offset[0] == "-" else 1
        hours, minutes = offset[1:].split(":")
        return timezone(sign * timedelta(hours=int(hours), minutes=int(minutes)))
    except (TypeError, ValueError, IndexError):
        return UTC


def _when(iso: str, offset: str | None) -> datetime:
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).astimezone(_tz(offset))


def _utc_iso(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def load_cloud(conn: Connection, period: Period, lead_in_days: int) -> CloudData:
    tables = set(inspect(conn).get_table_names())
    out = CloudData()
    if "whoop_profile" in tables:
        _profile(conn, out)
    if not set(CLOUD_TABLES) <= tables:
        return out
    first_day = period.start - timedelta(days=lead_in_days)
    # A day's sleep can start the evening before; a day's cycle ~12 h before its label date.
    lo = _utc_iso(period.day_start(first_day) - timedelta(days=2))
    hi = _utc_iso(period.day_end(period.end) + timedelta(days=1))
    days: dict[str, dict[date, float]] = defaultdict(dict)

    sleeps = conn.execute(text(
        "SELECT id, cycle_id, nap, start, \"end\", timezone_offset, awake_ms, light_ms, slow_wave_ms, rem_ms, "
        "respiratory_rate, performance_pct FROM whoop_sleep WHERE deleted_at IS NULL AND score_state = 'SCORED' "
        "AND start >= :lo AND start < :hi ORDER BY start, id"), {"lo": lo, "hi": hi}).all()
    wake_day_of_sleep: dict[str, date] = {}
    wake_day_of_cycle: dict[int, date] = {}
    for sid, cycle_id, nap, start, end, tz, awake, light, sws, rem, resp, perf in sleeps:
        s, e = _when(start, tz), _when(end, tz)
        stages = [x for x in (light, sws, rem) if x is not None]
        asleep = sum(stages) / MS_PER_MIN if stages else None
        if asleep is None:
            continue
        label = e.date()
        if period.contains(label):
            out.sleeps.append(SleepSession(
                WHOOP_CLOUD, s, e, asleep, _min(light), _min(sws), _min(rem), _min(awake), bool(nap)))
        if nap:
            continue
        wake_day_of_sleep[sid] = label
        if cycle_id is not None:
            wake_day_of_cycle[int(cycle_id)] = label
        days["sleep_duration"][label] = asleep / 60.0
        _put(days, "respiratory_rate", label, resp)
        _put(days, "sleep_performance", label, perf)

    recoveries = conn.execute(text(
        "SELECT r.cycle_id, r.sleep_id, r.recovery_score, r.resting_heart_rate, r.hrv_rmssd_ms, r.spo2_pct, "
        "r.skin_temp_c, r.user_calibrating FROM whoop_recovery r WHERE r.deleted_at IS NULL "
        "AND r.score_state = 'SCORED' ORDER BY r.cycle_id")).all()
    for cycle_id, sleep_id, score, rhr, hrv, spo2, skin, calibrating in recoveries:
        label = wake_day_of_sleep.get(sleep_id) or wake_day_of_cycle.get(int(cycle_id))
        if label is None:
            continue
        if not calibrating:
            _put(days, "recovery", label, score)
        for metric, value in (("resting_hr", rhr), ("hrv_rmssd", hrv), ("spo2", spo2), ("skin_temp", skin)):
            _put(days, metric, label, value)

    cycles = conn.execute(text(
        "SELECT id, start, timezone_offset, strain, average_heart_rate FROM whoop_cycle WHERE deleted_at IS NULL "
        "AND score_state = 'SCORED' AND start >= :lo AND start < :hi ORDER BY start, id"),
        {"lo": lo, "hi": hi}).all()
    for cycle_id, start, tz, strain, avg_hr in cycles:
        # Without a main sleep, the cycle's onset + 12 h lands on the wake date in the usual case.
        label = wake_day_of_cycle.get(int(cycle_id)) or (_when(start, tz) + timedelta(hours=12)).date()
        _put(days, "day_strain", label, strain)
        _put(days, "avg_hr", label, avg_hr)

    workouts = conn.execute(text(
        "SELECT start, \"end\", timezone_offset, sport_name, strain, average_heart_rate, max_heart_rate, kilojoule "
        "FROM whoop_workout WHERE deleted_at IS NULL AND score_state = 'SCORED' AND start >= :lo AND start < :hi "
        "ORDER BY start, id"), {"lo": lo, "hi": hi}).all()
    for start, end, tz, sport, strain, avg_hr, max_hr, kj in workouts:
        s = _when(start, tz)
        if period.contains(s.astimezone(period.tz).date()):
            out.workouts.append(Workout(WHOOP_CLOUD, s, _when(end, tz), (sport or "activity").replace("_", " "),
                                        strain, _f(avg_hr), _f(max_hr), _f(kj)))

    for metric, by_day in sorted(days.items()):
        inside = tuple(DailyValue(d, v) for d, v in sorted(by_day.items()) if period.contains(d))
        before = tuple(DailyValue(d, v) for d, v in sorted(by_day.items()) if first_day <= d < period.start)
        if inside or before:
            out.series.append(DailySeries(metric, WHOOP_CLOUD, inside, before))
    return out


def _profile(conn: Connection, out: CloudData) -> None:
    row = conn.execute(text(
        "SELECT first_name, last_name, height_meter, weight_kilogram, fetched_at FROM whoop_profile "
        "ORDER BY fetched_at DESC, user_id LIMIT 1")).first()
    if row is None:
        return
    first, last, height, weight, fetched_at = row
    name = " ".join(p for p in (first, last) if p)
    out.name = name or None
    if height is not None or weight is not None:
        # A profile value as of the last sync, not a dated weighing: the export says so.
        out.body.append(BodyMeasurement(WHOOP_CLOUD, _when(fetched_at, "+00:00"), height, weight))


def _put(days: dict[str, dict[date, float]], metric: str, day: date, value: float | None) -> None:
    if value is not None:
        days[metric][day] = float(value)


def _min(ms: float | None) -> float | None:
    return None if ms is None else ms / MS_PER_MIN


def _f(x: float | int | None) -> float | None:
    return None if x is None else float(x)
