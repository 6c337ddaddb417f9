"""Sleep need, sleep performance and sleep consistency (metrics.md §6, §7).

need = clamp(baseline + 2.4667 x day strain + debt - naps, 360, 660) min, where baseline = median TST of the
last 30 main sleeps with TST >= 4 h (>= 7 such nights, else None: no "8 h" default, §24.8), debt = the
previous night's shortfall. performance = min(100, 100 x TST / need). Consistency = max(0, SRI) over the
last 4 noon-to-noon days of 1-min sleep/wake states (pairs need >= 1200 common valid minutes).
"""

from __future__ import annotations

import numpy as np

from healthdesk.core.models import Metric

STRAIN_MIN_PER_POINT = 2.4667  # WHOOP: a 15.0 day strain adds 37 min (decision D5)
NEED_MIN, NEED_MAX = 360.0, 660.0
BASELINE_NIGHTS = 30
BASELINE_MIN_TST = 240.0
BASELINE_NEED_NIGHTS = 7
SRI_MIN_COMMON = 1200


def baseline_need(tst_history: list[float]) -> Metric:
    nights = [v for v in tst_history[-BASELINE_NIGHTS:] if v is not None and v >= BASELINE_MIN_TST]
    if len(nights) < BASELINE_NEED_NIGHTS:
        return Metric.missing("min", f"need_baseline:have={len(nights)},need={BASELINE_NEED_NIGHTS}")
    return Metric(float(np.median(nights)), "min", round(min(1.0, len(nights) / BASELINE_NIGHTS), 3))


def sleep_need(
    baseline_min: float | None, day_strain: float | None, debt_min: float | None, nap_min: float
) -> float | None:
    """Minutes of sleep needed; None without a personal baseline."""
    if baseline_min is None:
        return None
    total = baseline_min + STRAIN_MIN_PER_POINT * (day_strain or 0.0) + (debt_min or 0.0) - nap_min
    return float(np.clip(total, NEED_MIN, NEED_MAX))


def sleep_debt(prev_need: float | None, prev_tst: float | None) -> float | None:
    if prev_need is None or prev_tst is None:
        return None
    return max(0.0, prev_need - prev_tst)


def sleep_performance(tst_min: float | None, need_min: float | None) -> float | None:
    if tst_min is None or need_min is None or need_min <= 0:
        return None
    return min(100.0, 100.0 * tst_min / need_min)


def sleep_regularity_index(days: list[np.ndarray]) -> float | None:
    """SRI over consecutive days of 1440 minute states (1 asleep, 0 awake, -1 unknown), Phillips 2017."""
    agree = compared = 0
    for a, b in zip(days, days[1:], strict=False):
        both = (a >= 0) & (b >= 0)
        if np.count_nonzero(both) < SRI_MIN_COMMON:
            continue
        compared += int(np.count_nonzero(both))
        agree += int(np.count_nonzero((a == b) & both))
    if compared == 0:
        return None
    return 200.0 * agree / compared - 100.0
