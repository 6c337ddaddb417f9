"""Sleeps, workouts and one night's detail for the dashboard: band-derived rows and the WHOOP cloud copy."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import numpy as np
from sqlalchemy import inspect, select
from sqlalchemy.engine import Connection

from healthdesk.services.dashboard_types import (
    STAGE_ASLEEP,
    STAGE_AWAKE,
    NightDetail,
    SleepPeriod,
    WorkoutRow,
)
from healthdesk.store.band_reads import minute_rollups_between
from healthdesk.store.database import Database
from healthdesk.store.derived import BandSleepRow, daily_values_between

# Per-minute codes in band_sleeps.detail (services/derive.py): stages '0' deep '1' light '2' REM '3' awake,
# which are dashboard_types' codes; state 's' asleep, 'w' awake, '-' not worn (left out of the timeline).
STATE_CODES = {"s": STAGE_ASLEEP, "w": STAGE_AWAKE}


def _iso_unix(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def _has(conn: Connection, table: str) -> bool:
    return inspect(conn).has_table(table)


def cloud_sleeps(conn: Connection) -> list[SleepPeriod]:
    if not _has(conn, "whoop_sleep"):
        return []
    from healthdesk.store.cloud import WhoopSleep

    rows = conn.execute(
        select(WhoopSleep.start, WhoopSleep.end, WhoopSleep.nap, WhoopSleep.in_bed_ms, WhoopSleep.awake_ms,
               WhoopSleep.performance_pct).where(WhoopSleep.deleted_at.is_(None))
    ).all()
    out = []
    for start, end, nap, in_bed, awake, perf in rows:
        asleep = (in_bed - (awake or 0)) / 60000 if in_bed is not None else None
        out.append(SleepPeriod(datetime.fromtimestamp(_iso_unix(start), UTC),
                               datetime.fromtimestamp(_iso_unix(end), UTC), asleep, not nap, "whoop_cloud", perf))
    return out


def cloud_workouts(conn: Connection) -> list[WorkoutRow]:
    if not _has(conn, "whoop_workout"):
        return []
    from healthdesk.store.cloud import WhoopWorkout

    rows = conn.execute(
        select(WhoopWorkout.start, WhoopWorkout.end, WhoopWorkout.strain, WhoopWorkout.sport_name,
               WhoopWorkout.average_heart_rate).where(WhoopWorkout.deleted_at.is_(None))
    ).all()
    return [
        WorkoutRow(datetime.fromtimestamp(_iso_unix(s), UTC), datetime.fromtimestamp(_iso_unix(e), UTC), strain,
                   "whoop_cloud", sport or "", float(hr) if hr is not None else None)
        for s, e, strain, sport, hr in rows
    ]


def runs(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Start index and length of each run of equal values."""
    if codes.size == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    change = np.flatnonzero(np.diff(codes)) + 1
    starts = np.concatenate([[0], change])
    lengths = np.diff(np.concatenate([starts, [codes.size]]))
    return starts, lengths


def minute_segments(start: float, per_minute: str, mapping: dict[str, int]) -> tuple[np.ndarray, ...]:
    """Per-minute code string -> (segment start, end, code), leaving out minutes the mapping does not know."""
    codes = np.array([mapping.get(c, -1) for c in per_minute], dtype=np.int8)
    first, length = runs(codes)
    keep = codes[first] >= 0 if first.size else np.empty(0, bool)
    seg_start = start + first[keep] * 60.0
    return seg_start, seg_start + length[keep] * 60.0, codes[first][keep]


def night_detail(db: Database, sleep: SleepPeriod) -> NightDetail:
    t0, t1 = sleep.start.timestamp(), sleep.end.timestamp()
    empty = np.empty(0)
    seg = (empty, empty, np.empty(0, np.int8))
    estimated, stage_confidence = False, 0.0
    with db.read() as conn:
        if sleep.source == "band":
            row = conn.execute(
                select(BandSleepRow.detail, BandSleepRow.day).where(
                    BandSleepRow.source == "band", BandSleepRow.start == t0)
            ).first()
            detail = json.loads(row.detail) if row is not None and row.detail else {}
            if detail.get("stages"):
                seg = minute_segments(t0, detail["stages"], {str(c): c for c in range(4)})
                estimated = True
                deep = daily_values_between(conn, row.day, row.day, metrics=["sleep_deep"], source="band")
                stage_confidence = deep[0].confidence if deep else 0.0
            elif detail.get("state"):
                seg = minute_segments(t0, detail["state"], STATE_CODES)
    rollups = minute_rollups_between(db, None, t0 - 30 * 60, t1 + 30 * 60)
    hr_t = rollups["minute"].astype(np.float64) + 30.0
    hr = rollups["hr_mean"].astype(np.float64)
    hr[rollups["hr_count"] == 0] = np.nan
    return NightDetail(sleep, seg[0], seg[1], seg[2], estimated, stage_confidence, hr_t, hr)
