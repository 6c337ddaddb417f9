"""Trajectory projection: OLS on the daily series with a t-based prediction interval (metrics.md §19).

Gates (each failing gate returns status "insufficient" with the gate in `note`, never a weak line): window 30
days anchored on today, >= 14 distinct days, Sxx > 0, R^2 >= 0.3, last observation <= 2 days before today,
horizon <= 14 days. PI = y0 +- t(0.975, n-2) s sqrt(1 + 1/n + (x0 - xbar)^2 / Sxx) - widens with the horizon.
Confidence = min(1, n/30) x R^2.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


def t_quantile(p: float, df: int) -> float:
    """Student-t quantile from scipy (imported here, off the start-up and paint paths; the bundle ships scipy)."""
    from scipy import stats

    return float(stats.t.ppf(p, df))


WINDOW_DAYS = 30
MIN_DAYS = 14
MIN_R2 = 0.3
MAX_STALE_DAYS = 2
MAX_HORIZON = 14
# The method in plain words, said alike on the app's Trends page and in the clinician PDF / share view
# (no "least squares" or "R²" on screen; metrics.md §19).
METHOD_WORDS = (f"a straight line through the daily values of the last {WINDOW_DAYS} days, its slope given per "
                f"week; drawn from {MIN_DAYS} days with values, and only when the line follows at least "
                f"{MIN_R2:.0%} of the day-to-day ups and downs")


@dataclass(frozen=True)
class Fit:
    slope: float
    intercept: float
    r2: float
    s: float
    n: int
    x_mean: float
    sxx: float

    def predict(self, x0: np.ndarray, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
        """(y0, half-width) of the prediction interval for new observations at x0."""
        x0 = np.asarray(x0, dtype=np.float64)
        t = t_quantile(0.5 + level / 2, self.n - 2)
        half = t * self.s * np.sqrt(1 + 1 / self.n + (x0 - self.x_mean) ** 2 / self.sxx)
        return self.intercept + self.slope * x0, half


def ols(x: np.ndarray, y: np.ndarray) -> Fit | None:
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    n = len(x)
    if n < 3:
        return None
    xm, ym = x.mean(), y.mean()
    sxx = float(np.sum((x - xm) ** 2))
    if sxx <= 0:
        return None
    b = float(np.sum((x - xm) * (y - ym)) / sxx)
    a = float(ym - b * xm)
    resid = y - a - b * x
    ss_res, ss_tot = float(np.sum(resid**2)), float(np.sum((y - ym) ** 2))
    r2 = 1 - ss_res / ss_tot if ss_tot > 0 else 0.0
    return Fit(b, a, r2, float(np.sqrt(ss_res / (n - 2))), n, float(xm), sxx)


@dataclass(frozen=True)
class Projection:
    status: str  # "ok" | "insufficient"
    note: str = ""
    fit: Fit | None = None
    horizon_days: np.ndarray = field(default_factory=lambda: np.empty(0))  # days after today
    y: np.ndarray = field(default_factory=lambda: np.empty(0))
    low: np.ndarray = field(default_factory=lambda: np.empty(0))
    high: np.ndarray = field(default_factory=lambda: np.empty(0))
    confidence: float = 0.0


def project(day_index: np.ndarray, values: np.ndarray, today: int, horizon: int = MAX_HORIZON) -> Projection:
    """day_index: integer day numbers of the observations (e.g. days since epoch); today: the same scale."""
    d = np.asarray(day_index, dtype=np.int64)
    v = np.asarray(values, dtype=np.float64)
    keep = (d > today - WINDOW_DAYS) & (d <= today) & np.isfinite(v)
    d, v = d[keep], v[keep]
    n_days = len(np.unique(d))
    if n_days < MIN_DAYS:
        return Projection("insufficient", f"gate:days={n_days}<{MIN_DAYS}")
    if today - int(d.max()) > MAX_STALE_DAYS:
        return Projection("insufficient", f"gate:stale={today - int(d.max())}d>{MAX_STALE_DAYS}")
    if horizon > MAX_HORIZON or horizon < 1:
        return Projection("insufficient", f"gate:horizon={horizon}")
    x0 = int(d.min())
    fit = ols(d - x0, v)
    if fit is None:
        return Projection("insufficient", "gate:sxx=0")
    if fit.r2 < MIN_R2:
        return Projection("insufficient", f"gate:r2={fit.r2:.2f}<{MIN_R2}", fit=fit)
    h = np.arange(1, horizon + 1)
    y, half = fit.predict(int(d.max()) - x0 + h)
    return Projection("ok", "", fit, h, y, y - half, y + half, round(min(1.0, n_days / 30) * fit.r2, 3))
