"""The dashboard's read side: Qt-free queries that return the plain types of dashboard_types.

Every method is blocking (SQL + numpy) and is meant to run on a worker thread; nothing here writes.
"""

from __future__ import annotations

from datetime import date, datetime

from healthdesk.services.dashboard_types import (
    TODAY_METRICS,
    MetricHistory,
    MetricValue,
    NightDetail,
    SleepPeriod,
    TodaySummary,
    Trajectory,
    WorkoutRow,
)

TRAJECTORY_METRICS = ("resting_hr", "hrv_rmssd", "recovery", "day_strain", "sleep_duration")


class DashboardService:
    """Reads what the pages show. Until the derived tables exist every answer is the honest empty one."""

    def __init__(self, database: object | None = None) -> None:
        self._db = database

    def today(self, on: date | None = None) -> TodaySummary:
        values = {m: MetricValue.missing(m, unit, "no_data", on) for m, unit in TODAY_METRICS.items()}
        return TodaySummary(day=on, values=values, last_drain=self.last_drain(), last_cloud_sync=None)

    def history(self, metric: str) -> MetricHistory:
        return MetricHistory(metric, TODAY_METRICS.get(metric, ""), [])

    def sleeps(self) -> list[SleepPeriod]:
        return []

    def workouts(self) -> list[WorkoutRow]:
        return []

    def night(self, sleep: SleepPeriod) -> NightDetail | None:
        return None

    def trajectories(self) -> list[Trajectory]:
        return []

    def last_drain(self) -> datetime | None:
        return None
