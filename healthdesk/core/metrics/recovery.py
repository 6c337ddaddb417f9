"""Recovery 0-100 % against the personal baseline (docs/metrics.md §12).

Inputs tonight vs the trailing 30-night baseline (median; spread sigma_hat = 1.4826 MAD): ln HRV (+, 0.40),
RHR (-, 0.25), sleep performance (+, 0.20), respiratory rate (-, 0.15).
* Spread with a floor: sigma_eff = sqrt((n sigma_hat^2 + k sigma_min^2) / (n + k)), k = 7. The MAD of a few
  nights can be ~0 and would turn a 2-bpm wobble into 0 or 100; the floors are the smallest night-to-night
  change a wrist device resolves. The centre stays the person's own median.
* z_i = s_i (v_i - median_i) / sigma_eff_i; z_c = sum w z / sum w over present inputs (HRV required, >= 2).
* Calibration: >= 4 prior HRV nights to score at all; while n < 14, z_c is shrunk by n/14 toward the person's
  own median, the value carries note `calibrating:have=n,need=14` and stays within 1..99 (a thin baseline
  must not give a confident 0 or 100).
* score = 100 / (1 + e^(-1.702 z_c)) ~ 100 Phi(z_c); confidence = min(1, n/21) x present weight.
* drivers = w_i z_i (after shrinkage), ranked by |w_i z_i| in `detail["ranked"]`.
"""

from __future__ import annotations

import math

import numpy as np

from healthdesk.core.models import Metric

WEIGHTS = {"hrv": (0.40, +1), "rhr": (0.25, -1), "sleep_performance": (0.20, +1), "resp_rate": (0.15, -1)}
# smallest resolvable night-to-night change per input (docs/metrics.md §12); HRV in ln(ms)
SIGMA_FLOOR = {"hrv": 0.10, "rhr": 1.5, "sleep_performance": 8.0, "resp_rate": 0.4}
SHRINK_NIGHTS = 7  # k: the floor counts as 7 pseudo-nights of spread
MIN_NIGHTS = 4  # WHOOP's calibration count
CALIBRATED_NIGHTS = 14
BASELINE_NIGHTS = 30
FULL_CONFIDENCE_NIGHTS = 21
MAD_TO_SIGMA = 1.4826
LOGISTIC_SLOPE = 1.702  # makes the logistic within 0.01 of the normal CDF: the score reads as a percentile
CALIBRATING = "calibrating"


def robust_centre(values: list[float | None]) -> tuple[float, float] | None:
    """(median, 1.4826 MAD) of the finite values; None when there are none."""
    v = np.asarray([x for x in values if x is not None and np.isfinite(x)], dtype=np.float64)
    if len(v) == 0:
        return None
    med = float(np.median(v))
    return med, MAD_TO_SIGMA * float(np.median(np.abs(v - med)))


def effective_sigma(sigma_hat: float, n: int, sigma_min: float, k: int = SHRINK_NIGHTS) -> float:
    """The baseline spread pulled toward the input's floor, strongly for few nights, hardly for many."""
    return math.sqrt((n * sigma_hat**2 + k * sigma_min**2) / (n + k))


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
    return 100.0 / (1.0 + math.exp(-LOGISTIC_SLOPE * z_c))


def calibration_factor(nights: int) -> float:
    """z_c multiplier: n/14 while calibrating, 1 after (docs/metrics.md §12)."""
    return min(1.0, nights / CALIBRATED_NIGHTS)


def _baseline_inputs(
    tonight: dict[str, float | None], history: dict[str, list[float | None]]
) -> dict[str, tuple[float, float, float]]:
    inputs: dict[str, tuple[float, float, float]] = {}
    for name in WEIGHTS:
        value = tonight.get(name)
        past = [p for p in history.get(name, [])[-BASELINE_NIGHTS:] if p is not None and np.isfinite(p)]
        if name == "hrv":
            value = math.log(value) if value else None
            past = [math.log(p) for p in past if p > 0]
        if value is None or len(past) < MIN_NIGHTS:
            continue  # an input without its own >= 4-night baseline is left out; the weights renormalise
        centre, sigma_hat = robust_centre(past)  # type: ignore[misc]
        inputs[name] = (value, centre, effective_sigma(sigma_hat, len(past), SIGMA_FLOOR[name]))
    return inputs


def recovery(tonight: dict[str, float | None], history: dict[str, list[float | None]]) -> Metric:
    """tonight/history keys: hrv (ms), rhr, sleep_performance, resp_rate; history oldest first, excl. tonight."""
    if tonight.get("hrv") is None:
        return Metric.missing("%", "need:hrv")
    nights = len([v for v in history.get("hrv", [])[-BASELINE_NIGHTS:] if v is not None and v > 0])
    if nights < MIN_NIGHTS:
        return Metric.missing("%", f"need_baseline:have={nights},need={MIN_NIGHTS}")
    inputs = _baseline_inputs(tonight, history)
    if "hrv" not in inputs or len(inputs) < 2:
        return Metric.missing("%", "need:>=2_inputs_with_baseline")
    result = composite(inputs)
    if result is None:  # cannot happen with positive floors; kept for a caller passing its own sigmas
        return Metric.missing("%", "degenerate_baseline")
    z_raw, drivers = result
    shrink = calibration_factor(nights)
    z_c = z_raw * shrink
    drivers = {k: v * shrink for k, v in drivers.items()}
    present = sum(WEIGHTS[n][0] for n in inputs)
    conf = min(1.0, nights / FULL_CONFIDENCE_NIGHTS) * present
    note = f"{CALIBRATING}:have={nights},need={CALIBRATED_NIGHTS}" if nights < CALIBRATED_NIGHTS else ""
    ranked = sorted(drivers, key=lambda k: abs(drivers[k]), reverse=True)
    value = float(round(score(z_c)))
    if nights < CALIBRATED_NIGHTS:  # never a confident 0 or 100 from a thin baseline (docs/metrics.md §12)
        value = min(99.0, max(1.0, value))
    return Metric(
        value,
        "%",
        round(conf, 3),
        note=note,
        detail={
            "z": round(z_c, 4),
            "drivers": {k: round(v, 4) for k, v in drivers.items()},
            "ranked": ranked,
            "nights": nights,
        },
    )

