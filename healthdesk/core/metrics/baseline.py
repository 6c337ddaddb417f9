"""Personal baseline of a daily metric: typical range and unusual days (docs/metrics.md §18).

Trailing 30 daily values (today excluded by the caller), >= 7 of them; centre = median, sigma = 1.4826 MAD.
Two different things, never confused:
* typical range (what charts shade, what tiles call "your range") = centre +- 1 sigma, about two days in
  three; the half-width never below the metric's minimum (a run of identical days must not give
  "61-61 bpm"), the lower edge never below the metric's plausibility floor. A +-3 sigma band covers nearly
  the whole scale and answers nothing.
* unusual = |robust z| > 3, z = (x - centre) / sigma; sigma = 0 -> z is None.
Recovery gets no band: it is already relative to the person's baseline; charts shade its zones instead
(red <= 33, yellow 34-66, green >= 67).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

TYPICAL_K = 1.0  # typical range = centre +- 1 sigma
UNUSUAL_Z = 3.0  # |robust z| above this is flagged unusual
K = TYPICAL_K
MAD_TO_SIGMA = 1.4826
WINDOW_DAYS = 30
MIN_DAYS = 7
MIN_HALF_WIDTH = {
    "resting_hr": 2.0,
    "hrv_rmssd": 3.0,
    "sleep_duration": 20.0,
    "day_strain": 1.0,
    "sleep_performance": 5.0,
    "recovery": 5.0,  # only for comparisons (comparison_band); charts shade recovery's zones
    # Report-only vitals (clinical PDF and share view), same rule:
    "avg_hr": 2.0,
    "spo2": 1.0,
    "respiratory_rate": 0.5,
    "skin_temp": 0.2,
}
FLOOR = {"resting_hr": 25.0, "hrv_rmssd": 0.0, "sleep_duration": 0.0, "day_strain": 0.0, "sleep_performance": 0.0,
         "recovery": 0.0, "avg_hr": 25.0, "spo2": 50.0, "respiratory_rate": 4.0, "skin_temp": 20.0}
CEILING = {"sleep_performance": 100.0, "day_strain": 21.0, "recovery": 100.0, "spo2": 100.0}
NO_BAND = frozenset({"recovery"})  # charted with zones (docs/metrics.md §18)
RECOVERY_ZONES = (("red", 0.0, 33.0), ("yellow", 34.0, 66.0), ("green", 67.0, 100.0))


@dataclass(frozen=True)
class Band:
    centre: float
    low: float
    high: float
    sigma: float
    days: int


def _trailing(values: Sequence[float | None]) -> np.ndarray:
    return np.asarray(
        [x for x in list(values)[-WINDOW_DAYS:] if x is not None and np.isfinite(x)], dtype=np.float64
    )


def baseline_band(values: Sequence[float | None], metric: str = "", k: float = K) -> Band | None:
    """The typical range (k = 1) of the trailing values, oldest first; None below 7 values or for recovery."""
    return None if metric in NO_BAND else comparison_band(values, metric, k)


def comparison_band(values: Sequence[float | None], metric: str = "", k: float = K) -> Band | None:
    """The same centre +- k sigma for comparing a value or a period against (recovery included: a period
    review still says whether recovery sat inside its usual spread); charts use baseline_band."""
    v = _trailing(values)
    if len(v) < MIN_DAYS:
        return None
    centre = float(np.median(v))
    sigma = MAD_TO_SIGMA * float(np.median(np.abs(v - centre)))
    half = max(k * sigma, MIN_HALF_WIDTH.get(metric, 0.0))
    low = max(centre - half, FLOOR.get(metric, -np.inf))
    high = min(centre + half, CEILING.get(metric, np.inf))
    return Band(centre, low, high, sigma, len(v))


def typical_range(values: Sequence[float | None], metric: str = "") -> tuple[float, float, float] | None:
    """(low, centre, high) of the typical range for the dashboard/UI; None without 7 values or for recovery."""
    band = baseline_band(values, metric, TYPICAL_K)
    return None if band is None else (band.low, band.centre, band.high)


def robust_z(value: float | None, band: Band | Sequence[float | None] | None) -> float | None:
    """(value - median) / sigma against a Band or the trailing values; None when it cannot be said."""
    if value is None:
        return None
    if band is not None and not isinstance(band, Band):
        v = _trailing(band)
        if len(v) < MIN_DAYS:
            return None
        centre = float(np.median(v))
        band = Band(centre, centre, centre, MAD_TO_SIGMA * float(np.median(np.abs(v - centre))), len(v))
    if band is None or band.sigma == 0:
        return None
    return (value - band.centre) / band.sigma


def is_unusual(value: float | None, trailing: Sequence[float | None]) -> bool | None:
    """|robust z| > 3 against the trailing values; None when no z can be computed."""
    z = robust_z(value, trailing)
    return None if z is None else abs(z) > UNUSUAL_Z


def recovery_zone(value: float | None) -> str | None:
    if value is None:
        return None
    return next(name for name, lo, _ in reversed(RECOVERY_ZONES) if value >= lo)
