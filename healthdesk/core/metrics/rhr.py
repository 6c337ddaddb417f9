"""Resting HR: the lowest 30-min rolling mean of per-minute HR inside the main sleep (metrics.md §2.2, D4).

Windows slide over clock minutes (an off-wrist gap is not closed up); a window counts only when >= 27 of its
30 minutes are worn with a heart rate. Confidence = min(1, valid sleep minutes / 240) x sleep confidence.
The baseline RHR other metrics use is the median of the trailing 28 nightly values.
Choice: the baseline is usable from ONE night (not 3 as §2.2 suggests), with confidence x n/14: one measured
night is a real measurement of this person, and day strain / workout detection would otherwise abstain for
the first two days of every new user. The confidence tells the dashboard how weak it is.
"""

from __future__ import annotations

import numpy as np

from healthdesk.core.models import Metric

WINDOW_MIN = 30
MIN_VALID_IN_WINDOW = 27
FULL_CONFIDENCE_MIN = 240
BASELINE_NIGHTS = 28
BASELINE_FULL_NIGHTS = 14


def lowest_window_mean(hr_per_minute: np.ndarray) -> float | None:
    """Lowest 30-min mean over clock minutes; NaN marks an unworn minute."""
    hr = np.asarray(hr_per_minute, dtype=np.float64)
    if len(hr) < WINDOW_MIN:
        return None
    ok = np.isfinite(hr)
    csum = np.concatenate(([0.0], np.cumsum(np.where(ok, hr, 0.0))))
    cnt = np.concatenate(([0], np.cumsum(ok)))
    s = csum[WINDOW_MIN:] - csum[:-WINDOW_MIN]
    c = cnt[WINDOW_MIN:] - cnt[:-WINDOW_MIN]
    good = c >= MIN_VALID_IN_WINDOW
    if not good.any():
        return None
    return float(np.min(s[good] / c[good]))


def nightly_rhr(hr_per_minute: np.ndarray | None, sleep_confidence: float = 1.0) -> Metric:
    if hr_per_minute is None:
        return Metric.missing("bpm", "no_main_sleep")
    value = lowest_window_mean(hr_per_minute)
    if value is None:
        return Metric.missing("bpm", "need:30_contiguous_worn_sleep_minutes")
    valid = int(np.count_nonzero(np.isfinite(hr_per_minute)))
    return Metric(value, "bpm", round(min(1.0, valid / FULL_CONFIDENCE_MIN) * sleep_confidence, 3))


def baseline_rhr(nightly: list[float]) -> Metric:
    """Median of the trailing 28 nightly RHRs (oldest first), confidence x n/14."""
    vals = [v for v in nightly[-BASELINE_NIGHTS:] if v is not None and np.isfinite(v)]
    if not vals:
        return Metric.missing("bpm", "need_nights:have=0,need=1")
    conf = min(1.0, len(vals) / BASELINE_FULL_NIGHTS)
    return Metric(float(np.median(vals)), "bpm", round(conf, 3), detail={"nights": len(vals)})
