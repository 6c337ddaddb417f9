"""WHOOP-cloud side of the report loader: sleep sessions, workouts, cycle mean HR and profile body values.

Daily scores and vitals come from `daily_values` (source whoop_cloud, see load_series.py); here only what
that table does not carry. Only records WHOOP has scored and that are not soft-deleted count. Days use the
project's one convention (core.timeutil.cycle_label in the record's own UTC offset), so a night's session,
its values and the band's values for the same night share a day.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone

from sqlalchemy import Connection, inspect, text

from healthdesk.clinical.report_data import (
    WHOOP_CLOUD,
    BodyMeasurement,
    DailyValue,
    Period,
    SleepSession,
    Workout,
)
from healthdesk.core.timeutil import cycle_label

CLOUD_TABLES = ("whoop_cycle", "whoop_sleep", "whoop_workout")
MS_PER_MIN = 60_000.0


@dataclass
class CloudData:
    sleeps: list[SleepSession] = field(default_factory=list)
    workouts: list[Workout] = field(default_factory=list)
    body: list[BodyMeasurement] = field(default_factory=list)
    avg_hr: list[DailyValue] = field(default_factory=list)
    name: str | None = None


def offset_seconds(offset: str | None) -> int:
    """WHOOP's '+01:00' / '-05:30' / 'Z' -> seconds east of UTC (0 when absent or malformed)."""
    try:
        if offset in (None, "", "Z"):
            return 0
        sign = -1 if offset[0] == "-" else 1
        hours, _, minutes = offset[1:].partition(":")
        return sign * (int(hours) * 3600 + int(minutes or 0) * 60)
    except (TypeError, ValueError, IndexError):
        return 0


def _when(iso: str, offset: str | None) -> datetime:
    tz = timezone(timedelta(seconds=offset_seconds(offset)))
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).astimezone(tz)


def _day_of(start: datetime) -> date:
    return cycle_label(start.timestamp(), int(start.utcoffset().total_seconds()))


def _utc_iso(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def load_cloud(conn: Connection, period: Period) -> CloudData:
    tables = set(inspect(conn).get_table_names())
    out = CloudData()
    if "whoop_profile" in tables:
        _profile(conn, out)
    if not set(CLOUD_TABLES) <= tables:
        return out
    # A cycle labelled with the period's first day can start up to a day and a half before its midnight.
    params = {"lo": _utc_iso(period.day_start(period.start) - timedelta(days=2)),
              "hi": _utc_iso(period.day_end(period.end) + timedelta(days=2))}
    scored = "deleted_at IS NULL AND score_state = 'SCORED' AND start >= :lo AND start < :hi"

    for start, end, tz, nap, awake, light, sws, rem in conn.execute(text(
            f'SELECT start, "end", timezone_offset, nap, awake_ms, light_ms, slow_wave_ms, rem_ms FROM whoop_sleep '
            f"WHERE {scored} ORDER BY start, id"), params):
        s = _when(start, tz)
        stages = [x for x in (light, sws, rem) if x is not None]
        if stages and period.contains(_day_of(s)):
            out.sleeps.append(SleepSession(WHOOP_CLOUD, s, _when(end, tz), sum(stages) / MS_PER_MIN, _min(light),
                                           _min(sws), _min(rem), _min(awake), bool(nap)))

    for start, tz, avg_hr in conn.execute(text(
            f"SELECT start, timezone_offset, average_heart_rate FROM whoop_cycle WHERE {scored} "
            "AND average_heart_rate IS NOT NULL ORDER BY start, id"), params):
        day = _day_of(_when(start, tz))
        if period.contains(day):
            out.avg_hr.append(DailyValue(day, float(avg_hr)))

    for start, end, tz, sport, strain, avg_hr, max_hr, kj in conn.execute(text(
            f'SELECT start, "end", timezone_offset, sport_name, strain, average_heart_rate, max_heart_rate, '
            f"kilojoule FROM whoop_workout WHERE {scored} ORDER BY start, id"), params):
        s = _when(start, tz)
        if period.contains(s.astimezone(period.tz).date()):
            out.workouts.append(Workout(WHOOP_CLOUD, s, _when(end, tz), (sport or "activity").replace("_", " "),
                                        strain, _f(avg_hr), _f(max_hr), _f(kj)))
    return out


def _profile(conn: Connection, out: CloudData) -> None:
    row = conn.execute(text(
        "SELECT first_name, last_name, height_meter, weight_kilogram, fetched_at FROM whoop_profile "
        "ORDER BY fetched_at DESC, user_id LIMIT 1")).first()
    if row is None:
        return
    first, last, height, weight, fetched_at = row
    out.name = " ".join(p for p in (first, last) if p) or None
    if height is not None or weight is not None:
        # A profile value as of the last sync, not a dated weighing: the export says so.
        out.body.append(BodyMeasurement(WHOOP_CLOUD, _when(fetched_at, "+00:00"), height, weight))


def _min(ms: float | None) -> float | None:
    return None if ms is None else ms / MS_PER_MIN


def _f(x: float | int | None) -> float | None:
    return None if x is None else float(x)
