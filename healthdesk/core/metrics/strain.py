"""Max HR, heart-rate zones, Banister TRIMP and the 0-21 strain scale (metrics.md §2.1, §8, §10, decision D1).

TRIMP per worn minute (>= 30 valid HR seconds) with mean HR >= 0.50 x HRmax: x = clamp((HR-RHR)/(HRmax-RHR),
0, 1), TRIMP += x * k * e^(b x); men k 0.64 b 1.92, women 0.86/1.67; unknown sex -> male coefficients with
confidence x 0.8. strain = 21 ln(1 + TRIMP) / ln(1 + T_ref), T_ref = 1440 k e^b (24 h at HRmax).
Choice: TRIMP from minute mean HR (the §8 rule itself), not from a stored sum of x*y(x) per second: the
minute features are rebuilt from 1 Hz at every derive, and the convexity loss (<10 % in a minute that swings
130/170 bpm) is smaller than the T_ref calibration the doc already calls for.
Max HR: the highest sustained (15-s median, two consecutive minutes) HR seen while moving (>= 0.15 g/s),
over the trailing 365 cycles; it counts only at >= 140 bpm (a real effort). With an age, Tanaka
(208 - 0.7 age) is the floor; without age and effort it is None - never 220 - age inside a value.
"""

from __future__ import annotations

import math

import numpy as np

from healthdesk.core.metrics.features import RECORDS_PER_MINUTE
from healthdesk.core.models import Metric

COEFFICIENTS = {"male": (0.64, 1.92), "female": (0.86, 1.67)}
GATE_FRACTION_HRMAX = 0.50
MIN_WORN_SECONDS = 30
MOTION_EFFORT_G_PER_S = 0.15
EFFORT_MIN_BPM = 140.0
ZONE_EDGES = (0.5, 0.6, 0.7, 0.8, 0.9)


def coefficients(sex: str | None) -> tuple[float, float]:
    return COEFFICIENTS.get((sex or "").lower(), COEFFICIENTS["male"])


def t_ref(sex: str | None = None) -> float:
    k, b = coefficients(sex)
    return 1440.0 * k * math.exp(b)


def strain_from_trimp(trimp: float, sex: str | None = None, reference: float | None = None) -> float:
    return 21.0 * math.log1p(max(0.0, trimp)) / math.log1p(reference or t_ref(sex))


CALIBRATION_MIN_PAIRS = 14


def fit_t_ref(trimps: list[float], strains: list[float]) -> float | None:
    """Per-user T_ref (decision D1): least squares on the strain scale against WHOOP's own day strain.

    strain = 21 ln(1 + T) / ln(1 + T_ref) is linear in v = 1 / ln(1 + T_ref), so v has a closed form;
    >= 14 cycles with both values and some load are required, else None (the default anchor stays).
    """
    pairs = [
        (t, s)
        for t, s in zip(trimps, strains, strict=True)
        if t is not None and s is not None and t > 0 and s > 0
    ]
    if len(pairs) < CALIBRATION_MIN_PAIRS:
        return None
    u = np.array([21.0 * math.log1p(t) for t, _ in pairs])
    y = np.array([s for _, s in pairs])
    v = float(u @ y / (u @ u))
    return math.expm1(1.0 / v) if v > 0 else None


def trimp_per_minute(
    hr_mean: np.ndarray, worn: np.ndarray, rhr: float, hrmax: float, sex: str | None = None
) -> np.ndarray:
    """Banister TRIMP of each minute (0 below the 50 % HRmax gate or when under 30 s worn)."""
    k, b = coefficients(sex)
    hr = np.nan_to_num(np.asarray(hr_mean, dtype=np.float64), nan=0.0)
    x = np.clip((hr - rhr) / (hrmax - rhr), 0.0, 1.0)
    seconds = np.asarray(worn, dtype=np.float64) * 60.0 / RECORDS_PER_MINUTE
    counted = (hr >= GATE_FRACTION_HRMAX * hrmax) & (seconds >= MIN_WORN_SECONDS)
    return np.where(counted, x * k * np.exp(b * x), 0.0)


def trimp_constant(minutes: float, hr: float, rhr: float, hrmax: float, sex: str | None = None) -> float:
    """TRIMP of `minutes` at a steady HR (worked examples of §8)."""
    return float(
        trimp_per_minute(np.array([hr]), np.array([RECORDS_PER_MINUTE]), rhr, hrmax, sex)[0] * minutes
    )


def tanaka(age: float) -> float:
    return 208.0 - 0.7 * age


def cycle_hr_peak(minutes: np.ndarray) -> float | None:
    """Highest 15-s median HR held over two consecutive minutes with motion; None without a real effort."""
    peak = minutes["hr_peak15"].astype(np.float64)
    moving = np.nan_to_num(minutes["motion"].astype(np.float64)) >= MOTION_EFFORT_G_PER_S
    p = np.where(moving & np.isfinite(peak), peak, -np.inf)
    if len(p) < 2:
        return None
    sustained = np.minimum(p[1:], p[:-1])
    best = float(np.max(sustained))
    return best if best >= EFFORT_MIN_BPM else None


def max_hr(peaks: list[float | None], age: float | None = None, manual: float | None = None) -> Metric:
    """HRmax from the trailing 365 cycle peaks; manual override wins; Tanaka is a floor when age is known."""
    if manual is not None:
        return Metric(float(manual), "bpm", 1.0, note="hrmax_source=manual")
    seen = [p for p in peaks[-365:] if p is not None]
    observed = max(seen) if seen else None
    if observed is None and age is None:
        return Metric.missing("bpm", "need:effort>=140bpm_or_age")
    if age is not None and (observed is None or tanaka(age) >= observed):
        return Metric(
            tanaka(age), "bpm", 0.85 * (0.7 if observed is None else 1.0), note="hrmax_source=tanaka"
        )
    efforts = sum(1 for p in seen if p >= 0.95 * observed)
    return Metric(
        observed,
        "bpm",
        round(min(1.0, 0.5 + 0.1 * efforts), 3),
        note="hrmax_source=observed",
        detail={"cycles_with_effort": len(seen)},
    )


def zone_of(hr: float, hrmax: float) -> int:
    """%HRmax zone 0..5 (Z0 < 50 %, Z5 >= 90 %), WHOOP-compatible (§10)."""
    return int(np.searchsorted(ZONE_EDGES, hr / hrmax, side="right"))


def karvonen_zone(hr: float, hrmax: float, rhr: float) -> int:
    return int(np.searchsorted(ZONE_EDGES, (hr - rhr) / (hrmax - rhr), side="right"))


def zone_minutes(hr_mean: np.ndarray, worn_ok: np.ndarray, hrmax: float) -> list[float]:
    """Minutes per %HRmax zone 0..5 (a minute belongs to one zone)."""
    hr = np.asarray(hr_mean, dtype=np.float64)
    ok = worn_ok & np.isfinite(hr)
    z = np.searchsorted(ZONE_EDGES, hr[ok] / hrmax, side="right")
    return [float(c) for c in np.bincount(z, minlength=6)]
