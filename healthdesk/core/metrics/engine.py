"""The derivation pipeline over a span of minute features: sleeps -> cycles -> registry per cycle.

`derive_span` is pure (numpy in, dataclasses out). History (earlier cycles' values, oldest first) comes in as
a `History` and grows as cycles are evaluated, so trailing windows (baselines, EWMAs) see exactly the cycles
before the one being evaluated.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np

from healthdesk.core.metrics import cycle_metrics  # noqa: F401  (registers the metric groups)
from healthdesk.core.metrics.calories import Profile
from healthdesk.core.metrics.features import minute_features, worn_minutes
from healthdesk.core.metrics.registry import REGISTRY
from healthdesk.core.metrics.sleep import ASLEEP, UNKNOWN, WAKE, SleepPeriod, detect_sleeps
from healthdesk.core.metrics.workouts import Workout
from healthdesk.core.models import Metric
from healthdesk.core.timeutil import Cycle, assign_cycles, noon_window, window_noon

HISTORY_CYCLES = 365


@dataclass
class History:
    """Values of earlier cycles, oldest first, one entry per cycle (None where missing)."""

    values: dict[str, list[float | None]] = field(default_factory=dict)
    days: list[date] = field(default_factory=list)

    def series(self, name: str) -> list[float | None]:
        return self.values.get(name, [None] * len(self.days))

    def last(self, name: str) -> float | None:
        s = self.series(name)
        return s[-1] if s else None

    def append(self, day: date, metrics: dict[str, Metric]) -> None:
        n = len(self.days)
        for name in set(self.values) | set(metrics):
            col = self.values.setdefault(name, [None] * n)
            m = metrics.get(name)
            col.append(None if m is None else m.value)
        self.days.append(day)
        if len(self.days) > HISTORY_CYCLES:
            self.days = self.days[-HISTORY_CYCLES:]
            for name in self.values:
                self.values[name] = self.values[name][-HISTORY_CYCLES:]


@dataclass
class CycleInputs:
    cycle: Cycle
    minutes: np.ndarray  # features of the cycle's recorded minutes
    total_minutes: int  # cycle length (to data end for the open cycle)
    sleep: SleepPeriod | None
    sleep_minutes: np.ndarray | None
    naps: list[SleepPeriod]
    sri_days: list[np.ndarray]
    history: History
    profile: Profile | None
    strain_reference: float | None = None  # calibrated T_ref (strain.fit_t_ref), None: the 24 h-at-max anchor
    scratch: dict = field(default_factory=dict)  # per-cycle results other than metrics (workouts)


@dataclass
class CycleResult:
    cycle: Cycle
    metrics: dict[str, Metric]
    sleep: SleepPeriod | None
    naps: list[SleepPeriod]
    workouts: list[Workout] | None  # None: not assessable (no RHR/HRmax)


def _slice(minutes: np.ndarray, t0: float, t1: float) -> slice:
    """Rows of a contiguous minute grid covering [t0, t1) - arithmetic, the grid has one row per minute."""
    m0 = float(minutes["minute"][0]) if len(minutes) else 0.0
    a = int(np.clip(np.ceil((t0 - m0) / 60.0), 0, len(minutes)))
    b = int(np.clip(np.ceil((t1 - m0) / 60.0), 0, len(minutes)))
    return slice(a, max(a, b))


def _sleep_states(minutes: np.ndarray, sleeps: list[SleepPeriod]) -> np.ndarray:
    """Per minute of the grid: 1 asleep, 0 awake, -1 unknown (not worn)."""
    state = np.where(worn_minutes(minutes), 0, -1).astype(np.int8)
    for p in sleeps:
        sl = _slice(minutes, p.start, p.end)
        part = p.state[: sl.stop - sl.start]
        state[sl] = np.where(part == ASLEEP, 1, np.where(part == UNKNOWN, -1, state[sl]))
    return state


def _sri_days(minutes: np.ndarray, state: np.ndarray, last_window: date, tz: int) -> list[np.ndarray]:
    """1440-minute states of the 4 noon-to-noon windows ending with `last_window` (-1 outside the grid)."""
    days = []
    for k in range(3, -1, -1):
        noon = window_noon(last_window - timedelta(days=k), tz)
        sl = _slice(minutes, noon, noon + 86400)
        day = np.full(1440, -1, np.int8)
        offset = int((minutes["minute"][sl.start] - noon) // 60) if sl.stop > sl.start else 0
        day[offset : offset + sl.stop - sl.start] = state[sl][: 1440 - offset]
        days.append(day)
    return days


def plan_cycles(
    minutes: np.ndarray, tz_offset_s: int, history: History,
    adjust_sleeps: Callable[[list[SleepPeriod]], list[SleepPeriod]] | None = None,
) -> tuple[list[SleepPeriod], list[Cycle]]:
    """Sleeps and the cycles they define over a minute grid (no metric is evaluated). `adjust_sleeps` applies
    the user's corrections to the detected sleeps before anything is computed from them (services/corrections)."""
    # the HR check uses each window's own data (not history): a day derives the same alone or in a long span
    sleeps = detect_sleeps(minutes, tz_offset_s)
    if adjust_sleeps is not None:
        sleeps = adjust_sleeps(sleeps)
    t_start, t_end = float(minutes["minute"][0]), float(minutes["minute"][-1] + 60)
    cycles = assign_cycles([p.start for p in sleeps if p.main], t_start, t_end, tz_offset_s)
    return sleeps, cycles


def derive_span(
    minutes: np.ndarray,
    tz_offset_s: int,
    history: History | None = None,
    profile: Profile | None = None,
    evaluate_from: float | None = None,
    strain_reference: float | None = None,
    adjust_sleeps: Callable[[list[SleepPeriod]], list[SleepPeriod]] | None = None,
) -> list[CycleResult]:
    """Evaluate every cycle starting at or after `evaluate_from` (default: all) in a contiguous minute grid."""
    history = history if history is not None else History()
    if len(minutes) == 0:
        return []
    sleeps, cycles = plan_cycles(minutes, tz_offset_s, history, adjust_sleeps)
    t_end = float(minutes["minute"][-1] + 60)
    main_at = {p.start: p for p in sleeps if p.main}
    state = _sleep_states(minutes, sleeps)
    results = []
    for cycle in cycles:
        end = cycle.end_or(t_end)
        if evaluate_from is not None and cycle.start < evaluate_from:
            continue
        sl = _slice(minutes, cycle.start, end)
        sleep = main_at.get(cycle.main_sleep_onset) if cycle.main_sleep_onset is not None else None
        sleep_min = minutes[_slice(minutes, sleep.start, sleep.end)] if sleep else None
        naps = [p for p in sleeps if not p.main and cycle.start <= p.start < end]
        inputs = CycleInputs(
            cycle,
            minutes[sl],
            int(round((end - cycle.start) / 60)),
            sleep,
            sleep_min,
            naps,
            _sri_days(minutes, state, noon_window(sleep.start, tz_offset_s), tz_offset_s) if sleep else [],
            history,
            profile,
            strain_reference,
        )
        metrics = REGISTRY.evaluate(inputs)
        results.append(CycleResult(cycle, metrics, sleep, naps, inputs.scratch.get("workouts")))
        history.append(cycle.day, metrics)
    return results


def derive_records(
    records: np.ndarray, tz_offset_s: int, history: History | None = None, profile: Profile | None = None
) -> list[CycleResult]:
    """Convenience: 1 Hz records -> minute features -> derive_span."""
    return derive_span(minute_features(records), tz_offset_s, history, profile)


__all__ = ["CycleInputs", "CycleResult", "History", "derive_records", "derive_span", "plan_cycles", "WAKE"]
