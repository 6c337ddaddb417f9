"""WHOOP's own numbers as canonical daily values (source "whoop_cloud"), side by side with band values.

A WHOOP cycle is labelled like a band cycle: by its morning date (core.timeutil.morning_date, in the record's
own UTC offset, read through store.cloud_reads), so both sources line up per day. A cycle's recovery, main
sleep and naps land on that cycle's day. Everything a cycle can give is written every time it changes: a value
WHOOP has not scored, or a record deleted since, becomes None with confidence 0, so a stale number never
survives. Only rows with source "whoop_cloud" are ever written here; band-derived rows are never touched.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from healthdesk.store.cloud_reads import cloud_cycle, read_cloud, sleep_cycle_ids
from healthdesk.store.derived import DailyValue, put_daily_values

log = logging.getLogger(__name__)

SOURCE = "whoop_cloud"
KJ_PER_KCAL = 4.184
MS_PER_MIN = 60_000.0
CALIBRATING_CONFIDENCE = 0.5  # WHOOP itself flags the recovery as not yet reliable

CYCLE_METRICS = {"day_strain": "strain", "calories": "kcal", "hr_peak": "bpm"}
RECOVERY_METRICS = {"recovery": "%", "resting_hr": "bpm", "hrv_rmssd": "ms", "spo2": "%", "skin_temp": "°C"}
SLEEP_METRICS = {"sleep_duration": "min", "time_in_bed": "min", "sleep_efficiency": "%", "sleep_deep": "min",
                 "sleep_light": "min", "sleep_rem": "min", "sleep_disturbances": "count", "sleep_need": "min",
                 "sleep_performance": "%", "sleep_consistency": "%", "respiratory_rate": "rpm"}


def _state_note(row: Any) -> str | None:
    """Why a record gives no numbers (None when it is scored and live)."""
    if row is None:
        return "whoop:absent"
    if row.deleted:
        return "whoop:deleted"
    if row.score_state != "SCORED":
        return f"whoop:{row.score_state}"
    return None


def _value(day: date, metric: str, value: float | None, unit: str, confidence: float, note: str,
           computed_at: float) -> DailyValue:
    return DailyValue(day.isoformat(), metric, SOURCE, None if value is None else float(value), unit,
                      confidence if value is not None else 0.0, {"note": note} if note else None, computed_at)


def _emit(day: date, metrics: dict[str, str], values: dict[str, float | None], note: str | None,
          computed_at: float, confidence: float = 1.0) -> list[DailyValue]:
    out = []
    for name, unit in metrics.items():
        value = None if note else values.get(name)
        why = note or ("whoop:not_reported" if value is None else "")
        out.append(_value(day, name, value, unit, confidence, why, computed_at))
    return out


def values_for_cycle(session: Session, cycle_id: int, computed_at: float) -> list[DailyValue]:
    bundle = cloud_cycle(session, cycle_id)
    if bundle is None:
        return []  # never seen: no day to put anything on
    cycle, recovery, day = bundle.cycle, bundle.recovery, bundle.cycle.day
    rows = _emit(day, CYCLE_METRICS, {
        "day_strain": cycle.strain,
        "calories": None if cycle.kilojoule is None else cycle.kilojoule / KJ_PER_KCAL,
        "hr_peak": cycle.max_hr}, _state_note(cycle), computed_at)
    if cycle.end is None:  # WHOOP's current cycle: running totals, left out of trends (like the band's)
        rows = [replace(r, detail={**(r.detail or {}), "open_cycle": True}) for r in rows]
    calibrating = bool(recovery and recovery.calibrating)
    rows += _emit(day, RECOVERY_METRICS, {} if recovery is None else {
        "recovery": recovery.recovery, "resting_hr": recovery.resting_hr,
        "hrv_rmssd": recovery.hrv_rmssd_ms, "spo2": recovery.spo2_pct, "skin_temp": recovery.skin_temp_c},
        _state_note(recovery), computed_at, CALIBRATING_CONFIDENCE if calibrating else 1.0)
    main = bundle.main_sleep
    rows += _emit(day, SLEEP_METRICS, {} if main is None else {
        "sleep_duration": main.asleep_min, "time_in_bed": main.in_bed_min,
        "sleep_efficiency": main.efficiency_pct, "sleep_deep": main.deep_min,
        "sleep_light": main.light_min, "sleep_rem": main.rem_min,
        "sleep_disturbances": main.disturbances, "sleep_need": main.need_min,
        "sleep_performance": main.performance_pct, "sleep_consistency": main.consistency_pct,
        "respiratory_rate": main.respiratory_rate}, _state_note(main), computed_at)
    naps = bundle.naps
    if naps:
        total = sum(s.asleep_min or 0.0 for s in naps)
        rows.append(_value(day, "nap_duration", total, "min", 1.0, "", computed_at))
    return rows


def cycles_touched(session: Session, changed: dict[str, set[int | str]]) -> set[int]:
    """Cycles whose daily values may have changed (sleeps point at their cycle; deleted rows still do)."""
    cycles = {int(k) for k in changed.get("cycle", set())} | {int(k) for k in changed.get("recovery", set())}
    return cycles | sleep_cycle_ids(session, (str(k) for k in changed.get("sleep", set())))


def all_cycle_ids(session: Session) -> list[int]:
    """Every stored WHOOP cycle (deleted ones too), for a full re-projection after a day-label change."""
    return [c.id for c in read_cloud(session, include_deleted=True).cycles]


def whoop_daily_values(session: Session, changed: dict[str, set[int | str]],
                       computed_at: float = 0.0) -> list[DailyValue]:
    rows: list[DailyValue] = []
    for cycle_id in sorted(cycles_touched(session, changed)):
        rows += values_for_cycle(session, cycle_id, computed_at)
    return rows


def project_daily_values(session: Session, changed: dict[str, set[int | str]], computed_at: float = 0.0) -> int:
    """Write the touched cycles' WHOOP values into daily_values (source whoop_cloud) in the sync's transaction.
    Returns the number of rows written."""
    return put_daily_values(session, whoop_daily_values(session, changed, computed_at))
