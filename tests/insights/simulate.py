"""Generated daily histories with known truth for the insights tests and the benchmark.

Outcomes are AR(1) noise around a personal level, plus a weekday pattern; a planted tag lowers the NEXT
morning's recovery by a known number of points; null tags are independent of every outcome (some of them
come in multi-day runs, like travel, so a day-wise shuffle would be fooled by autocorrelated outcomes).
"""

from __future__ import annotations

from datetime import date

import numpy as np

from healthdesk.core.insights.history import DailyHistory

LEVELS = {"recovery": (60.0, 15.0), "hrv_rmssd": (55.0, 8.0), "resting_hr": (56.0, 2.0),
          "sleep_performance": (82.0, 8.0), "sleep_duration": (420.0, 40.0), "day_strain": (11.0, 3.0),
          "sleep_debt": (45.0, 20.0)}


def ar1(rng: np.random.Generator, n: int, phi: float, sd: float) -> np.ndarray:
    """Stationary AR(1) with marginal SD `sd`."""
    e = rng.normal(0.0, sd * np.sqrt(1 - phi * phi), n)
    x = np.empty(n)
    x[0] = rng.normal(0.0, sd)
    for i in range(1, n):
        x[i] = phi * x[i - 1] + e[i]
    return x


def runs(rng: np.random.Generator, n: int, p_start: float, p_stay: float) -> np.ndarray:
    """0/1 Markov chain: tags that come in runs (travel, illness)."""
    out = np.zeros(n)
    for i in range(1, n):
        out[i] = rng.random() < (p_stay if out[i - 1] else p_start)
    return out


def history(seed: int, n_days: int = 150, *, phi: float = 0.6, effect: float = -12.0, n_null: int = 9,
            first: date = date(2026, 1, 5)) -> DailyHistory:
    """'planted' lowers next-morning recovery by `effect`; 'null_0'.. have no effect on anything."""
    rng = np.random.default_rng(seed)
    weekday = (np.arange(n_days) + first.weekday()) % 7
    values = {}
    for metric, (level, sd) in LEVELS.items():
        values[metric] = level + ar1(rng, n_days, phi, sd) + 0.2 * sd * np.sin(2 * np.pi * weekday / 7)
    planted = (rng.random(n_days) < 0.3).astype(float)
    values["recovery"][1:] += effect * planted[:-1]
    tags = {"planted": planted}
    for k in range(n_null):
        tags[f"null_{k}"] = (runs(rng, n_days, 0.08, 0.7) if k % 3 == 0
                             else (rng.random(n_days) < 0.25).astype(float))
    return DailyHistory(first, n_days, values, tags)
