"""What the dashboard pages read: plain dataclasses and numpy arrays, no Qt, no SQL.

Times are timezone-aware datetimes or float64 POSIX seconds (UTC) in arrays; a day-valued series puts each
cycle day at its local noon so a date axis labels it with the right date.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

import numpy as np

from healthdesk.services.workout_merge import merged_labels

SOURCE_LABELS = {"band": "Band", "whoop_cloud": "WHOOP cloud", "whoop_export": "WHOOP export",
                 "manual": "Added by you"}
SOURCE_LABELS.update(merged_labels(SOURCE_LABELS))  # 'whoop_export+band': one workout from two sources

# The metrics the Today page shows, with the unit used when nothing is stored yet.
TODAY_METRICS: dict[str, str] = {
    "recovery": "%",
    "day_strain": "strain",
    "sleep_duration": "min",
    "sleep_performance": "%",
    "sleep_need": "min",
    "resting_hr": "bpm",
    "hrv_rmssd": "ms",
}

TRAJECTORY_METRICS = ("resting_hr", "hrv_rmssd", "recovery", "day_strain", "sleep_duration")

METRIC_TITLES = {
    "recovery": "Recovery",
    "day_strain": "Day strain",
    "sleep_duration": "Sleep",
    "sleep_performance": "Sleep performance",
    "sleep_need": "Sleep need",
    "resting_hr": "Resting HR",
    "hrv_rmssd": "HRV (RMSSD)",
    "max_hr": "Max HR",
    "acwr": "Acute:chronic load",
}


def empty_array() -> np.ndarray:
    return np.empty(0, dtype=np.float64)


@dataclass(frozen=True)
class MetricValue:
    """One daily value with its provenance; `value is None` comes with a reason and confidence 0."""

    metric: str
    value: float | None
    unit: str
    confidence: float
    source: str | None  # 'band' | 'whoop_cloud' | None when nothing is stored
    day: date | None = None
    reason: str = ""

    @classmethod
    def missing(cls, metric: str, unit: str, reason: str, day: date | None = None) -> MetricValue:
        return cls(metric, None, unit, 0.0, None, day, reason)


@dataclass(frozen=True)
class BaselineBand:
    """Personal baseline (median ± 3·1.4826·MAD of the trailing 30 days, metrics.md §18)."""

    centre: float
    low: float
    high: float
    days: int


@dataclass(frozen=True)
class TodaySummary:
    day: date | None
    values: dict[str, MetricValue]  # shown value per metric (the preferred source)
    others: dict[str, list[MetricValue]] = field(default_factory=dict)  # the same day from other sources
    baselines: dict[str, BaselineBand | None] = field(default_factory=dict)
    last_drain: datetime | None = None
    last_cloud_sync: datetime | None = None

    @property
    def has_data(self) -> bool:
        return any(v.value is not None for v in self.values.values())


@dataclass(frozen=True)
class SourceSeries:
    source: str
    t: np.ndarray  # POSIX seconds of each day's local noon
    value: np.ndarray  # NaN where the day has no value
    confidence: np.ndarray


@dataclass(frozen=True)
class MetricHistory:
    metric: str
    unit: str
    series: list[SourceSeries]
    baseline_t: np.ndarray = field(default_factory=empty_array)
    baseline_low: np.ndarray = field(default_factory=empty_array)
    baseline_high: np.ndarray = field(default_factory=empty_array)

    @property
    def is_empty(self) -> bool:
        return not any(np.isfinite(s.value).any() for s in self.series)


@dataclass(frozen=True)
class SleepPeriod:
    start: datetime
    end: datetime
    asleep_min: float | None
    main: bool
    source: str
    performance: float | None = None  # %
    day: date | None = None  # the morning date naming this night (core.timeutil, docs/metrics.md §1)


@dataclass(frozen=True)
class WorkoutRow:
    start: datetime
    end: datetime
    strain: float | None
    source: str
    kind: str = ""
    avg_hr: float | None = None
    day: date | None = None  # the morning date of the cycle holding the workout's start


# Hypnogram stage codes (lower draws lower): deep < light < REM < awake; ASLEEP when stages are unknown.
STAGE_DEEP, STAGE_LIGHT, STAGE_REM, STAGE_AWAKE, STAGE_ASLEEP = 0, 1, 2, 3, 4
STAGE_NAMES = {STAGE_DEEP: "Deep", STAGE_LIGHT: "Light", STAGE_REM: "REM", STAGE_AWAKE: "Awake", STAGE_ASLEEP: "Asleep"}


@dataclass(frozen=True)
class NightDetail:
    sleep: SleepPeriod
    stage_start: np.ndarray  # POSIX seconds where each segment begins
    stage_end: np.ndarray
    stage: np.ndarray  # int8 stage codes
    stages_estimated: bool  # True when light/deep/REM are estimates, False for plain sleep/wake
    stage_confidence: float
    hr_t: np.ndarray  # POSIX seconds of each minute
    hr_bpm: np.ndarray  # NaN where not worn


@dataclass(frozen=True)
class Trajectory:
    """A projection, or why there is none (metrics.md §19)."""

    metric: str
    unit: str
    history_t: np.ndarray
    history_y: np.ndarray
    status: str  # 'ok' | 'insufficient'
    note: str = ""
    method: str = ""
    r_squared: float | None = None
    slope_per_day: float | None = None
    n_days: int = 0
    proj_t: np.ndarray = field(default_factory=empty_array)
    proj_y: np.ndarray = field(default_factory=empty_array)
    proj_low: np.ndarray = field(default_factory=empty_array)
    proj_high: np.ndarray = field(default_factory=empty_array)
