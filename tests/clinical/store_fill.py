"""Fill a real SQLite store through the project's own write paths.

WHOOP-cloud records go in with the store's upsert and get projected into daily_values by the cloud sync's own
projection; band samples go through the chunk merge and rollup recompute; band-derived values, sleeps and
workouts are written with the store's derived-table API (the derive job itself is tested by the metrics work).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import numpy as np

from healthdesk.cloud.daily import project_daily_values
from healthdesk.core.models import RECORD_PERIOD_S, SAMPLE_DTYPE, SUBSEC_PER_SECOND
from healthdesk.store import band_writes
from healthdesk.store.cloud import put_profile, soft_delete, upsert_records, write_session
from healthdesk.store.database import Database
from healthdesk.store.derived import (
    DailyValue,
    StoredSleep,
    StoredWorkout,
    put_daily_values,
    replace_band_sleeps,
    replace_band_workouts,
)

from .whoop_records import BERLIN, nap_on, records_for

CLOUD_FIRST, CLOUD_LAST = date(2026, 9, 1), date(2026, 10, 31)
PENDING_DAY = date(2026, 10, 5)  # WHOOP has not scored this night yet
CALIBRATING_DAY = date(2026, 10, 10)  # recovery score provisional
DELETED_RECOVERY_DAY = date(2026, 10, 12)  # recovery soft-deleted after WHOOP removed it
NAP_DAY = date(2026, 10, 15)
BAND_DAYS = (date(2026, 10, 2), date(2026, 10, 3))
BAND_WEAR_S = 5 * 3600  # enough wear (>= 4 h) for a daily mean heart rate
BAND_HR = 62
BAND_NAME = "WHOOP 4A1234567"
# Band-derived values per band day (sleep in the store's minutes), different from every cloud value.
BAND_VALUES = {"resting_hr": ("bpm", 52.0), "hrv_rmssd": ("ms", 61.0), "sleep_duration": ("min", 400.0),
               "recovery": ("%", 71.0), "day_strain": ("strain", 9.5), "sleep_performance": ("%", 88.0)}
BAND_STAGES = "1" * 240 + "0" * 80 + "2" * 80 + "3" * 60  # light, deep, REM, awake minutes


def band_samples(day: date, seconds: int, counter0: int) -> np.ndarray:
    t0 = datetime.combine(day, time(10, 0), BERLIN).timestamp()
    n = int(seconds / RECORD_PERIOD_S)
    times = t0 + np.arange(n) * RECORD_PERIOD_S
    s = np.zeros(n, SAMPLE_DTYPE)
    s["version"] = 24
    s["counter"] = counter0 + np.arange(n)
    s["unix"] = np.floor(times).astype(np.uint32)
    s["subsec"] = np.round((times - np.floor(times)) * SUBSEC_PER_SECOND).astype(np.uint16) % SUBSEC_PER_SECOND
    s["hr"] = BAND_HR
    s["gravity"] = (0.0, 0.0, 1.0)
    return s


def fill_cloud(db: Database, first: date = CLOUD_FIRST, last: date = CLOUD_LAST) -> None:
    by_resource: dict[str, list[dict]] = {"cycle": [], "sleep": [], "recovery": [], "workout": []}
    day = first
    while day <= last:
        recs = records_for(day, score_state="PENDING_SCORE" if day == PENDING_DAY else "SCORED",
                           calibrating=day == CALIBRATING_DAY)
        for resource, record in recs.items():
            if resource != "workout" or day.toordinal() % 3 == 0:
                by_resource[resource].append(record)
        if day == NAP_DAY:
            by_resource["sleep"].append(nap_on(day))
        day += timedelta(days=1)
    with write_session(db) as session:
        for resource, records in by_resource.items():
            upsert_records(session, resource, records, "2026-11-01T00:00:00.000Z")
        soft_delete(session, "recovery", DELETED_RECOVERY_DAY.toordinal(), "2026-11-01T00:00:00.000Z")
        changed = {resource: {r["cycle_id"] if resource == "recovery" else r["id"] for r in records}
                   for resource, records in by_resource.items()}
        project_daily_values(session, changed, computed_at=1.0)
        put_profile(session, 10129, {"first_name": "Alex", "last_name": "Example", "email": "a@example.org"},
                    {"height_meter": 1.72, "weight_kilogram": 68.4, "max_heart_rate": 190},
                    "2026-11-01T06:00:00.000Z")


def fill_band(db: Database) -> None:
    with db.write() as conn:
        device_id = band_writes.device_id_for(conn, BAND_NAME)
        for i, day in enumerate(BAND_DAYS):
            merged = band_writes.merge_samples(conn, device_id, band_samples(day, BAND_WEAR_S, i * 100_000))
            band_writes.recompute_rollups(conn, device_id, merged.new, merged.cache)
        values, sleeps, workouts = [], [], []
        for day in BAND_DAYS:
            values += [DailyValue(day.isoformat(), metric, "band", value, unit, 0.9)
                       for metric, (unit, value) in BAND_VALUES.items()]
            values.append(DailyValue(day.isoformat(), "spo2", "band", None, "%", 0.0))  # no input: no value
            onset = datetime.combine(day - timedelta(days=1), time(23, 30), BERLIN).timestamp()  # ends on `day`
            sleeps.append(StoredSleep(day.isoformat(), onset, onset + 460 * 60, True, 460.0, 400.0, 0.87, 40.0, 3,
                                      0.8, {"stages": BAND_STAGES}))
            start = datetime.combine(day, time(18, 0), BERLIN).timestamp()
            workouts.append(StoredWorkout(day.isoformat(), start, start + 40 * 60, 11.0, 80.0, 141.0, 169.0))
        put_daily_values(conn, values)
        t0 = datetime.combine(BAND_DAYS[0] - timedelta(days=1), time(0, 0), BERLIN).timestamp()
        replace_band_sleeps(conn, t0, t0 + 5 * 86400, sleeps)
        replace_band_workouts(conn, t0, t0 + 5 * 86400, workouts)
