"""Personal bests and streaks over the whole history (docs/insights.md §5).

Bests: highest HRV, lowest resting HR, longest sleep, highest day strain, best recovery - each with the first
morning date it happened. Streaks (consecutive morning dates): green recoveries (>= 67 %, metrics.md §18
zone shading), sleep performance >= 85 %, days worn (any metric measured that day). A day without the
value breaks a streak: no value is never counted as a success.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

from healthdesk.core.insights.history import DailyHistory

BESTS = (  # (key, metric, "max" | "min", title)
    ("highest_hrv", "hrv_rmssd", "max", "Highest HRV"),
    ("lowest_resting_hr", "resting_hr", "min", "Lowest resting HR"),
    ("longest_sleep", "sleep_duration", "max", "Longest sleep"),
    ("highest_strain", "day_strain", "max", "Highest day strain"),
    ("best_recovery", "recovery", "max", "Best recovery"),
)
GREEN_RECOVERY = 67.0
GOOD_SLEEP_PERFORMANCE = 85.0
WORN_METRICS = ("resting_hr", "hrv_rmssd", "recovery", "day_strain", "sleep_duration")


@dataclass(frozen=True)
class Best:
    key: str
    metric: str
    title: str
    value: float | None  # None: never measured
    day: date | None


@dataclass(frozen=True)
class Streak:
    key: str
    title: str
    longest: int
    longest_start: date | None
    longest_end: date | None
    current: int  # the run that reaches the last day of the history (0 when that day breaks it)


def personal_bests(history: DailyHistory) -> list[Best]:
    out = []
    for key, metric, how, title in BESTS:
        v = history.metric(metric)
        if not np.isfinite(v).any():
            out.append(Best(key, metric, title, None, None))
            continue
        i = int(np.nanargmax(v) if how == "max" else np.nanargmin(v))
        out.append(Best(key, metric, title, float(v[i]), history.day(i)))
    return out


def _runs(flags: np.ndarray) -> tuple[int, int, int]:
    """(longest length, its start index, length of the run ending at the last index)."""
    padded = np.concatenate([[False], flags.astype(bool), [False]])
    edges = np.flatnonzero(padded[1:] != padded[:-1])
    starts, ends = edges[0::2], edges[1::2]
    if len(starts) == 0:
        return 0, -1, 0
    lengths = ends - starts
    k = int(np.argmax(lengths))  # the first of equally long runs
    current = int(lengths[-1]) if ends[-1] == len(flags) else 0
    return int(lengths[k]), int(starts[k]), current


def streaks(history: DailyHistory) -> list[Streak]:
    with np.errstate(invalid="ignore"):
        rules = (
            ("green_recovery", "Green recoveries", history.metric("recovery") >= GREEN_RECOVERY),
            ("sleep_performance_85", "Sleep performance of 85 % or more",
             history.metric("sleep_performance") >= GOOD_SLEEP_PERFORMANCE),
            ("days_worn", "Days worn",
             np.logical_or.reduce([np.isfinite(history.metric(m)) for m in WORN_METRICS])
             if history.n_days else np.zeros(0, bool)),
        )
    out = []
    for key, title, flags in rules:
        longest, start, current = _runs(np.asarray(flags, dtype=bool))
        out.append(Streak(key, title, longest, history.day(start) if longest else None,
                          history.day(start + longest - 1) if longest else None, current))
    return out
