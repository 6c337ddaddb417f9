"""Training load on daily TRIMP: ACWR (EWMA 7/28), fitness/fatigue/form, Foster monotony (§15-§17, D2).

ACWR: lambda = 2/(N+1), both EWMAs primed with the mean of the first 7 known days; a day with < 60 % wear is
missing (EWMAs hold); None before 28 days or when chronic = 0. PMC: k = 1 - e^(-1/tau) (42/7), primed with
the mean of the first 7 days, TSB_d = CTL_{d-1} - ATL_{d-1}; None before 14 days. Foster: last 7 days, >= 5
known, sample SD, SD = 0 -> None. Inputs are daily loads oldest first, None for a missing day.
"""

from __future__ import annotations

import math

import numpy as np

from healthdesk.core.models import Metric

ACUTE_N, CHRONIC_N = 7, 28
PRIME_DAYS = 7
CTL_TAU, ATL_TAU = 42.0, 7.0


def _primed(loads: list[float | None]) -> tuple[float, int] | None:
    known = [x for x in loads if x is not None]
    if len(known) < PRIME_DAYS:
        return None
    return float(np.mean(known[:PRIME_DAYS])), len(known)


def ewma_series(loads: list[float | None], lam: float, prime: float) -> list[float]:
    out, value = [], prime
    for x in loads:
        if x is not None:
            value = lam * x + (1 - lam) * value
        out.append(value)
    return out


def acwr(loads: list[float | None]) -> Metric:
    primed = _primed(loads)
    if len(loads) < CHRONIC_N or primed is None:
        return Metric.missing("ratio", f"need_days:have={len(loads)},need={CHRONIC_N}")
    prime, _ = primed
    acute = ewma_series(loads, 2 / (ACUTE_N + 1), prime)[-1]
    chronic = ewma_series(loads, 2 / (CHRONIC_N + 1), prime)[-1]
    if chronic <= 0:
        return Metric.missing("ratio", "chronic=0")
    known = sum(1 for x in loads[-CHRONIC_N:] if x is not None) / CHRONIC_N
    return Metric(acute / chronic, "ratio", round(known, 3), detail={"acute": acute, "chronic": chronic})


def pmc(loads: list[float | None]) -> dict[str, Metric]:
    """ctl, atl after the last day, and tsb = form coming into the last day."""
    primed = _primed(loads)
    if len(loads) < 14 or primed is None:
        note = f"need_days:have={len(loads)},need=14"
        return {k: Metric.missing("trimp", note) for k in ("ctl", "atl", "tsb")}
    prime, _ = primed
    kc, ka = 1 - math.exp(-1 / CTL_TAU), 1 - math.exp(-1 / ATL_TAU)
    ctl = ewma_series(loads, kc, prime)
    atl = ewma_series(loads, ka, prime)
    conf = round(min(0.85, max(0.3, len(loads) / CTL_TAU)), 3)
    return {
        "ctl": Metric(ctl[-1], "trimp", conf),
        "atl": Metric(atl[-1], "trimp", conf),
        "tsb": Metric(ctl[-2] - atl[-2], "trimp", conf),
    }


def foster(loads: list[float | None]) -> dict[str, Metric]:
    week = [x for x in loads[-7:] if x is not None]
    if len(week) < 5:
        note = f"need_days:have={len(week)},need=5"
        return {"monotony": Metric.missing("ratio", note), "training_strain": Metric.missing("trimp", note)}
    sd = float(np.std(week, ddof=1))
    if sd == 0:
        return {
            "monotony": Metric.missing("ratio", "constant_load"),
            "training_strain": Metric.missing("trimp", "constant_load"),
        }
    mono = float(np.mean(week)) / sd
    conf = round(len(week) / 7, 3)
    return {
        "monotony": Metric(mono, "ratio", conf),
        "training_strain": Metric(sum(week) * mono, "trimp", conf),
    }
