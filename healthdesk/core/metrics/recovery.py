"""Recovery 0-100 % against the personal baseline (metrics.md §12, decision D3).

Inputs tonight vs the trailing 30-night baseline (median, sigma = 1.4826 MAD): ln HRV (+, 0.40), RHR (-, 0.25),
sleep performance (+, 0.20), respiratory rate (-, 0.15). z_c = sum w z / sum w over present inputs (HRV
required, >= 2 inputs), score = 100 / (1 + e^(-1.702 z_c)). Gate: >= 4 prior nights with HRV (WHOOP's
calibration count). sigma = 0 -> None (degenerate baseline). An input without its own >= 4-night baseline
(e.g. respiratory rate on nights with too few still windows) is left out and the weights renormalise.
"""

from __future__ import annotations

import math

import numpy as np

from healthdesk.core.models import Metric

WEIGHTS = {"hrv": (0.40, +1), "rhr": (0.25, -1), "sleep_performance": (0.20, +1), "resp_rate": (0.15, -1)}
MIN_NIGHTS = 4
BASELINE_NIGHTS = 30
FULL_CONFIDENCE_NIGHTS = 21
MAD_TO_SIGMA = 1.4826


def robust_centre(values: list[float]) -> tuple[float, float] | None:
    v = np.asarray([x for x in values if x is not None and np.isfinite(x)], dtype=np.float64)
    if len(v) == 0:
        return None
    med = float(np.median(v))
    return med, MAD_TO_SIGMA * float(np.median(np.abs(v - med)))


def composite(inputs: dict[str, tuple[float, float, float]]) -> tuple[float, dict[str, float]] | None:
    """inputs: name -> (tonight, baseline median, sigma); HRV values already in ln. Returns (z_c, drivers)."""
    drivers = {}
    wsum = 0.0
    for name, (value, centre, sigma) in inputs.items():
        weight, sign = WEIGHTS[name]
        if sigma <= 0:
            return None
        drivers[name] = weight * sign * (value - centre) / sigma
        wsum += weight
    return sum(drivers.values()) / wsum, drivers


def score(z_c: float) -> float:
    return 100.0 / (1.0 + math.exp(-1.702 * z_c))


def recovery(tonight: dict[str, float | None], history: dict[str, list[float]]) -> Metric:
    """tonight/history keys: hrv (ms), rhr, sleep_performance, resp_rate; history oldest first, excl. tonight."""
    if tonight.get("hrv") is None:
        return Metric.missing("%", "need:hrv")
    nights = [v for v in history.get("hrv", [])[-BASELINE_NIGHTS:] if v is not None]
    if len(nights) < MIN_NIGHTS:
        return Metric.missing("%", f"need_baseline:have={len(nights)},need={MIN_NIGHTS}")
    inputs: dict[str, tuple[float, float, float]] = {}
    for name in WEIGHTS:
        value = tonight.get(name)
        past = history.get(name, [])[-BASELINE_NIGHTS:]
        if name == "hrv":
            value = math.log(value) if value else None
            past = [math.log(v) for v in past if v]
        centre = robust_centre(past) if len([p for p in past if p is not None]) >= MIN_NIGHTS else None
        if value is None or centre is None:
            continue
        inputs[name] = (value, centre[0], centre[1])
    if "hrv" not in inputs or len(inputs) < 2:
        return Metric.missing("%", "need:>=2_inputs_with_baseline")
    result = composite(inputs)
    if result is None:
        return Metric.missing("%", "degenerate_baseline")
    z_c, drivers = result
    present = sum(WEIGHTS[n][0] for n in inputs)
    conf = min(1.0, len(nights) / FULL_CONFIDENCE_NIGHTS) * present
    return Metric(
        float(round(score(z_c))),
        "%",
        round(conf, 3),
        detail={"z": round(z_c, 4), "drivers": {k: round(v, 4) for k, v in drivers.items()}},
    )
