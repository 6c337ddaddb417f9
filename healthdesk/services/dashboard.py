"""The dashboard's read side: Qt-free queries that return the plain types of dashboard_types.

Every method is blocking (SQL + numpy) and runs on the UI's reader thread; nothing here writes. Values come
from `daily_values` (band-derived and WHOOP cloud side by side); the shown one per day follows the store's
source priority and the other stays visible. Baselines and trajectories are computed here from those values
with the core metrics (metrics.md §18, §19), never stored guesses.
"""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta

import numpy as np

from healthdesk.core.metrics.baseline import baseline_band
from healthdesk.core.timeutil import day_noon, system_tz_offset
from healthdesk.services.dashboard_night import cloud_sleeps, cloud_workouts, night_detail
from healthdesk.services.dashboard_types import (
    TODAY_METRICS,
    TRAJECTORY_METRICS,
    BaselineBand,
    MetricHistory,
    MetricValue,
    NightDetail,
    SleepPeriod,
    SourceSeries,
    TodaySummary,
    Trajectory,
    WorkoutRow,
    empty_array,
)
from healthdesk.services.whoop_export.views import dashboard_sleeps, dashboard_workouts, one_whoop_value
from healthdesk.store.cloud_reads import read_cloud
from healthdesk.store.database import Database
from healthdesk.store.derived import (
    DailyValue,
    daily_values_between,
    latest_day_with,
    preferred,
    sleeps_between,
    source_priority,
    workouts_between,
)
from healthdesk.store.report_reads import last_band_contact
from healthdesk.store.report_reads import last_cloud_sync as stored_last_cloud_sync

BASELINE_METRICS = ("resting_hr", "hrv_rmssd", "recovery", "day_strain", "sleep_duration", "sleep_performance")
PERCENT_MAX = 100.0  # a baseline of a percentage stops at 100 on the chart
BASELINE_WINDOW_DAYS = 30  # core.metrics.baseline.WINDOW_DAYS: the trailing days a baseline looks at
FIRST_DAY = date(1970, 1, 2)
LAST_DAY = date(9999, 12, 30)


class DashboardService:
    """Reads what the pages show; with no database (before start-up finished) every answer is empty."""

    def __init__(self, database: Database | None = None, *, tz_offset_s: int | None = None) -> None:
        self._db = database
        self._tz = system_tz_offset(datetime.now(UTC).timestamp()) if tz_offset_s is None else tz_offset_s

    @property
    def database(self) -> Database | None:
        """For the pages' own read models (services/dashboard_today.py, services/day_explorer.py)."""
        return self._db

    @property
    def tz_offset_s(self) -> int:
        return self._tz

    # --- helpers -------------------------------------------------------------------------------------------
    def _local_today(self) -> date:
        return datetime.fromtimestamp(datetime.now(UTC).timestamp() + self._tz, UTC).date()

    def _noon(self, day: str | date) -> float:
        return day_noon(date.fromisoformat(day) if isinstance(day, str) else day, self._tz)

    def _values(self, metrics: tuple[str, ...] | list[str], day0: date = FIRST_DAY,
                day1: date = LAST_DAY) -> list[DailyValue]:
        if self._db is None:
            return []
        with self._db.read() as conn:
            return daily_values_between(conn, day0, day1, metrics=list(metrics))

    # --- Today ---------------------------------------------------------------------------------------------
    def latest_day(self) -> date | None:
        """The newest cycle day that has any Today metric stored: the open cycle is "today".

        A cycle is named by its morning (docs/metrics.md §1), so once tonight's sleep has begun the open cycle
        carries tomorrow's date; anything later than that is a clock error and is not shown as today.
        """
        if self._db is None:
            return None
        with self._db.read() as conn:
            return latest_day_with(conn, list(TODAY_METRICS), self._local_today() + timedelta(days=1))

    def today(self) -> TodaySummary:
        day = self.latest_day()
        empty = {m: MetricValue.missing(m, unit, "no_data") for m, unit in TODAY_METRICS.items()}
        if day is None:
            return TodaySummary(None, empty, last_drain=self.last_drain(), last_cloud_sync=self.last_cloud_sync())
        rows = self._values(list(TODAY_METRICS), day - timedelta(days=BASELINE_WINDOW_DAYS), day)
        chosen = preferred(r for r in rows if r.day == day.isoformat())
        values: dict[str, MetricValue] = {}
        others: dict[str, list[MetricValue]] = {}
        for metric, unit in TODAY_METRICS.items():
            shown = chosen.get((day.isoformat(), metric))
            values[metric] = _to_value(shown, day) if shown else MetricValue.missing(metric, unit, "no_data", day)
            others[metric] = [
                _to_value(r, day) for r in rows
                if r.day == day.isoformat() and r.metric == metric and shown and r.source != shown.source
                and r.value is not None
            ]
        baselines: dict[str, BaselineBand | None] = {}
        for metric in ("resting_hr", "hrv_rmssd"):
            source = values[metric].source or "band"
            trailing = [r.value for r in rows if r.metric == metric and r.source == source and r.day < day.isoformat()]
            band = baseline_band(trailing, metric)
            baselines[metric] = BaselineBand(band.centre, band.low, band.high, band.days) if band else None
        for metric in values:  # one WHOOP value when the cloud and the export agree (services/whoop_export/views)
            values[metric], others[metric] = one_whoop_value(values[metric], others[metric])
        return TodaySummary(day, values, others, baselines, self.last_drain(), self.last_cloud_sync())

    def last_drain(self) -> datetime | None:
        """When a band last delivered something new (drain or import)."""
        if self._db is None:
            return None
        with self._db.read() as conn:
            t = last_band_contact(conn)
        return datetime.fromtimestamp(t, UTC) if t else None

    def last_cloud_sync(self) -> datetime | None:
        if self._db is None:
            return None
        with self._db.read() as conn:
            t = stored_last_cloud_sync(conn)
        return datetime.fromtimestamp(t, UTC) if t else None

    # --- history charts ------------------------------------------------------------------------------------
    def history(self, metric: str) -> MetricHistory:
        rows = [r for r in self._values([metric]) if r.value is not None]
        unit = rows[0].unit if rows else TODAY_METRICS.get(metric, "")
        by_source: dict[str, list[DailyValue]] = defaultdict(list)
        for r in rows:
            by_source[r.source].append(r)
        series = [
            SourceSeries(
                source,
                np.array([self._noon(r.day) for r in rs], dtype=np.float64),
                np.array([r.value for r in rs], dtype=np.float64),
                np.array([r.confidence for r in rs], dtype=np.float64),
            )
            for source, rs in sorted(by_source.items(), key=lambda kv: kv[0] != "band")
        ]
        if metric not in BASELINE_METRICS or not rows:
            return MetricHistory(metric, unit, series)
        shown = preferred(rows)
        days = sorted({d for d, _ in shown})
        t, low, high = [], [], []
        trailing: list[float | None] = []
        for d in days:
            band = baseline_band(trailing, metric)
            t.append(self._noon(d))
            low.append(band.low if band else math.nan)
            high.append(min(band.high, PERCENT_MAX) if band and unit == "%" else band.high if band else math.nan)
            trailing.append(shown[(d, metric)].value)
        return MetricHistory(metric, unit, series, np.array(t), np.array(low), np.array(high))

    # --- sleep and workouts --------------------------------------------------------------------------------
    def sleeps(self) -> list[SleepPeriod]:
        if self._db is None:
            return []
        with self._db.read() as conn:
            band = [
                SleepPeriod(_utc(s.start), _utc(s.end), s.asleep_min, s.main, s.source,
                            _performance(conn, s.day) if s.main else None, date.fromisoformat(s.day))
                for s in sleeps_between(conn, 0, 2**40)
            ]
            every = band + cloud_sleeps(read_cloud(conn)) + dashboard_sleeps(conn)  # + the WHOOP export's
            return sorted(every, key=lambda s: s.start)

    def nights(self) -> list[SleepPeriod]:
        """One main sleep per morning date, newest first: the night picker's list (no night twice, none skipped).

        Where the band and WHOOP both have the night, the one shown is the source `sleep_duration` shows first
        (store.derived.source_priority), so the picker, the Today card and the charts agree.
        """
        order = source_priority("sleep_duration")
        best: dict[date, SleepPeriod] = {}
        for s in self.sleeps():
            if not s.main or s.day is None:
                continue
            held = best.get(s.day)
            rank = order.index(s.source) if s.source in order else len(order)
            if held is None or rank < (order.index(held.source) if held.source in order else len(order)):
                best[s.day] = s
        return [best[d] for d in sorted(best, reverse=True)]

    def workouts(self) -> list[WorkoutRow]:
        if self._db is None:
            return []
        with self._db.read() as conn:
            band = [
                WorkoutRow(_utc(w.start), _utc(w.end), w.strain, w.source, w.kind, w.avg_hr,
                           date.fromisoformat(w.day))
                for w in workouts_between(conn, 0, 2**40)
            ]
            rows = dashboard_workouts(conn, band + cloud_workouts(read_cloud(conn)))  # one row per real workout
            return sorted(rows, key=lambda w: w.start, reverse=True)

    def night(self, sleep: SleepPeriod) -> NightDetail | None:
        if self._db is None:
            return None
        return night_detail(self._db, sleep)

    # --- trends --------------------------------------------------------------------------------------------
    def trajectories(self) -> list[Trajectory]:
        # Imported here: the metrics engine is not needed for the first paint of Today.
        from healthdesk.core.metrics.trajectory import WINDOW_DAYS, project

        today = self._local_today()
        rows = [r for r in self._values(list(TRAJECTORY_METRICS), today - timedelta(days=WINDOW_DAYS + 1), today)]
        shown = trend_points(rows)
        out = []
        for metric in TRAJECTORY_METRICS:
            picked = sorted((d, v) for (d, m), v in shown.items() if m == metric)
            days = np.array([date.fromisoformat(d).toordinal() for d, _ in picked], dtype=np.int64)
            values = np.array([v.value for _, v in picked], dtype=np.float64)
            unit = picked[0][1].unit if picked else TODAY_METRICS.get(metric, "")
            history_t = np.array([self._noon(d) for d, _ in picked], dtype=np.float64)
            proj = project(days, values, today.toordinal())
            if proj.status != "ok" or proj.fit is None:
                out.append(Trajectory(metric, unit, history_t, values, "insufficient", _gate_words(proj.note),
                                      n_days=len(picked)))
                continue
            last = int(days.max())
            ahead = np.concatenate([[0], proj.horizon_days])  # start the line and band at the last observation
            y, half = proj.fit.predict(last - int(days[days > today.toordinal() - WINDOW_DAYS].min()) + ahead)
            proj_t = np.array([self._noon(date.fromordinal(last + int(h))) for h in ahead])
            out.append(Trajectory(
                metric, unit, history_t, values, "ok", "", "Least-squares line with a shaded 95 % prediction interval",
                proj.fit.r2, proj.fit.slope, proj.fit.n, proj_t, y, y - half, y + half,
            ))
        return out


def trend_points(rows: list[DailyValue]) -> dict[tuple[str, str], DailyValue]:
    """The shown value per (day, metric) a trend may use: a still-running cycle's totals (its strain is 0.0
    right after waking) are partial, never a trend point."""
    return preferred(r for r in rows if r.value is not None and not (r.detail or {}).get("open_cycle"))


def _to_value(row: DailyValue, day: date) -> MetricValue:
    note = (row.detail or {}).get("note", "") if row.value is None else ""
    return MetricValue(row.metric, row.value, row.unit, row.confidence if row.value is not None else 0.0,
                       row.source, day, str(note or ("no_data" if row.value is None else "")))


def _utc(unix: float) -> datetime:
    return datetime.fromtimestamp(unix, UTC)


def _performance(conn: object, day: str) -> float | None:
    rows = daily_values_between(conn, day, day, metrics=["sleep_performance"], source="band")  # type: ignore[arg-type]
    return rows[0].value if rows else None


def _gate_words(note: str) -> str:
    """'gate:days=9<14' -> '9 of the 14 days needed in the last 30'."""
    key, _, rest = note.partition(":")
    if rest.startswith("days="):
        have, need = rest[5:].split("<")
        return f"{have} of the {need} days needed in the last 30"
    if rest.startswith("stale="):
        return f"no value in the last {rest[6:].split('>')[0].rstrip('d')} days"
    if rest.startswith("r2="):
        return f"the trend is too noisy to project (R\u00b2 {rest[3:].split('<')[0]})"
    return note.replace("_", " ") or "not enough history"


__all__ = ["DashboardService", "TRAJECTORY_METRICS", "empty_array"]
