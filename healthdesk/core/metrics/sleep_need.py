"""Sleep need, sleep debt, sleep performance and sleep consistency (docs/metrics.md §6, §7).

core need = clamp(baseline + 2.4667 x day strain - naps, 360, 660) min: the night's need without debt.
debt = min(120, max(0, core need of the previous night - TST of the previous night)): the shortfall against the
previous night's CORE need, never its full need (that already holds the debt before it, so the debt would
compound night after night - docs/metrics.md §6). need = clamp(core need + debt, 360, 660).
baseline = median TST of the last 30 main sleeps with TST >= 4 h (>= 7 such nights, else None: no "8 h"
default). performance = min(100, 100 x TST / need). Consistency = max(0, SRI) over the last 4 noon-to-noon
days of 1-min sleep/wake states (pairs need >= 1200 common valid minutes).
"""

from __future__ import annotations

import numpy as np

from healthdesk.core.models import Metric

STRAIN_MIN_PER_POINT = 2.4667  # WHOOP: a 15.0 day strain adds 37 min (docs/metrics.md §6)
NEED_MIN, NEED_MAX = 360.0, 660.0
DEBT_MAX = 120.0  # one short night adds at most 2 h: a missed night is not repaid in one go
BASELINE_NIGHTS = 30
BASELINE_MIN_TST = 240.0
BASELINE_NEED_NIGHTS = 7
SRI_MIN_COMMON = 1200


def baseline_need(tst_history: list[float | None]) -> Metric:
    nights = [v for v in tst_history[-BASELINE_NIGHTS:] if v is not None and v >= BASELINE_MIN_TST]
    if len(nights) < BASELINE_NEED_NIGHTS:
        return Metric.missing("min", f"need_baseline:have={len(nights)},need={BASELINE_NEED_NIGHTS}")
    return Metric(float(np.median(nights)), "min", round(min(1.0, len(nights) / BASELINE_NIGHTS), 3))


def core_need(baseline_min: float | None, day_strain: float | None, nap_min: float | None) -> float | None:
    """The night's need without debt: baseline + strain term - naps, clamped; None without a baseline."""
    if baseline_min is None:
        return None
    total = baseline_min + STRAIN_MIN_PER_POINT * (day_strain or 0.0) - (nap_min or 0.0)
    return float(np.clip(total, NEED_MIN, NEED_MAX))


def sleep_need(
    baseline_min: float | None, day_strain: float | None, debt_min: float | None, nap_min: float | None
) -> float | None:
    """Minutes of sleep needed (core need + debt, clamped); None without a personal baseline."""
    core = core_need(baseline_min, day_strain, nap_min)
    if core is None:
        return None
    return float(np.clip(core + (debt_min or 0.0), NEED_MIN, NEED_MAX))


def sleep_debt(prev_core_need: float | None, prev_tst: float | None) -> float | None:
    """The previous night's shortfall against its CORE need (docs/metrics.md §6); None if either is missing."""
    if prev_core_need is None or prev_tst is None:
        return None
    return float(min(DEBT_MAX, max(0.0, prev_core_need - prev_tst)))


def previous_core_need(
    tst: list[float | None], strain: list[float | None], naps: list[float | None]
) -> float | None:
    """The core need of the night before tonight, recomputed from the history of cycles (oldest first, tonight
    excluded): that night's baseline came from the TSTs before it, its strain and naps from the cycle before
    it. Recomputed rather than stored, so a history read back from the store gives the same debt."""
    if len(tst) < 2:
        return None
    base = baseline_need(tst[:-1])
    return core_need(base.value, strain[-2], naps[-2])


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
