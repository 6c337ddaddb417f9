"""HRV: RMSSD, SDNN, pNN50 and the nightly value (docs/metrics.md §3).

Nightly HRV = median RMSSD of valid 5-min windows inside the main sleep, asleep and immobile minutes only.
A window is valid when <= 20 % of its listed beats were dropped by the cleaner, it holds >= 60 % of the beats
its mean HR implies and >= 20 clean successive differences. >= 6 valid windows are required.
The "last deep sleep" variant (what WHOOP says it weights) is the median over the last 60 min of valid NREM
windows in the final third of the night; it needs stages (stages.py) and >= 3 windows.
Window RMSSD is built from per-minute sums of squared successive differences (features.py), so a window is
5 whole clock minutes aligned to the sleep start.
"""

from __future__ import annotations

import math

import numpy as np

from healthdesk.core.metrics.features import RECORDS_PER_MINUTE
from healthdesk.core.metrics.sleep import ASLEEP, SleepPeriod
from healthdesk.core.models import Metric

WINDOW_MIN = 5
MIN_WINDOWS = 6
MAX_DROPPED = 0.20
MIN_BEAT_COVERAGE = 0.60
MIN_PAIRS = 20
FULL_CONFIDENCE_WINDOWS = 36  # 3 h of valid windows
WAKE_STAGE, REM_STAGE = 3, 2  # stage codes from stages.py


def rmssd(nn: np.ndarray) -> float:
    d = np.diff(np.asarray(nn, dtype=np.float64))
    return float(np.sqrt(np.mean(d**2)))


def sdnn(nn: np.ndarray) -> float:
    return float(np.std(np.asarray(nn, dtype=np.float64), ddof=1))


def pnn50(nn: np.ndarray) -> float:
    d = np.abs(np.diff(np.asarray(nn, dtype=np.float64)))
    return float(100.0 * np.mean(d > 50))


def window_stats(minutes: np.ndarray, usable: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per 5-min window of the grid: (RMSSD ms, SDNN ms, valid) - NaN where not computable."""
    n = len(minutes) // WINDOW_MIN
    if n == 0:
        empty = np.empty(0)
        return empty, empty, np.empty(0, bool)

    def per_window(x: np.ndarray) -> np.ndarray:
        return x[: n * WINDOW_MIN].astype(np.float64).reshape(n, WINDOW_MIN).sum(axis=1)

    ssd, pairs = per_window(minutes["ssd_sum"]), per_window(minutes["ssd_n"])
    beats, clean = per_window(minutes["beats"]), per_window(minutes["beats_clean"])
    s1, s2 = per_window(minutes["nn_sum"]), per_window(minutes["nn_sq"])
    hr = np.nan_to_num(minutes["hr_mean"].astype(np.float64)) * np.minimum(
        minutes["worn"] / RECORDS_PER_MINUTE, 1.0
    )
    expected = per_window(hr)
    all_usable = usable[: n * WINDOW_MIN].reshape(n, WINDOW_MIN).all(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        r = np.sqrt(ssd / pairs)
        sd = np.sqrt(np.maximum(s2 - s1**2 / clean, 0) / (clean - 1))
        valid = (
            all_usable
            & (pairs >= MIN_PAIRS)
            & ((beats - clean) <= MAX_DROPPED * beats)
            & (clean >= MIN_BEAT_COVERAGE * expected)
        )
    return np.where(valid, r, np.nan), np.where(valid, sd, np.nan), valid


def _immobile_asleep(sleep: SleepPeriod, minutes: np.ndarray) -> np.ndarray:
    # "immobile": no z-angle move > 5 deg in the minute (the wake rule already marks those minutes WAKE)
    return (sleep.state == ASLEEP) & np.isfinite(minutes["hr_mean"])


def nightly_hrv(sleep: SleepPeriod | None, minutes: np.ndarray | None) -> dict[str, Metric]:
    """hrv_rmssd, hrv_sdnn, hrv_ln_rmssd and hrv_rmssd_last_sws for one main sleep (minutes = its grid)."""
    names = {"hrv_rmssd": "ms", "hrv_sdnn": "ms", "hrv_ln_rmssd": "ln(ms)", "hrv_rmssd_last_sws": "ms"}
    if sleep is None or minutes is None or len(minutes) == 0:
        return {k: Metric.missing(u, "no_main_sleep") for k, u in names.items()}
    r, sd, valid = window_stats(minutes, _immobile_asleep(sleep, minutes))
    k = int(valid.sum())
    if k < MIN_WINDOWS:
        note = f"need_windows:have={k},need={MIN_WINDOWS}"
        return {name: Metric.missing(u, note) for name, u in names.items()}
    conf = round(min(1.0, k / FULL_CONFIDENCE_WINDOWS) * sleep.confidence, 3)
    value = float(np.median(r[valid]))
    out = {
        "hrv_rmssd": Metric(value, "ms", conf, detail={"windows": k}),
        "hrv_sdnn": Metric(float(np.median(sd[valid])), "ms", conf, detail={"windows": k}),
        "hrv_ln_rmssd": Metric(math.log(value), "ln(ms)", conf),
        "hrv_rmssd_last_sws": Metric.missing("ms", "no_stages"),
    }
    if sleep.stages is not None:
        n = len(r)
        stages = sleep.stages[: n * WINDOW_MIN].reshape(n, WINDOW_MIN)
        nrem = ~np.any((stages == REM_STAGE) | (stages == WAKE_STAGE), axis=1)
        final_third = np.arange(n) >= (2 * n) // 3
        pick = np.flatnonzero(valid & nrem & final_third)[-(60 // WINDOW_MIN) :]
        if len(pick) >= 3:
            out["hrv_rmssd_last_sws"] = Metric(
                float(np.median(r[pick])),
                "ms",
                round(min(conf, 0.4 * len(pick) / 12 + 0.2), 3),
                note="estimate:stages",
                detail={"windows": int(len(pick))},
            )
        else:
            out["hrv_rmssd_last_sws"] = Metric.missing("ms", f"need_nrem_windows:have={len(pick)},need=3")
    return out
