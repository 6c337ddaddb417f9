"""Derived values: one row per (cycle day, metric, source), plus band-derived sleeps and workouts.

`day` is the cycle's morning date 'YYYY-MM-DD' (core.timeutil.morning_date, docs/metrics.md §1). Band values and WHOOP cloud
values for the same day live side by side, distinct by `source` ('band' | 'whoop_cloud'); a per-metric source
priority picks the one the dashboard shows, the other stays readable. Writes replace, never accumulate:
deriving twice stores the same rows (architecture §4.2). Workouts a user confirmed or edited survive
re-derivation (metrics.md §24.10).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Boolean, Float, Index, Integer, String, Text, UniqueConstraint, delete, func, select
from sqlalchemy.dialects.sqlite import insert
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapped, Session, mapped_column

from healthdesk.store.base import Base

SOURCES = ("band", "whoop_cloud", "whoop_export")  # the export: WHOOP's own values from its data export
# What the dashboard shows first. WHOOP's proprietary scores (recovery, strain, sleep need/performance) are
# calibrated by WHOOP, so their own value leads when it exists; values measured directly from the signal
# (resting HR, HRV, max HR, sleep timing) and our own load metrics lead with the band.
CLOUD_FIRST = ("whoop_cloud", "band")
BAND_FIRST = ("band", "whoop_cloud")
SOURCE_PRIORITY: dict[str, tuple[str, ...]] = {
    "recovery": CLOUD_FIRST,
    "day_strain": CLOUD_FIRST,
    "sleep_need": CLOUD_FIRST,
    "sleep_performance": CLOUD_FIRST,
    "sleep_consistency": CLOUD_FIRST,
    "sleep_efficiency": CLOUD_FIRST,
    "calories": CLOUD_FIRST,
}
DEFAULT_PRIORITY = BAND_FIRST


def source_priority(metric: str) -> tuple[str, ...]:
    return SOURCE_PRIORITY.get(metric, DEFAULT_PRIORITY)


class DailyValueRow(Base):
    __tablename__ = "daily_values"
    __table_args__ = (Index("ix_daily_values_metric_day", "metric", "day"),)

    day: Mapped[str] = mapped_column(String(10), primary_key=True)
    metric: Mapped[str] = mapped_column(String(64), primary_key=True)
    source: Mapped[str] = mapped_column(String(16), primary_key=True)
    value: Mapped[float | None] = mapped_column(Float)
    unit: Mapped[str] = mapped_column(String(16))
    confidence: Mapped[float] = mapped_column(Float)
    detail: Mapped[str | None] = mapped_column(Text)  # JSON
    computed_at: Mapped[float] = mapped_column(Float)
    # core.metrics.version.ALGORITHM_VERSION that made a band value (None for WHOOP's own values)
    algorithm_version: Mapped[int | None] = mapped_column(Integer)


class BandSleepRow(Base):
    __tablename__ = "band_sleeps"
    __table_args__ = (UniqueConstraint("source", "start"), Index("ix_band_sleeps_time", "start", "end"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(16), default="band")
    day: Mapped[str] = mapped_column(String(10))  # cycle the sleep belongs to
    start: Mapped[float] = mapped_column(Float)  # unix s
    end: Mapped[float] = mapped_column(Float)
    main: Mapped[bool] = mapped_column(Boolean)
    tib_min: Mapped[float] = mapped_column(Float)
    asleep_min: Mapped[float] = mapped_column(Float)
    efficiency: Mapped[float | None] = mapped_column(Float)
    waso_min: Mapped[float | None] = mapped_column(Float)
    disturbances: Mapped[int | None] = mapped_column(Integer)
    confidence: Mapped[float] = mapped_column(Float)
    detail: Mapped[str | None] = mapped_column(Text)  # JSON: per-minute states/stages, stage confidence


class BandWorkoutRow(Base):
    __tablename__ = "band_workouts"
    __table_args__ = (UniqueConstraint("source", "start"), Index("ix_band_workouts_time", "start", "end"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(16), default="band")
    day: Mapped[str] = mapped_column(String(10))
    start: Mapped[float] = mapped_column(Float)
    end: Mapped[float] = mapped_column(Float)
    strain: Mapped[float | None] = mapped_column(Float)
    trimp: Mapped[float | None] = mapped_column(Float)
    avg_hr: Mapped[float | None] = mapped_column(Float)
    max_hr: Mapped[float | None] = mapped_column(Float)
    zone_minutes: Mapped[str | None] = mapped_column(Text)  # JSON list of 6
    user_edited: Mapped[bool] = mapped_column(Boolean, default=False)  # confirmed/edited: never replaced
    kind: Mapped[str] = mapped_column(String(64), default="")


@dataclass(frozen=True)
class DailyValue:
    day: str
    metric: str
    source: str
    value: float | None
    unit: str
    confidence: float
    detail: dict[str, Any] | None = None
    computed_at: float = 0.0
    algorithm_version: int | None = None


@dataclass(frozen=True)
class StoredSleep:
    day: str
    start: float
    end: float
    main: bool
    tib_min: float
    asleep_min: float
    efficiency: float | None
    waso_min: float | None
    disturbances: int | None
    confidence: float
    detail: dict[str, Any] | None = None
    source: str = "band"


@dataclass(frozen=True)
class StoredWorkout:
    day: str
    start: float
    end: float
    strain: float | None
    trimp: float | None
    avg_hr: float | None
    max_hr: float | None
    zone_minutes: list[float] | None = None
    user_edited: bool = False
    kind: str = ""
    source: str = "band"


def _day(d: str | date) -> str:
    return d.isoformat() if isinstance(d, date) else date.fromisoformat(d).isoformat()


def _json(detail: Any) -> str | None:
    return None if detail is None else json.dumps(detail, sort_keys=True, separators=(",", ":"))


def _plain(x: float | None) -> float | None:
    if x is None:
        return None
    x = float(x)
    return None if math.isnan(x) else x


def put_daily_values(session: Session | Connection, rows: Iterable[DailyValue]) -> int:
    """Insert or replace each (day, metric, source). Returns the number of rows written."""
    payload = [
        {
            "day": _day(r.day),
            "metric": r.metric,
            "source": r.source,
            "value": _plain(r.value),
            "unit": r.unit,
            "confidence": float(r.confidence),
            "detail": _json(r.detail),
            "computed_at": float(r.computed_at),
            "algorithm_version": r.algorithm_version,
        }
        for r in rows
    ]
    for p in payload:
        if p["source"] not in SOURCES:
            raise ValueError(f"unknown source {p['source']!r}")
    if not payload:
        return 0
    stmt = insert(DailyValueRow)
    changed = (
        DailyValueRow.value.is_not(stmt.excluded.value)
        | DailyValueRow.unit.is_not(stmt.excluded.unit)
        | DailyValueRow.confidence.is_not(stmt.excluded.confidence)
        | DailyValueRow.detail.is_not(stmt.excluded.detail)
        | DailyValueRow.algorithm_version.is_not(stmt.excluded.algorithm_version)
    )
    # an unchanged row keeps its computed_at: re-deriving the same data leaves the table byte-identical
    stmt = stmt.on_conflict_do_update(
        index_elements=["day", "metric", "source"],
        set_={c: stmt.excluded[c] for c in ("value", "unit", "confidence", "detail", "computed_at", "algorithm_version")},
        where=changed,
    )
    for i in range(0, len(payload), 500):
        session.execute(stmt, payload[i : i + 500])
    return len(payload)


def delete_daily_values(
    session: Session | Connection,
    source: str,
    day0: str | date,
    day1: str | date,
    keep_metrics: Sequence[str] = (),
) -> None:
    """Remove one source's rows for days in [day0, day1] (a re-derive whose cycles moved leaves no orphans)."""
    q = delete(DailyValueRow).where(
        DailyValueRow.source == source, DailyValueRow.day >= _day(day0), DailyValueRow.day <= _day(day1)
    )
    if keep_metrics:
        q = q.where(DailyValueRow.metric.not_in(list(keep_metrics)))
    session.execute(q)


def daily_values_between(
    session: Session | Connection,
    day0: str | date,
    day1: str | date,
    metrics: Sequence[str] | None = None,
    source: str | None = None,
) -> list[DailyValue]:
    """Rows with day0 <= day <= day1 (inclusive), ordered by day, metric, source."""
    q = select(*DailyValueRow.__table__.c).where(
        DailyValueRow.day >= _day(day0), DailyValueRow.day <= _day(day1)
    )
    if metrics is not None:
        q = q.where(DailyValueRow.metric.in_(list(metrics)))
    if source is not None:
        q = q.where(DailyValueRow.source == source)
    q = q.order_by(DailyValueRow.day, DailyValueRow.metric, DailyValueRow.source)
    rows = session.execute(q).all()
    return [
        DailyValue(
            r.day,
            r.metric,
            r.source,
            r.value,
            r.unit,
            r.confidence,
            json.loads(r.detail) if r.detail else None,
            r.computed_at,
            r.algorithm_version,
        )
        for r in rows
    ]


def preferred(values: Iterable[DailyValue]) -> dict[tuple[str, str], DailyValue]:
    """Per (day, metric): the value the dashboard shows (first source by priority that has a value)."""
    by_key: dict[tuple[str, str], list[DailyValue]] = {}
    for v in values:
        by_key.setdefault((v.day, v.metric), []).append(v)
    chosen = {}
    for key, options in by_key.items():
        order = source_priority(key[1])
        ranked = sorted(
            options, key=lambda v: (v.value is None, order.index(v.source) if v.source in order else 9)
        )
        chosen[key] = ranked[0]
    return chosen


def replace_band_sleeps(
    session: Session | Connection, t0: float, t1: float, sleeps: Sequence[StoredSleep]
) -> None:
    """Replace derived sleeps starting in [t0, t1) by `sleeps`."""
    session.execute(
        delete(BandSleepRow).where(
            BandSleepRow.source == "band", BandSleepRow.start >= t0, BandSleepRow.start < t1
        )
    )
    if sleeps:
        session.execute(
            insert(BandSleepRow),
            [
                {
                    "source": s.source,
                    "day": _day(s.day),
                    "start": float(s.start),
                    "end": float(s.end),
                    "main": s.main,
                    "tib_min": float(s.tib_min),
                    "asleep_min": float(s.asleep_min),
                    "efficiency": _plain(s.efficiency),
                    "waso_min": _plain(s.waso_min),
                    "disturbances": s.disturbances,
                    "confidence": float(s.confidence),
                    "detail": _json(s.detail),
                }
                for s in sleeps
            ],
        )


def replace_band_workouts(
    session: Session | Connection, t0: float, t1: float, workouts: Sequence[StoredWorkout]
) -> int:
    """Replace detected workouts starting in [t0, t1); user-edited rows stay and win over overlapping detections."""
    session.execute(
        delete(BandWorkoutRow).where(
            BandWorkoutRow.source == "band",
            BandWorkoutRow.start >= t0,
            BandWorkoutRow.start < t1,
            BandWorkoutRow.user_edited.is_(False),
        )
    )
    kept = session.execute(
        select(BandWorkoutRow.start, BandWorkoutRow.end).where(
            BandWorkoutRow.start < t1 + 86400, BandWorkoutRow.end > t0 - 86400
        )
    ).all()
    fresh = [w for w in workouts if not any(w.start < e and s < w.end for s, e in kept)]
    if fresh:
        session.execute(
            insert(BandWorkoutRow),
            [
                {
                    "source": w.source,
                    "day": _day(w.day),
                    "start": float(w.start),
                    "end": float(w.end),
                    "strain": _plain(w.strain),
                    "trimp": _plain(w.trimp),
                    "avg_hr": _plain(w.avg_hr),
                    "max_hr": _plain(w.max_hr),
                    "zone_minutes": _json(w.zone_minutes),
                    "user_edited": w.user_edited,
                    "kind": w.kind,
                }
                for w in fresh
            ],
        )
    return len(fresh)


def sleeps_between(session: Session | Connection, t0: float, t1: float) -> list[StoredSleep]:
    rows = session.execute(
        select(*BandSleepRow.__table__.c)
        .where(BandSleepRow.start >= t0, BandSleepRow.start < t1)
        .order_by(BandSleepRow.start)
    ).all()
    return [
        StoredSleep(
            r.day,
            r.start,
            r.end,
            r.main,
            r.tib_min,
            r.asleep_min,
            r.efficiency,
            r.waso_min,
            r.disturbances,
            r.confidence,
            json.loads(r.detail) if r.detail else None,
            r.source,
        )
        for r in rows
    ]


def workouts_between(session: Session | Connection, t0: float, t1: float) -> list[StoredWorkout]:
    rows = session.execute(
        select(*BandWorkoutRow.__table__.c)
        .where(BandWorkoutRow.start >= t0, BandWorkoutRow.start < t1)
        .order_by(BandWorkoutRow.start)
    ).all()
    return [
        StoredWorkout(
            r.day,
            r.start,
            r.end,
            r.strain,
            r.trimp,
            r.avg_hr,
            r.max_hr,
            json.loads(r.zone_minutes) if r.zone_minutes else None,
            r.user_edited,
            r.kind,
            r.source,
        )
        for r in rows
    ]


def band_sleep_at(session: Session | Connection, start: float) -> StoredSleep | None:
    """The band-derived sleep starting exactly at `start` (the night a picker entry names), or None."""
    found = [s for s in sleeps_between(session, start - 0.5, start + 0.5) if s.source == "band"]
    return min(found, key=lambda s: abs(s.start - start)) if found else None


def latest_day_with(session: Session | Connection, metrics: Sequence[str], not_after: str | date) -> date | None:
    """The newest day <= not_after with a non-missing value of any of `metrics` (any source)."""
    day = session.execute(
        select(func.max(DailyValueRow.day)).where(
            DailyValueRow.metric.in_(list(metrics)),
            DailyValueRow.value.is_not(None),
            DailyValueRow.day <= _day(not_after),
        )
    ).scalar()
    return date.fromisoformat(day) if day else None


def outdated_band_days(session: Session | Connection, version: int) -> list[str]:
    """Days holding a band value made by an algorithm older than `version` (or of unknown version)."""
    rows = session.execute(
        select(DailyValueRow.day)
        .where(
            DailyValueRow.source == "band",
            (DailyValueRow.algorithm_version.is_(None)) | (DailyValueRow.algorithm_version < version),
        )
        .distinct()
        .order_by(DailyValueRow.day)
    ).all()
    return [r.day for r in rows]


def delete_outdated_band_values(session: Session | Connection, version: int) -> int:
    """Drop band values an older algorithm made that a full re-derive did not rewrite (labels that moved)."""
    result = session.execute(
        delete(DailyValueRow).where(
            DailyValueRow.source == "band",
            (DailyValueRow.algorithm_version.is_(None)) | (DailyValueRow.algorithm_version < version),
        )
    )
    return int(result.rowcount or 0)
