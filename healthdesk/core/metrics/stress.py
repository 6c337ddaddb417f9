"""Baevsky stress index and the 0-3 stress score (metrics.md §14).

SI = AMo / (2 Mo MxDMn) per window of cleaned NN: bins centred on multiples of 50 ms (round(RR/50) x 50),
Mo = modal bin centre (s), AMo = % of beats in it, MxDMn = max - min (s). Windows with a range < 20 ms are
dropped (quantisation makes SI explode; a whole-night SI instead collapses towards 0, §24.7).
Score = clamp(1.5 + 0.75 z, 0, 3), z of ln SI against the previous 14 days (>= 5 baseline days).
"""

from __future__ import annotations

import math

import numpy as np

BIN_MS = 50.0
MIN_RANGE_MS = 20.0
MIN_BASELINE_DAYS = 5


def baevsky_si(nn: np.ndarray) -> float | None:
    rr = np.asarray(nn, dtype=np.float64)
    if len(rr) < 20:
        return None
    spread = float(rr.max() - rr.min())
    if spread < MIN_RANGE_MS:
        return None
    bins, counts = np.unique(np.round(rr / BIN_MS) * BIN_MS, return_counts=True)
    k = int(np.argmax(counts))
    mo_s = bins[k] / 1000.0
    amo = 100.0 * counts[k] / len(rr)
    return float(amo / (2.0 * mo_s * spread / 1000.0))


def stress_score(si: float, baseline_ln_si: list[float]) -> float | None:
    if len(baseline_ln_si) < MIN_BASELINE_DAYS:
        return None
    sd = float(np.std(baseline_ln_si, ddof=1))
    if sd == 0:
        return None
    z = (math.log(si) - float(np.mean(baseline_ln_si))) / sd
    return float(np.clip(1.5 + 0.75 * z, 0.0, 3.0))


def stress_from_moments(si: float, ln_mean: float, ln_sd: float) -> float:
    """The score for a baseline given as mean and SD of ln SI (the §14 worked example)."""
    return float(np.clip(1.5 + 0.75 * (math.log(si) - ln_mean) / ln_sd, 0.0, 3.0))
