"""1 Hz samples -> per-minute rollups, vectorised (np.unique + reduceat/bincount, no per-record loop).

Every value is a pure function of the samples inside one UTC minute, so the store can recompute exactly the
minutes a batch touched from what it holds, and re-imports can never double count.
"""

from __future__ import annotations

import numpy as np

from healthdesk.core.models import RECORDS_PER_MINUTE, ROLLUP_DTYPE

# A wrist at rest moves the gravity vector by about 0.01 g per record; walking or turning over moves it by
# 0.1 g and more. 0.05 g separates the two in the real overnight capture without counting sensor noise.
ACTIVITY_THRESHOLD_G = 0.05


def _time_order(samples: np.ndarray) -> np.ndarray:
    return np.lexsort((samples["subsec"], samples["unix"]))


def minute_rollups(samples: np.ndarray) -> np.ndarray:
    """Rollups (ROLLUP_DTYPE, sorted by minute) of every minute that holds at least one sample."""
    if len(samples) == 0:
        return np.empty(0, ROLLUP_DTYPE)
    unix = samples["unix"]
    if np.any(np.diff(unix.astype(np.int64)) < 0):
        samples = samples[_time_order(samples)]
        unix = samples["unix"]
    minute_of = unix.astype(np.int64) // 60
    minutes, starts, inverse, counts = np.unique(
        minute_of, return_index=True, return_inverse=True, return_counts=True
    )
    n = len(minutes)
    hr = samples["hr"].astype(np.int64)
    has_hr = hr > 0
    hr_count = np.add.reduceat(has_hr.astype(np.int64), starts)
    hr_sum = np.add.reduceat(hr, starts)  # hr == 0 adds nothing
    hr_min = np.minimum.reduceat(np.where(has_hr, hr, 255), starts)
    hr_max = np.maximum.reduceat(hr, starts)
    rr_count = np.add.reduceat(np.minimum(samples["rr_count"], 4).astype(np.int64), starts)

    # Motion: |g[i] - g[i-1]| for consecutive samples of the same minute with finite gravity on both ends.
    gravity = samples["gravity"].astype(np.float64)
    step = np.linalg.norm(np.diff(gravity, axis=0), axis=1) if len(samples) > 1 else np.empty(0)
    same_minute = minute_of[1:] == minute_of[:-1]
    valid = same_minute & np.isfinite(step)
    step_minute = inverse[1:][valid]
    step_sum = np.bincount(step_minute, weights=step[valid], minlength=n)
    step_n = np.bincount(step_minute, minlength=n)
    active = np.bincount(step_minute, weights=(step[valid] > ACTIVITY_THRESHOLD_G), minlength=n)

    out = np.empty(n, ROLLUP_DTYPE)
    out["minute"] = minutes * 60
    out["records"] = counts
    out["hr_count"] = hr_count
    with np.errstate(invalid="ignore", divide="ignore"):
        out["hr_mean"] = np.where(hr_count > 0, hr_sum / hr_count, np.nan)
        out["motion"] = np.where(step_n > 0, step_sum / step_n, np.nan)
    out["hr_min"] = np.where(hr_count > 0, hr_min, 0)
    out["hr_max"] = hr_max
    out["rr_count"] = rr_count
    out["active_count"] = active.astype(np.int64)
    out["worn_fraction"] = np.minimum(hr_count / RECORDS_PER_MINUTE, 1.0)
    return out
