"""The one read model of the WHOOP cloud copy: typed cycles, sleeps, recoveries and workouts, each with its day.

Every reader of the whoop_* tables (services/summary, services/dashboard*, clinical/load_*, cloud/daily) goes
through `read_cloud` (or `cloud_cycle`), so there is one "asleep" rule and one day label:

* **asleep** (`CloudSleep.asleep_min`) = light + slow-wave + REM sleep, the three stage totals WHOOP scored
  (docs/architecture.md "Day model"). In-bed minus awake would also count WHOOP's "no data" minutes as sleep.
  None unless the sleep is scored, live and reports all three stages.
* **day** = the morning date (core.timeutil, docs/metrics.md §1) in the record's own UTC offset: a cycle by
  its start (the onset of the sleep that opens it); a main sleep by the cycle it opens (its `cycle_id`, else
  its own onset); a nap, a workout or a recovery by the cycle holding its start (`day_of` over every cycle
  start stored, not just the ones in the window asked for).

Rows are returned oldest first. Soft-deleted rows are left out unless `include_deleted` is set (cloud/daily
writes a dash for a deleted record).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import inspect, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from healthdesk.core.timeutil import day_of, iso_unix, morning_date, parse_offset
from healthdesk.store.cloud import WhoopCycle, WhoopProfile, WhoopRecovery, WhoopSleep, WhoopWorkout

SCORED = "SCORED"
MS_PER_MIN = 60_000.0
CLOUD_TABLES = ("whoop_cycle", "whoop_sleep", "whoop_recovery", "whoop_workout")
# A cycle labelled D starts (at the latest) the evening before D; sleeps and workouts of days [d0, d1] start
# within [d0 - 2 days, d1 + 2 days] in any UTC offset WHOOP reports (-12..+14 h).
WINDOW_PAD = timedelta(days=2)


@dataclass(frozen=True)
class CloudCycle:
    id: int
    day: date
    start: float  # unix s
    end: float | None  # None: WHOOP's open cycle
    tz_offset_s: int
    score_state: str
    deleted: bool
    strain: float | None
    kilojoule: float | None
    average_hr: float | None
    max_hr: float | None

    @property
    def scored(self) -> bool:
        return self.score_state == SCORED and not self.deleted


@dataclass(frozen=True)
class CloudSleep:
    id: str
    cycle_id: int | None
    day: date
    start: float
    end: float
    tz_offset_s: int
    nap: bool
    score_state: str
    deleted: bool
    asleep_min: float | None  # THE asleep rule (module docstring)
    in_bed_min: float | None
    awake_min: float | None
    light_min: float | None
    deep_min: float | None
    rem_min: float | None
    disturbances: int | None
    need_min: float | None
    respiratory_rate: float | None
    performance_pct: float | None
    consistency_pct: float | None
    efficiency_pct: float | None

    @property
    def main(self) -> bool:
        return not self.nap

    @property
    def scored(self) -> bool:
        return self.score_state == SCORED and not self.deleted


@dataclass(frozen=True)
class CloudRecovery:
    cycle_id: int
    sleep_id: str | None
    day: date
    score_state: str
    deleted: bool
    recovery: float | None
    resting_hr: float | None
    hrv_rmssd_ms: float | None
    spo2_pct: float | None
    skin_temp_c: float | None
    calibrating: bool

    @property
    def scored(self) -> bool:
        return self.score_state == SCORED and not self.deleted


@dataclass(frozen=True)
class CloudWorkout:
    id: str
    day: date
    start: float
    end: float
    tz_offset_s: int
    score_state: str
    deleted: bool
    sport: str
    strain: float | None
    average_hr: float | None
    max_hr: float | None
    kilojoule: float | None

    @property
    def scored(self) -> bool:
        return self.score_state == SCORED and not self.deleted


@dataclass(frozen=True)
class CloudProfile:
    name: str | None
    height_m: float | None
    weight_kg: float | None
    fetched_at: float


@dataclass
class CloudRecords:
    cycles: list[CloudCycle] = field(default_factory=list)
    sleeps: list[CloudSleep] = field(default_factory=list)
    recoveries: list[CloudRecovery] = field(default_factory=list)
    workouts: list[CloudWorkout] = field(default_factory=list)

    def main_sleeps(self) -> list[CloudSleep]:
        return [s for s in self.sleeps if s.main]


def asleep_minutes(score_state: str, deleted: bool, light_ms: float | None, deep_ms: float | None,
                   rem_ms: float | None) -> float | None:
    """THE asleep rule for WHOOP sleeps: scored light + slow-wave + REM, else None."""
    if score_state != SCORED or deleted or None in (light_ms, deep_ms, rem_ms):
        return None
    return (float(light_ms) + float(deep_ms) + float(rem_ms)) / MS_PER_MIN  # type: ignore[arg-type]


def _min(ms: float | None) -> float | None:
    return None if ms is None else float(ms) / MS_PER_MIN


def _f(x: Any) -> float | None:
    return None if x is None else float(x)


def _offset(text: str | None) -> int:
    try:
        return parse_offset(text)
    except ValueError:
        return 0  # a malformed offset from the API: fall back to UTC rather than lose the record


def _iso_bound(unix: float) -> str:
    return datetime.fromtimestamp(unix, UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def has_cloud_tables(conn: Connection | Session) -> bool:
    bind = conn.connection() if isinstance(conn, Session) else conn
    return set(CLOUD_TABLES) <= set(inspect(bind).get_table_names())


class _Labeller:
    """Cycle starts (all of them, sorted) and their labels, for `day_of` look-ups."""

    def __init__(self, cycles: Iterable[tuple[int, float, int]]) -> None:
        ordered = sorted(cycles, key=lambda c: c[1])
        self.starts = [s for _, s, _ in ordered]
        self.tz = [tz for _, _, tz in ordered]
        self.by_id = {cid: morning_date(s, tz) for cid, s, tz in ordered}

    def holding(self, unix: float, tz_offset_s: int) -> date:
        return day_of(unix, self.starts, tz_offset_s)


def _labeller(conn: Connection | Session) -> _Labeller:
    rows = conn.execute(
        select(WhoopCycle.id, WhoopCycle.start, WhoopCycle.timezone_offset).where(WhoopCycle.deleted_at.is_(None))
    ).all()
    return _Labeller((int(cid), iso_unix(start), _offset(tz)) for cid, start, tz in rows)


def _cycle(row: Any, label: _Labeller) -> CloudCycle:
    start, tz = iso_unix(row.start), _offset(row.timezone_offset)
    return CloudCycle(int(row.id), label.by_id.get(int(row.id)) or morning_date(start, tz), start,
                      iso_unix(row.end) if row.end else None, tz, row.score_state, row.deleted_at is not None,
                      _f(row.strain), _f(row.kilojoule), _f(row.average_heart_rate), _f(row.max_heart_rate))


def _sleep(row: Any, label: _Labeller) -> CloudSleep:
    start, tz = iso_unix(row.start), _offset(row.timezone_offset)
    deleted = row.deleted_at is not None
    if row.nap:
        day = label.holding(start, tz)
    else:
        day = label.by_id.get(int(row.cycle_id)) if row.cycle_id is not None else None
        day = day or morning_date(start, tz)
    return CloudSleep(
        str(row.id), None if row.cycle_id is None else int(row.cycle_id), day, start, iso_unix(row.end), tz,
        bool(row.nap), row.score_state, deleted,
        asleep_minutes(row.score_state, deleted, row.light_ms, row.slow_wave_ms, row.rem_ms),
        _min(row.in_bed_ms), _min(row.awake_ms), _min(row.light_ms), _min(row.slow_wave_ms), _min(row.rem_ms),
        row.disturbance_count, _min(row.need_ms), _f(row.respiratory_rate), _f(row.performance_pct),
        _f(row.consistency_pct), _f(row.efficiency_pct))


def _recovery(row: Any, cycle_day: date | None) -> CloudRecovery | None:
    if cycle_day is None:
        return None  # a recovery of a cycle we never stored has no day
    return CloudRecovery(int(row.cycle_id), row.sleep_id, cycle_day, row.score_state, row.deleted_at is not None,
                         _f(row.recovery_score), _f(row.resting_heart_rate), _f(row.hrv_rmssd_ms),
                         _f(row.spo2_pct), _f(row.skin_temp_c), bool(row.user_calibrating))


def _workout(row: Any, label: _Labeller) -> CloudWorkout:
    start, tz = iso_unix(row.start), _offset(row.timezone_offset)
    return CloudWorkout(str(row.id), label.holding(start, tz), start, iso_unix(row.end), tz, row.score_state,
                        row.deleted_at is not None, (row.sport_name or "activity"), _f(row.strain),
                        _f(row.average_heart_rate), _f(row.max_heart_rate), _f(row.kilojoule))


def read_cloud(conn: Connection | Session, day0: date | None = None, day1: date | None = None, *,
               include_deleted: bool = False) -> CloudRecords:
    """Every WHOOP cycle, sleep, recovery and workout whose day lies in [day0, day1] (None: unbounded)."""
    out = CloudRecords()
    if not has_cloud_tables(conn):
        return out
    label = _labeller(conn)

    def window(model: Any) -> list[Any]:
        q = select(model.__table__)
        if day0 is not None:
            lo = datetime(day0.year, day0.month, day0.day, tzinfo=UTC) - WINDOW_PAD
            q = q.where(model.start >= _iso_bound(lo.timestamp()))
        if day1 is not None:
            hi = datetime(day1.year, day1.month, day1.day, tzinfo=UTC) + WINDOW_PAD
            q = q.where(model.start < _iso_bound(hi.timestamp()))
        if not include_deleted:
            q = q.where(model.deleted_at.is_(None))
        return list(conn.execute(q.order_by(model.start, model.id)).all())

    def inside(d: date) -> bool:
        return (day0 is None or d >= day0) and (day1 is None or d <= day1)

    out.cycles = [c for c in (_cycle(r, label) for r in window(WhoopCycle)) if inside(c.day)]
    out.sleeps = [s for s in (_sleep(r, label) for r in window(WhoopSleep)) if inside(s.day)]
    out.workouts = [w for w in (_workout(r, label) for r in window(WhoopWorkout)) if inside(w.day)]
    cycle_day = {c.id: c.day for c in out.cycles}
    q = select(WhoopRecovery.__table__)
    if not include_deleted:
        q = q.where(WhoopRecovery.deleted_at.is_(None))
    if cycle_day:
        q = q.where(WhoopRecovery.cycle_id.in_(list(cycle_day)))
        out.recoveries = [r for r in (_recovery(row, cycle_day.get(int(row.cycle_id)))
                                      for row in conn.execute(q.order_by(WhoopRecovery.cycle_id)).all()) if r]
    return out


@dataclass(frozen=True)
class CycleBundle:
    """One WHOOP cycle with its recovery and sleeps (what cloud/daily turns into one day's values)."""

    cycle: CloudCycle
    recovery: CloudRecovery | None
    sleeps: list[CloudSleep]

    @property
    def main_sleep(self) -> CloudSleep | None:
        """The cycle's main sleep: its longest non-nap sleep (WHOOP lists one; a re-scored copy may linger)."""
        mains = [s for s in self.sleeps if s.main and not s.deleted]
        return max(mains, key=lambda s: s.end - s.start) if mains else None

    @property
    def naps(self) -> list[CloudSleep]:
        return [s for s in self.sleeps if s.nap and s.scored]


def cloud_cycle(conn: Connection | Session, cycle_id: int) -> CycleBundle | None:
    """A cycle (deleted or not) with its recovery and every sleep pointing at it (deleted ones included)."""
    if not has_cloud_tables(conn):
        return None
    row = conn.execute(select(WhoopCycle.__table__).where(WhoopCycle.id == cycle_id)).first()
    if row is None:
        return None
    label = _labeller(conn)
    cycle = _cycle(row, label)
    rec = conn.execute(select(WhoopRecovery.__table__).where(WhoopRecovery.cycle_id == cycle_id)).first()
    sleeps = [_sleep(r, label) for r in conn.execute(
        select(WhoopSleep.__table__).where(WhoopSleep.cycle_id == cycle_id).order_by(WhoopSleep.start)).all()]
    return CycleBundle(cycle, _recovery(rec, cycle.day) if rec is not None else None, sleeps)


def sleep_cycle_ids(conn: Connection | Session, sleep_ids: Iterable[str]) -> set[int]:
    ids = list(sleep_ids)
    if not ids:
        return set()
    rows = conn.execute(select(WhoopSleep.cycle_id).where(WhoopSleep.id.in_(ids))).all()
    return {int(c) for (c,) in rows if c is not None}


def latest_profile(conn: Connection | Session) -> CloudProfile | None:
    bind = conn.connection() if isinstance(conn, Session) else conn
    if not inspect(bind).has_table("whoop_profile"):
        return None
    row = conn.execute(select(WhoopProfile.__table__).order_by(WhoopProfile.fetched_at.desc(),
                                                               WhoopProfile.user_id).limit(1)).first()
    if row is None:
        return None
    name = " ".join(p for p in (row.first_name, row.last_name) if p) or None
    return CloudProfile(name, _f(row.height_meter), _f(row.weight_kilogram), iso_unix(row.fetched_at))


__all__ = [
    "CloudCycle", "CloudProfile", "CloudRecords", "CloudRecovery", "CloudSleep", "CloudWorkout", "CycleBundle",
    "asleep_minutes", "cloud_cycle", "has_cloud_tables", "latest_profile", "read_cloud", "sleep_cycle_ids",
]
