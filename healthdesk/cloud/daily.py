"""WHOOP's own numbers as canonical daily values (source "whoop_cloud"), side by side with band values.

A WHOOP cycle is labelled like a band cycle (core.timeutil.cycle_label: the local noon-to-noon window holding
its start, in the record's own timezone offset), so both sources line up per day. A cycle's recovery, main
sleep and naps land on that cycle's day. Everything a cycle can give is written every time it changes: a value
WHOOP has not scored, or a record deleted since, becomes None with confidence 0, so a stale number never
survives. Only rows with source "whoop_cloud" are ever written here; band-derived rows are never touched.
"""

from __future__ import annotations

import logging
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from healthdesk.core.timeutil import cycle_label
from healthdesk.store import cloud as local
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


def offset_seconds(offset: str) -> int:
    """WHOOP's `+hh:mm`, `-hh:mm` or `Z` -> seconds east of UTC."""
    if offset in ("Z", "", None):
        return 0
    sign = -1 if offset[0] == "-" else 1
    hours, _, minutes = offset[1:].partition(":")
    return sign * (int(hours) * 3600 + int(minutes or 0) * 60)


def _unix(iso: str) -> float:
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


def _state_note(row: Any) -> str | None:
    """Why a record gives no numbers (None when it is scored and live)."""
    if row is None:
        return "whoop:absent"
    if row.deleted_at is not None:
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


def _minutes(ms: int | None) -> float | None:
    return None if ms is None else ms / MS_PER_MIN


def values_for_cycle(session: Session, cycle_id: int, computed_at: float) -> list[DailyValue]:
    cycle = session.get(local.WhoopCycle, cycle_id)
    if cycle is None:
        return []  # never seen: no day to put anything on
    day = cycle_label(_unix(cycle.start), offset_seconds(cycle.timezone_offset))
    rows = _emit(day, CYCLE_METRICS, {
        "day_strain": cycle.strain,
        "calories": None if cycle.kilojoule is None else cycle.kilojoule / KJ_PER_KCAL,
        "hr_peak": cycle.max_heart_rate}, _state_note(cycle), computed_at)
    recovery = session.get(local.WhoopRecovery, cycle_id)
    calibrating = bool(recovery and recovery.user_calibrating)
    rows += _emit(day, RECOVERY_METRICS, {} if recovery is None else {
        "recovery": recovery.recovery_score, "resting_hr": recovery.resting_heart_rate,
        "hrv_rmssd": recovery.hrv_rmssd_ms, "spo2": recovery.spo2_pct, "skin_temp": recovery.skin_temp_c},
        _state_note(recovery), computed_at, CALIBRATING_CONFIDENCE if calibrating else 1.0)
    sleeps = session.scalars(select(local.WhoopSleep).where(local.WhoopSleep.cycle_id == cycle_id,
                                                            local.WhoopSleep.deleted_at.is_(None))).all()
    mains = [s for s in sleeps if not s.nap]
    main = max(mains, key=lambda s: _unix(s.end) - _unix(s.start)) if mains else None
    asleep = None
    if main is not None and None not in (main.light_ms, main.slow_wave_ms, main.rem_ms):
        asleep = _minutes(main.light_ms + main.slow_wave_ms + main.rem_ms)
    rows += _emit(day, SLEEP_METRICS, {} if main is None else {
        "sleep_duration": asleep, "time_in_bed": _minutes(main.in_bed_ms),
        "sleep_efficiency": main.efficiency_pct, "sleep_deep": _minutes(main.slow_wave_ms),
        "sleep_light": _minutes(main.light_ms), "sleep_rem": _minutes(main.rem_ms),
        "sleep_disturbances": main.disturbance_count, "sleep_need": _minutes(main.need_ms),
        "sleep_performance": main.performance_pct, "sleep_consistency": main.consistency_pct,
        "respiratory_rate": main.respiratory_rate}, _state_note(main), computed_at)
    naps = [s for s in sleeps if s.nap and s.score_state == "SCORED"]
    if naps:
        total = sum((s.light_ms or 0) + (s.slow_wave_ms or 0) + (s.rem_ms or 0) for s in naps)
        rows.append(_value(day, "nap_duration", total / MS_PER_MIN, "min", 1.0, "", computed_at))
    return rows


def cycles_touched(session: Session, changed: dict[str, set[int | str]]) -> set[int]:
    """Cycles whose daily values may have changed (sleeps point at their cycle; deleted rows still do)."""
    cycles = {int(k) for k in changed.get("cycle", set())} | {int(k) for k in changed.get("recovery", set())}
    sleep_ids = list(changed.get("sleep", set()))
    if sleep_ids:
        cycles |= {c for c in session.scalars(select(local.WhoopSleep.cycle_id)
                                              .where(local.WhoopSleep.id.in_(sleep_ids))) if c is not None}
    return cycles


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
