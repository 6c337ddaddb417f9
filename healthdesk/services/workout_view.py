"""What the Strain page shows about each workout (time in each heart-rate zone, calories, activity) and about
training load over time (acute:chronic ratio with its sweet spot; fitness, fatigue and form). Blocking, Qt-free.

Zones are %HRmax zones Z1..Z5 (metrics.md §10), stored per band workout by the derive step. Calories for a band
workout are the energy model of metrics.md §11 over the workout's stored minutes, with the profile from
Settings and that day's resting and maximum heart rate; without them the calories stay a dash with a reason.
WHOOP workouts carry WHOOP's own kilojoules.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np

from healthdesk.core.metrics.calories import KJ_PER_KCAL, calories
from healthdesk.services.dashboard import DashboardService
from healthdesk.services.dashboard_types import MetricHistory
from healthdesk.services.user_settings import saved_profile
from healthdesk.store.band_reads import minute_rollups_between
from healthdesk.store.cloud_reads import read_cloud
from healthdesk.store.derived import daily_values_between, workouts_between

ZONE_NAMES = ("Z1", "Z2", "Z3", "Z4", "Z5")  # 50-60 / 60-70 / 70-80 / 80-90 / >= 90 % of max HR
ZONE_WORDS = ("very light", "light", "moderate", "hard", "maximal")
LOAD_METRICS = ("acwr", "ctl", "atl", "tsb")
ACWR_SWEET_SPOT = (0.8, 1.3)  # metrics.md §15


@dataclass(frozen=True)
class WorkoutDetail:
    day: date | None
    start: datetime
    end: datetime
    source: str
    activity: str
    strain: float | None
    avg_hr: float | None
    max_hr: float | None
    zone_minutes: list[float] = field(default_factory=list)  # Z1..Z5; empty when unknown
    kcal: float | None = None
    kcal_reason: str = ""

    @property
    def minutes(self) -> float:
        return (self.end - self.start).total_seconds() / 60.0


@dataclass(frozen=True)
class TrainingLoad:
    acwr: MetricHistory
    fitness: MetricHistory  # ctl
    fatigue: MetricHistory  # atl
    form: MetricHistory  # tsb

    @property
    def is_empty(self) -> bool:
        return all(h.is_empty for h in (self.acwr, self.fitness, self.fatigue, self.form))


def activity_words(kind: str, zones: list[float]) -> str:
    """The activity named by the person or WHOOP; otherwise what the heart rate says about it."""
    if kind:
        return kind
    if zones and sum(zones) > 0:
        top = int(np.argmax(zones))
        return f"Unlabelled \u2013 mostly {ZONE_WORDS[top]} (Z{top + 1})"
    return "Unlabelled effort"


def _utc(unix: float) -> datetime:
    return datetime.fromtimestamp(unix, UTC)


def workout_details(dashboard: DashboardService, settings_file: Path | None = None) -> list[WorkoutDetail]:
    """Every workout, newest first."""
    db = dashboard.database
    if db is None:
        return []
    profile = saved_profile(settings_file) if settings_file is not None else None
    out: list[WorkoutDetail] = []
    with db.read() as conn:
        band = workouts_between(conn, 0, 2**40)
        days = sorted({w.day for w in band})
        anchors: dict[tuple[str, str], float | None] = {}
        if days:
            for v in daily_values_between(conn, days[0], days[-1], metrics=["resting_hr", "max_hr"],
                                          source="band"):
                anchors[(v.day, v.metric)] = v.value
        cloud = read_cloud(conn).workouts
    for w in band:
        zones = list(w.zone_minutes[1:6]) if w.zone_minutes and len(w.zone_minutes) >= 6 else []
        kcal, reason = None, ""
        rhr, hrmax = anchors.get((w.day, "resting_hr")), anchors.get((w.day, "max_hr")) or w.max_hr
        if profile is None or not profile.complete:
            reason = "needs your weight, height, birth year and sex (Settings)"
        elif rhr is None or hrmax is None:
            reason = "needs that day's resting and maximum heart rate"
        else:
            minutes = minute_rollups_between(db, None, w.start, w.end)
            hr = minutes["hr_mean"].astype(np.float64)
            worn = minutes["hr_count"] > 0
            metric = calories(hr, worn, max(1, int(round((w.end - w.start) / 60))), rhr, hrmax, profile)
            kcal = metric.value
        out.append(WorkoutDetail(date.fromisoformat(w.day), _utc(w.start), _utc(w.end), w.source,
                                 activity_words(w.kind, zones), w.strain, w.avg_hr, w.max_hr, zones, kcal, reason))
    for c in cloud:
        if c.deleted:
            continue
        kcal = c.kilojoule / KJ_PER_KCAL if c.kilojoule is not None else None
        out.append(WorkoutDetail(c.day, _utc(c.start), _utc(c.end), "whoop_cloud", c.sport or "Unlabelled effort",
                                 c.strain, c.average_hr, c.max_hr, [], kcal,
                                 "" if kcal is not None else "WHOOP sent no energy for it"))
    return sorted(out, key=lambda d: d.start, reverse=True)


def training_load(dashboard: DashboardService) -> TrainingLoad:
    h = {m: dashboard.history(m) for m in LOAD_METRICS}
    return TrainingLoad(h["acwr"], h["ctl"], h["atl"], h["tsb"])
