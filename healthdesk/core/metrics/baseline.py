"""Personal baseline band: median +- k x 1.4826 MAD of the trailing 30 daily values (metrics.md §18).

>= 7 values; half-width never below the metric's minimum (a run of identical days must not give "61-61 bpm");
lower edge >= the metric's plausibility floor; robust z is None when sigma = 0; |z| > 3 is "outside".
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

K = 3.0
MAD_TO_SIGMA = 1.4826
WINDOW_DAYS = 30
MIN_DAYS = 7
MIN_HALF_WIDTH = {
    "resting_hr": 2.0,
    "hrv_rmssd": 3.0,
    "sleep_duration": 20.0,
    "recovery": 5.0,
    "day_strain": 1.0,
    "sleep_performance": 5.0,
}
FLOOR = {"resting_hr": 25.0, "hrv_rmssd": 0.0, "sleep_duration": 0.0, "recovery": 0.0, "day_strain": 0.0}


@dataclass(frozen=True)
class Band:
    centre: float
    low: float
    high: float
    sigma: float
    days: int


def baseline_band(values: list[float | None], metric: str = "", k: float = K) -> Band | None:
    """Band from the trailing values (oldest first, today excluded by the caller)."""
    v = np.asarray([x for x in values[-WINDOW_DAYS:] if x is not None and np.isfinite(x)], dtype=np.float64)
    if len(v) < MIN_DAYS:
        return None
    centre = float(np.median(v))
    sigma = MAD_TO_SIGMA * float(np.median(np.abs(v - centre)))
    half = max(k * sigma, MIN_HALF_WIDTH.get(metric, 0.0))
    low = max(centre - half, FLOOR.get(metric, -np.inf))
    return Band(centre, low, centre + half, sigma, len(v))


def robust_z(value: float, band: Band) -> float | None:
    return None if band.sigma == 0 else (value - band.centre) / band.sigma
