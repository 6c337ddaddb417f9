"""Sleeps, workouts and one night's detail for the dashboard: band-derived rows and the WHOOP cloud copy."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np

from healthdesk.services.dashboard_types import (
    STAGE_ASLEEP,
    STAGE_AWAKE,
    NightDetail,
    SleepPeriod,
    WorkoutRow,
)
from healthdesk.store.band_reads import minute_rollups_between
from healthdesk.store.cloud_reads import CloudRecords
from healthdesk.store.database import Database
from healthdesk.store.derived import band_sleep_at, daily_values_between

# Per-minute codes in band_sleeps.detail (services/derive.py): stages '0' deep '1' light '2' REM '3' awake,
# which are dashboard_types' codes; state 's' asleep, 'w' awake, '-' not worn (left out of the timeline).
STATE_CODES = {"s": STAGE_ASLEEP, "w": STAGE_AWAKE}


def _utc(unix: float) -> datetime:
    return datetime.fromtimestamp(unix, UTC)


def cloud_sleeps(records: CloudRecords) -> list[SleepPeriod]:
    """WHOOP sleeps from the store's cloud read model (its asleep rule and day label)."""
    return [SleepPeriod(_utc(s.start), _utc(s.end), s.asleep_min, s.main, "whoop_cloud", s.performance_pct, s.day)
            for s in records.sleeps]


def cloud_workouts(records: CloudRecords) -> list[WorkoutRow]:
    return [WorkoutRow(_utc(w.start), _utc(w.end), w.strain, "whoop_cloud", w.sport, w.average_hr, w.day)
            for w in records.workouts]


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
            row = band_sleep_at(conn, t0)
            detail = (row.detail or {}) if row is not None else {}
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
