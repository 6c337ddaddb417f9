"""A small store with known band values around a share window, written through the store's own API.

Inside WINDOW every value is in a "normal" range; the days just outside it carry sentinel values that must
never reach a link for WINDOW. Every sleep and workout has a distinct, day-derived value.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from healthdesk.store.database import Database
from healthdesk.store.derived import (
    DailyValue,
    StoredSleep,
    StoredWorkout,
    put_daily_values,
    replace_band_sleeps,
    replace_band_workouts,
)

TZ = "Europe/Berlin"
BERLIN = ZoneInfo(TZ)
WINDOW = (date(2026, 10, 5), date(2026, 10, 18))
FIRST, LAST = date(2026, 9, 28), date(2026, 10, 25)
BEFORE, AFTER = WINDOW[0] - timedelta(days=1), WINDOW[1] + timedelta(days=1)  # just outside
INSIDE_DAYS = [WINDOW[0] + timedelta(days=i) for i in range((WINDOW[1] - WINDOW[0]).days + 1)]
WORKOUT_DAYS = (BEFORE, date(2026, 10, 10), AFTER)


def days() -> list[date]:
    return [FIRST + timedelta(days=i) for i in range((LAST - FIRST).days + 1)]


def inside(day: date) -> bool:
    return WINDOW[0] <= day <= WINDOW[1]


def resting_hr(day: date) -> float:
    return 50.0 + (day - WINDOW[0]).days if inside(day) else 90.0 + (day - FIRST).days  # 90+ only outside


def hrv(day: date) -> float:
    return 40.0 + (day - WINDOW[0]).days if inside(day) else 150.0 + (day - FIRST).days


def recovery(day: date) -> float:
    return 60.0 + (day - WINDOW[0]).days if inside(day) else 5.0


def asleep_min(day: date) -> float:
    return 400.0 + (day - FIRST).days


def fill(db: Database) -> None:
    values, sleeps, workouts = [], [], []
    for day in days():
        d = day.isoformat()
        values += [DailyValue(d, "resting_hr", "band", resting_hr(day), "bpm", 1.0),
                   DailyValue(d, "hrv_rmssd", "band", hrv(day), "ms", 1.0),
                   DailyValue(d, "recovery", "band", recovery(day), "%", 1.0)]
        # the night named `day` ends that morning (docs/metrics.md §1): it starts the evening before
        onset = datetime.combine(day - timedelta(days=1), time(23, 0), BERLIN).timestamp()
        sleeps.append(StoredSleep(d, onset, onset + 8 * 3600, True, 480.0, asleep_min(day), 0.9, 30.0, 2, 1.0))
    for day in WORKOUT_DAYS:
        start = datetime.combine(day, time(18, 0), BERLIN).timestamp()
        workouts.append(StoredWorkout(day.isoformat(), start, start + 45 * 60, 10.0, 70.0, 140.0, 171.0,
                                      kind=f"workout-{day.isoformat()}"))
    t0 = datetime.combine(FIRST - timedelta(days=1), time(0), BERLIN).timestamp()
    t1 = datetime.combine(LAST + timedelta(days=2), time(0), BERLIN).timestamp()
    with db.write() as conn:
        put_daily_values(conn, values)
        replace_band_sleeps(conn, t0, t1, sleeps)
        replace_band_workouts(conn, t0, t1, workouts)
