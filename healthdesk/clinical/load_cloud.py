"""WHOOP-cloud side of the report loader: sleep sessions, workouts, cycle mean HR and profile body values.

Daily scores and vitals come from `daily_values` (source whoop_cloud, see load_series.py); here only what
that table does not carry, read through the store's one cloud read model (store.cloud_reads): only records
WHOOP has scored and that are not soft-deleted count, "asleep" follows its one rule and every record carries
its morning-date day (docs/metrics.md §1), so a night's session, its values and the band's values for the same
night share a day.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from healthdesk.clinical.report_data import (
    WHOOP_CLOUD,
    BodyMeasurement,
    DailyValue,
    Period,
    SleepSession,
    Workout,
)
from healthdesk.store.cloud_reads import latest_profile, read_cloud


@dataclass
class CloudData:
    sleeps: list[SleepSession] = field(default_factory=list)
    workouts: list[Workout] = field(default_factory=list)
    body: list[BodyMeasurement] = field(default_factory=list)
    avg_hr: list[DailyValue] = field(default_factory=list)
    name: str | None = None


def _when(unix: float, tz_offset_s: int) -> datetime:
    return datetime.fromtimestamp(unix, timezone(timedelta(seconds=tz_offset_s)))


def load_cloud(conn: Any, period: Period) -> CloudData:
    out = CloudData()
    profile = latest_profile(conn)
    if profile is not None:
        out.name = profile.name
        if profile.height_m is not None or profile.weight_kg is not None:
            # A profile value as of the last sync, not a dated weighing: the export says so.
            out.body.append(BodyMeasurement(WHOOP_CLOUD, datetime.fromtimestamp(profile.fetched_at, UTC),
                                            profile.height_m, profile.weight_kg))
    records = read_cloud(conn, period.start, period.end)
    for s in records.sleeps:
        if s.scored and s.asleep_min is not None:
            out.sleeps.append(SleepSession(WHOOP_CLOUD, _when(s.start, s.tz_offset_s), _when(s.end, s.tz_offset_s),
                                           s.asleep_min, s.light_min, s.deep_min, s.rem_min, s.awake_min, s.nap,
                                           day=s.day))
    for c in records.cycles:
        if c.scored and c.average_hr is not None:
            out.avg_hr.append(DailyValue(c.day, c.average_hr))
    for w in records.workouts:
        if w.scored:
            out.workouts.append(Workout(WHOOP_CLOUD, _when(w.start, w.tz_offset_s), _when(w.end, w.tz_offset_s),
                                        w.sport.replace("_", " "), w.strain, w.average_hr, w.max_hr, w.kilojoule,
                                        day=w.day))
    return out
