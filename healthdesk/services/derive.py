"""The derive job: after a drain or import, recompute the affected cycles and store their values.

`derive(db, t0, t1)` re-derives every cycle from the one holding t0 to the end of the stored data (later cycles
read earlier ones as history), in CHUNK_DAYS pieces each loading the 1 Hz records of [piece - 6 days, piece +
2 days] (context for sleep windows, the 4-day consistency window and the cycle a piece ends in), with the
history of earlier cycles read back from `daily_values`. Results
replace the band rows of those days in one transaction; rows whose values did not change are left untouched,
so deriving twice (or after re-importing the same frames) changes nothing. Load metrics (ACWR, fitness,
monotony) of stored days after the recomputed span are then refreshed from the stored daily loads, because
they depend on every earlier day.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import date, timedelta

from healthdesk.core.metrics import load
from healthdesk.core.metrics.calories import Profile
from healthdesk.core.metrics.cycle_metrics import LOAD_MIN_WEAR
from healthdesk.core.metrics.engine import CycleResult, History, derive_span, plan_cycles
from healthdesk.core.metrics.sleep import SleepPeriod
from healthdesk.core.metrics.strain import fit_t_ref
from healthdesk.core.metrics.version import ALGORITHM_VERSION
from healthdesk.core.timeutil import system_tz_offset
from healthdesk.services.corrections import apply_to_detections as apply_corrections
from healthdesk.services.corrections import sleep_adjuster
from healthdesk.services.derive_prefetch import Piece, canonical_records, pieces
from healthdesk.store.band_reads import days_with_records, list_devices
from healthdesk.store.database import Database
from healthdesk.store.derived import (
    DailyValue,
    StoredSleep,
    StoredWorkout,
    daily_values_between,
    delete_daily_values,
    delete_outdated_band_values,
    outdated_band_days,
    put_daily_values,
    replace_band_sleeps,
    replace_band_workouts,
)

log = logging.getLogger(__name__)

CONTEXT_BEFORE_S = 6 * 86400  # the 4 noon-to-noon days of sleep consistency before the cycle holding t0
CONTEXT_AFTER_S = 2 * 86400
HISTORY_DAYS = 400
LOAD_METRICS = ("acwr", "ctl", "atl", "tsb", "monotony", "training_strain")
TRAILING_LOAD_DAYS = 60
CHUNK_DAYS = 30  # longer pieces re-read less context (8 of 38 days); a piece's records take ~120 MB
CALIBRATION_DAYS = 90
RUNNING_TOTALS = ("day_strain", "day_trimp", "calories", "wear", "zone_minutes", "workout_count")


@dataclass
class DeriveReport:
    cycles: int = 0
    days: list[str] = field(default_factory=list)
    values_written: int = 0
    sleeps: int = 0
    workouts: int = 0
    trailing_days_refreshed: int = 0
    seconds: float = 0.0
    note: str = ""
    upgraded_from_older_algorithm: bool = False  # a full re-derive because stored days were made by an older one
    stage_seconds: dict[str, float] = field(default_factory=dict)  # read, features, metrics, write


def _data_extent(db: Database) -> tuple[float, float] | None:
    devices = [d for d in list_devices(db) if d.first_seen is not None and d.last_seen is not None]
    if not devices:
        return None
    return float(min(d.first_seen for d in devices)), float(max(d.last_seen for d in devices) + 1)


def _history_before(db: Database, day: date) -> History:
    rows = _current(daily_values_between_db(
        db, day - timedelta(days=HISTORY_DAYS), day - timedelta(days=1), source="band"
    ))
    days = sorted({r.day for r in rows})
    index = {d: i for i, d in enumerate(days)}
    history = History(days=[date.fromisoformat(d) for d in days])
    for r in rows:
        col = history.values.setdefault(r.metric, [None] * len(days))
        col[index[r.day]] = r.value
    return history


def _current(rows: list[DailyValue]) -> list[DailyValue]:
    """Band values the current algorithm made (an older one's rows, awaiting re-derive, never feed history)."""
    return [r for r in rows if r.source != "band" or r.algorithm_version == ALGORITHM_VERSION]


def daily_values_between_db(db: Database, day0: date | str, day1: date | str, **kw) -> list[DailyValue]:
    with db.read() as conn:
        return daily_values_between(conn, day0, day1, **kw)


def strain_calibration(db: Database) -> float | None:
    """T_ref fitted to WHOOP's own day strain over the latest CALIBRATION_DAYS days that have both a band
    TRIMP and a cloud strain (decision D1); None until 14 such days exist. One value for every day, so a
    partial re-derive and a full one agree."""
    with db.read() as conn:
        rows = daily_values_between(conn, "1970-01-01", "9999-12-31", metrics=["day_trimp", "day_strain"])
    trimp = {r.day: r.value for r in _current(rows) if r.metric == "day_trimp" and r.source == "band"}
    cloud = {r.day: r.value for r in rows if r.metric == "day_strain" and r.source == "whoop_cloud"}
    days = sorted(d for d in trimp.keys() & cloud.keys() if trimp[d] and cloud[d])[-CALIBRATION_DAYS:]
    return fit_t_ref([trimp[d] for d in days], [cloud[d] for d in days])


def _sleep_detail(p: SleepPeriod) -> dict:
    detail: dict = {"state": "".join("w" if s == 0 else "s" if s == 1 else "-" for s in p.state.tolist())}
    if p.stages is not None:
        detail["stages"] = "".join(str(int(s)) for s in p.stages.tolist())  # 0 deep 1 light 2 REM 3 awake
    return detail


def _rows_for(
    result: CycleResult, now: float
) -> tuple[list[DailyValue], list[StoredSleep], list[StoredWorkout]]:
    day = result.cycle.day.isoformat()
    # the open cycle's running totals grow until the next sleep: marked so trends leave them out
    running = {"open_cycle": True} if result.cycle.is_open else {}
    values = [
        DailyValue(
            day,
            name,
            "band",
            m.value,
            m.unit,
            m.confidence,
            {
                k: v
                for k, v in {
                    "note": m.note or None,
                    **(m.detail or {}),
                    **(running if name in RUNNING_TOTALS else {}),
                }.items()
                if v is not None
            }
            or None,
            now,
            ALGORITHM_VERSION,
        )
        for name, m in sorted(result.metrics.items())
    ]
    sleeps = [
        StoredSleep(
            day,
            p.start,
            p.end,
            p.main,
            p.tib_min,
            p.tst_min,
            p.efficiency,
            p.waso_min,
            p.disturbances,
            p.confidence,
            _sleep_detail(p),
        )
        for p in ([result.sleep] if result.sleep else []) + result.naps
    ]
    workouts = [
        StoredWorkout(day, w.start, w.end, w.strain, w.trimp, w.avg_hr, w.max_hr, list(w.zone_minutes))
        for w in result.workouts or []
    ]
    return values, sleeps, workouts


def _refresh_trailing_load(conn, after: date, now: float) -> int:
    """Recompute load metrics of stored band days after `after` from the stored day_trimp/wear series."""
    rows = daily_values_between(
        conn,
        after - timedelta(days=HISTORY_DAYS),
        after + timedelta(days=TRAILING_LOAD_DAYS),
        metrics=("day_trimp", "wear"),
        source="band",
    )
    rows = _current(rows)
    days = sorted({r.day for r in rows})
    later = [d for d in days if d > after.isoformat()]
    if not later:
        return 0
    trimp = {r.day: r.value for r in rows if r.metric == "day_trimp"}
    wear = {r.day: r.value for r in rows if r.metric == "wear"}
    loads = [trimp.get(d) if (wear.get(d) or 0) >= LOAD_MIN_WEAR else None for d in days]
    out = []
    for d in later:
        upto = loads[: days.index(d) + 1]
        metrics = {"acwr": load.acwr(upto), **load.pmc(upto), **load.foster(upto)}
        out += [
            DailyValue(
                d, k, "band", m.value, m.unit, m.confidence, {"note": m.note} if m.note else m.detail, now,
                ALGORITHM_VERSION,
            )
            for k, m in metrics.items()
        ]
    put_daily_values(conn, out)
    return len(later)


def derive(
    db: Database,
    t0: float | None = None,
    t1: float | None = None,
    *,
    tz_offset_s: int | None = None,
    profile: Profile | None = None,
    device: str | None = None,
) -> DeriveReport:
    """Recompute the cycles touching [t0, t1) (default: all stored data) and store their values.

    Long ranges run in CHUNK_DAYS pieces, oldest first, so memory stays bounded and each piece reads the
    history the previous one stored.
    """
    started = time.perf_counter()
    report = DeriveReport()
    extent = _data_extent(db)
    if extent is None:
        report.note = "no band data"
        return report
    with db.read() as conn:
        outdated = outdated_band_days(conn, ALGORITHM_VERSION)
    if outdated:  # values (and day labels) made by an older algorithm: re-derive everything once
        t0 = t1 = None
        report.upgraded_from_older_algorithm = True
        log.info("%d stored days were derived by an older algorithm: full re-derive", len(outdated))
    lo = extent[0] if t0 is None else max(extent[0], float(t0))
    # Every cycle after t0 reads the ones before it (baselines, sleep need, recovery, load), so new data at t0
    # re-derives through the end of the stored data: importing in any order then stores what one full derive
    # would (docs/architecture.md "Day model"). New data usually arrives at the end, where this costs nothing.
    hi = extent[1]
    if hi <= lo or (t1 is not None and float(t1) <= lo):
        report.note = "no band data in range"
        return report
    ranges = _ranges_with_data(db, lo, hi)
    spans = [(max(extent[0], a - CONTEXT_BEFORE_S), min(extent[1], b + CONTEXT_AFTER_S)) for a, b in ranges]
    for (a, b), piece in zip(ranges, pieces(db, device, spans), strict=True):
        _derive_range(db, extent, a, b, tz_offset_s, profile, piece, report)
    if report.upgraded_from_older_algorithm:
        with db.write() as conn:  # rows under labels that no longer exist (nothing user-entered lives here)
            dropped = delete_outdated_band_values(conn, ALGORITHM_VERSION)
        log.info("dropped %d band values no current cycle produced", dropped)
    report.days = sorted(set(report.days))
    report.cycles = len(report.days)
    report.seconds = time.perf_counter() - started
    if not report.days and not report.note:
        report.note = "no cycle in range"
    log.info("derived %d cycles in %.2f s", report.cycles, report.seconds)
    return report


def _ranges_with_data(db: Database, lo: float, hi: float) -> list[tuple[float, float]]:
    """CHUNK_DAYS pieces of [lo, hi), leaving out pieces whose loaded span (with context) holds no record.

    A piece without records derives nothing (see _derive_range), so skipping it changes no value; it only spares
    reading empty decades, e.g. when an imported file holds records from a band whose clock was unset (1970/71;
    docs/band-protocol.md §12) beside this year's.
    """
    days = days_with_records(db)
    ranges = []
    a = lo
    while a < hi:
        b = min(hi, a + CHUNK_DAYS * 86400)
        s0, s1 = a - CONTEXT_BEFORE_S, b + CONTEXT_AFTER_S
        if any(d in days for d in range(int(s0 // 86400), int(s1 // 86400) + 1)):
            ranges.append((a, b))
        a = b
    return ranges


def _derive_range(
    db: Database,
    extent: tuple[float, float],
    lo: float,
    hi: float,
    tz_offset_s: int | None,
    profile: Profile | None,
    piece: Piece,
    report: DeriveReport,
) -> None:
    span1 = piece.span1
    tz = system_tz_offset((lo + hi) / 2) if tz_offset_s is None else tz_offset_s
    # read/features: time spent producing the piece (in a worker when read ahead, so it can overlap the rest)
    report.stage_seconds["read"] = report.stage_seconds.get("read", 0.0) + piece.read_s
    report.stage_seconds["features"] = report.stage_seconds.get("features", 0.0) + piece.features_s
    if piece.minutes is None:
        return
    minutes = piece.minutes
    clock = time.perf_counter()
    adjust = sleep_adjuster(db, float(minutes["minute"][0]), float(minutes["minute"][-1] + 60))  # user corrections
    _, cycles = plan_cycles(minutes, tz, History(), adjust)
    holding = [c for c in cycles if c.start <= lo]
    first = holding[-1] if holding else cycles[0] if cycles else None
    if first is None:
        return
    history = _history_before(db, first.day)
    results = derive_span(
        minutes, tz, history, profile, evaluate_from=first.start, strain_reference=strain_calibration(db),
        adjust_sleeps=adjust,
    )
    if span1 < extent[1] and results and results[-1].cycle.end is None:
        results = results[:-1]  # it ends beyond the loaded context: derived when that data is in range
    _stage(report, "metrics", clock)
    if not results:
        return
    clock = time.perf_counter()
    now = time.time()
    values: list[DailyValue] = []
    sleeps: list[StoredSleep] = []
    workouts: list[StoredWorkout] = []
    for r in results:
        v, s, w = _rows_for(r, now)
        values += v
        sleeps += s
        workouts += w
    day0, day1 = results[0].cycle.day, results[-1].cycle.day
    span_start = results[0].cycle.start
    span_end = results[-1].cycle.end_or(float(minutes["minute"][-1] + 60))
    with db.write() as conn:
        # the user's corrections (rejected/moved sleeps, relabelled/rejected workouts) win over any detection
        values, sleeps, workouts = apply_corrections(conn, values, sleeps, workouts, span_start, span_end)
        keep: dict[str, list[str]] = {}
        for v in values:
            keep.setdefault(v.day, []).append(v.metric)
        stored_days = {r.day for r in daily_values_between(conn, day0, day1, source="band")}
        for d in stored_days:  # a cycle whose label moved leaves no orphan rows behind
            delete_daily_values(conn, "band", d, d, keep_metrics=keep.get(d, []))
        report.values_written += put_daily_values(conn, values)
        replace_band_sleeps(conn, span_start, span_end, sleeps)
        report.workouts += replace_band_workouts(conn, span_start, span_end, workouts)
        report.trailing_days_refreshed = _refresh_trailing_load(conn, day1, now)
    report.days += [r.cycle.day.isoformat() for r in results]
    report.sleeps += len(sleeps)
    _stage(report, "write", clock)


def _stage(report: DeriveReport, name: str, since: float) -> None:
    report.stage_seconds[name] = report.stage_seconds.get(name, 0.0) + time.perf_counter() - since


__all__ = ["DeriveReport", "canonical_records", "daily_values_between_db", "derive"]
