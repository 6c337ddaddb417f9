"""Sleep stage ESTIMATES per minute (metrics.md §5, decision D4) - deliberately low confidence (<= 0.4).

Wake per the sleep/wake rule; else REM if HR >= the night's median HR, the local RMSSD (+-2.5 min) is below
0.90 x the night's median RMSSD and >= 60 min after onset; else deep (SWS) if still, HR <= night P25 and
local RMSSD >= night median; else light. Minutes replace the 30-s epochs of §5 (minute features); a wrist
with HR/R-R/gravity is at best a 3-class autonomic estimate, which is what the confidence says.
"""

from __future__ import annotations

import numpy as np

from healthdesk.core.metrics.sleep import ASLEEP, SleepPeriod

DEEP, LIGHT, REM, AWAKE = 0, 1, 2, 3  # same codes as the dashboard's hypnogram
REM_RMSSD_FACTOR = 0.90
REM_EARLIEST_MIN = 60
MAX_CONFIDENCE = 0.4


def estimate_stages(sleep: SleepPeriod, minutes: np.ndarray) -> tuple[np.ndarray, float]:
    """Stage code per minute of the period and a confidence <= 0.4."""
    n = len(minutes)
    stages = np.full(n, AWAKE, np.int8)
    asleep = sleep.state == ASLEEP
    if n == 0 or not asleep.any():
        return stages, 0.0
    hr = minutes["hr_mean"].astype(np.float64)
    kernel = np.ones(5)
    ssd = np.convolve(minutes["ssd_sum"].astype(np.float64), kernel, "same")
    pairs = np.convolve(minutes["ssd_n"].astype(np.float64), kernel, "same")
    with np.errstate(invalid="ignore", divide="ignore"):
        local = np.where(pairs >= 20, np.sqrt(ssd / pairs), np.nan)
    ok = asleep & np.isfinite(hr)
    hr_med, hr_p25 = np.median(hr[ok]), np.percentile(hr[ok], 25)
    rm = local[ok & np.isfinite(local)]
    rm_med = np.median(rm) if len(rm) else np.nan
    since = np.arange(n)
    still = np.nan_to_num(minutes["angle_step_max"].astype(np.float64), nan=99) < 2.0
    rem = ok & (hr >= hr_med) & (local < REM_RMSSD_FACTOR * rm_med) & (since >= REM_EARLIEST_MIN)
    deep = ok & ~rem & still & (hr <= hr_p25) & (local >= rm_med)
    stages[asleep] = LIGHT
    stages[rem] = REM
    stages[deep] = DEEP
    coverage = float(np.count_nonzero(np.isfinite(local[asleep]))) / max(1, int(asleep.sum()))
    return stages, round(MAX_CONFIDENCE * coverage * sleep.confidence, 3)


def stage_minutes(stages: np.ndarray) -> dict[str, float]:
    return {
        name: float(np.count_nonzero(stages == code))
        for name, code in (("deep", DEEP), ("light", LIGHT), ("rem", REM), ("awake", AWAKE))
    }
