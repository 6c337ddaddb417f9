"""Sleep detection on minute features: sleep period windows (van Hees/HDCZA), main sleep, naps, accounting.

metrics.md §4 (decision D4), adapted to minute features:
1. Per minute, the median |change| of the 5-s mean z-angle between adjacent epochs; a 5-minute centred rolling
   median of that is the HDCZA signal. Unworn minutes (hr = 0: a band on a table is perfectly still) are
   unknown, never rest.
2. Threshold per noon-to-noon local window = clamp(P10 x 15, 0.13 deg, 0.50 deg). Rest runs >= 30 min are
   merged across gaps < 60 min (not across > 10 unworn minutes: an off-wrist gap is not closed up); a shorter
   run (>= 10 min) within 15 min of such a block joins it (dozing off before a data gap).
3. Main sleep = the longest merged block >= 60 min of its noon-to-noon window whose median HR is not above
   1.25 x the resting-HR reference (given, else the window's P10 worn-minute HR). Other blocks >= 10 min are naps when their median HR
   is at least 5 bpm below the window's awake median HR.
4. Inside a period, a minute is wake when the z-angle moved > 5 deg in it or HR > 1.20 x the period's P10 HR;
   wakeful edges are trimmed (the period starts in the first 10 min that are >= 80 % asleep): a quiet wrist
   on the sofa is still, but its heart rate is awake. Limitation: the rule is relative, so quiet waking
   within ~20 % of the sleeping heart rate cannot be told from sleep on a wrist.
Choice: minutes instead of 5-s epochs for the rolling median (the year of minute features must fit in memory
and the 15-min accuracy target is far above the 1-min resolution).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from healthdesk.core.metrics.features import worn_minutes

THRESHOLD_FACTOR = 15.0
THRESHOLD_MIN_DEG, THRESHOLD_MAX_DEG = 0.13, 0.50
BLOCK_MIN = 30
MERGE_GAP_MIN = 60
MAIN_MIN = 60
NAP_MIN = 10
GAP_UNWORN_MAX = 10
ABSORB_GAP_MIN = 15  # a short still run this close to a sleep block is part of it (dozing off, a data gap)
WAKE_ANGLE_DEG = 5.0
WAKE_HR_FACTOR = 1.20
HR_REJECT_FACTOR = 1.25
NAP_HR_MARGIN = 5.0
TRIM_WINDOW_MIN, TRIM_MIN_ASLEEP = 10, 8

WAKE, ASLEEP, UNKNOWN = 0, 1, -1


@dataclass
class SleepPeriod:
    start: float  # unix s, first minute of the period
    end: float  # unix s, end of its last minute
    main: bool
    state: np.ndarray  # per minute: ASLEEP / WAKE / UNKNOWN (not worn)
    confidence: float
    stages: np.ndarray | None = field(default=None)  # per minute stage code, set by stages.py

    @property
    def tib_min(self) -> float:
        return (self.end - self.start) / 60.0

    @property
    def tst_min(self) -> float:
        return float(np.count_nonzero(self.state == ASLEEP))

    @property
    def efficiency(self) -> float | None:
        return 100.0 * self.tst_min / self.tib_min if self.tib_min > 0 else None

    @property
    def waso_min(self) -> float:
        asleep = np.flatnonzero(self.state == ASLEEP)
        if len(asleep) == 0:
            return 0.0
        return float(np.count_nonzero(self.state[asleep[0] :] == WAKE))

    @property
    def disturbances(self) -> int:
        asleep = np.flatnonzero(self.state == ASLEEP)
        if len(asleep) == 0:
            return 0
        s = self.state[asleep[0] :] == WAKE
        return int(np.count_nonzero(s[1:] & ~s[:-1]) + (1 if s[0] else 0))


def efficiency(tib_min: float, tst_min: float) -> float | None:
    """Sleep efficiency, % (metrics.md §5): 100 * TST / TIB."""
    return 100.0 * tst_min / tib_min if tib_min > 0 else None


COLE_KRIPKE_WEIGHTS = (106, 54, 58, 76, 230, 74, 67)  # A-4 .. A+2, canonical Cole et al. 1992


def cole_kripke(activity: np.ndarray) -> np.ndarray:
    """Sleep index per 1-min epoch from scaled counts (counts/100, clipped at 300); SI >= 1 is wake.

    Kept as a reference scorer only: counts are device specific, so it is not used on WHOOP gravity (§4).
    """
    a = np.minimum(np.asarray(activity, dtype=np.float64), 300.0)
    padded = np.concatenate((np.zeros(4), a, np.zeros(2)))
    w = np.asarray(COLE_KRIPKE_WEIGHTS, dtype=np.float64)
    return 0.001 * np.lib.stride_tricks.sliding_window_view(padded, 7) @ w


def rolling_nanmedian(x: np.ndarray, width: int, min_valid: int) -> np.ndarray:
    """Centred rolling median ignoring NaN; NaN where fewer than `min_valid` values exist."""
    half = width // 2
    padded = np.concatenate((np.full(half, np.nan), x, np.full(half, np.nan)))
    win = np.sort(np.lib.stride_tricks.sliding_window_view(padded, 2 * half + 1), axis=1)  # NaN sort last
    k = np.count_nonzero(np.isfinite(win), axis=1)
    lo = np.take_along_axis(win, np.clip((k - 1) // 2, 0, None)[:, None], axis=1)[:, 0]
    hi = np.take_along_axis(win, np.clip(k // 2, 0, 2 * half)[:, None], axis=1)[:, 0]
    return np.where(k >= min_valid, (lo + hi) / 2, np.nan)


def _runs(mask: np.ndarray) -> np.ndarray:
    """(start, end) index pairs of True runs, end exclusive."""
    d = np.diff(np.concatenate(([0], mask.astype(np.int8), [0])))
    return np.stack([np.flatnonzero(d == 1), np.flatnonzero(d == -1)], axis=1)


def noon_window(unix: np.ndarray | float, tz_offset_s: int) -> np.ndarray:
    """Index of the local noon-to-noon window a time falls in (days since 1970-01-01 of the window's noon)."""
    return np.floor((np.asarray(unix, dtype=np.float64) + tz_offset_s - 43200) / 86400).astype(np.int64)


def window_slices(window: np.ndarray) -> dict[int, slice]:
    """Row slices of each window id in a time-ordered grid (windows are contiguous there)."""
    cut = np.flatnonzero(np.diff(window)) + 1
    starts = np.concatenate(([0], cut))
    ends = np.concatenate((cut, [len(window)]))
    return (
        {int(window[a]): slice(int(a), int(b)) for a, b in zip(starts, ends, strict=True)}
        if len(window)
        else {}
    )


def rest_mask(minutes: np.ndarray, tz_offset_s: int) -> np.ndarray:
    """HDCZA rest minutes (bool per minute)."""
    worn = worn_minutes(minutes)
    step = np.where(worn, minutes["angle_step_med"].astype(np.float64), np.nan)
    signal = rolling_nanmedian(step, 5, 3)
    window = noon_window(minutes["minute"], tz_offset_s)
    threshold = np.full(len(minutes), np.nan)
    for sel in window_slices(window).values():
        vals = signal[sel]
        vals = vals[np.isfinite(vals)]
        p10 = np.percentile(vals, 10) if len(vals) >= 120 else np.nan
        threshold[sel] = (
            np.clip(p10 * THRESHOLD_FACTOR, THRESHOLD_MIN_DEG, THRESHOLD_MAX_DEG) if np.isfinite(p10) else 0.2
        )
    return worn & np.isfinite(signal) & (signal < threshold)


def _blocks(rest: np.ndarray, worn: np.ndarray) -> list[tuple[int, int]]:
    runs = [tuple(r) for r in _runs(rest) if r[1] - r[0] >= NAP_MIN]
    long_runs = [r for r in runs if r[1] - r[0] >= BLOCK_MIN]
    merged: list[list[int]] = []
    for s, e in long_runs:
        if (
            merged
            and s - merged[-1][1] < MERGE_GAP_MIN
            and np.count_nonzero(~worn[merged[-1][1] : s]) <= GAP_UNWORN_MAX
        ):
            merged[-1][1] = e
        else:
            merged.append([s, e])
    blocks = [(s, e) for s, e in merged]
    for s, e in runs:  # short runs join a block right next to them, else stand alone as nap candidates
        if e - s >= BLOCK_MIN or any(bs <= s and e <= be for bs, be in blocks):
            continue
        for i, (bs, be) in enumerate(blocks):
            if 0 <= bs - e <= ABSORB_GAP_MIN and np.count_nonzero(~worn[e:bs]) <= GAP_UNWORN_MAX:
                blocks[i] = (s, be)
                break
            if 0 <= s - be <= ABSORB_GAP_MIN and np.count_nonzero(~worn[be:s]) <= GAP_UNWORN_MAX:
                blocks[i] = (bs, e)
                break
        else:
            blocks.append((s, e))
    return sorted(blocks)


def _states(minutes: np.ndarray, worn: np.ndarray) -> np.ndarray:
    hr = minutes["hr_mean"].astype(np.float64)
    valid_hr = hr[worn & np.isfinite(hr)]
    p10 = np.percentile(valid_hr, 10) if len(valid_hr) else np.nan
    moved = np.nan_to_num(minutes["angle_step_max"].astype(np.float64), nan=0.0) > WAKE_ANGLE_DEG
    fast = np.isfinite(hr) & (hr > WAKE_HR_FACTOR * p10)
    state = np.where(moved | fast, WAKE, ASLEEP).astype(np.int8)
    state[~worn] = UNKNOWN
    return state


def _trim(state: np.ndarray) -> tuple[int, int]:
    """Offsets [a, b) of a block without its wakeful edges: it starts in the first 10-min stretch that is
    >= 80 % asleep and ends in the last one. A still wrist on the sofa before bed passes the gravity test;
    its heart rate (the wake rule) does not, so the period starts when sleep does."""
    asleep = (state == ASLEEP).astype(np.int64)
    if len(asleep) <= TRIM_WINDOW_MIN:
        return 0, len(asleep)
    c = np.convolve(asleep, np.ones(TRIM_WINDOW_MIN, np.int64), "valid")
    dense = np.flatnonzero(c >= TRIM_MIN_ASLEEP)
    if len(dense) == 0:
        return 0, 0
    i, j = int(dense[0]), int(dense[-1])
    a = i + int(np.argmax(asleep[i : i + TRIM_WINDOW_MIN]))
    b = j + TRIM_WINDOW_MIN - int(np.argmax(asleep[j : j + TRIM_WINDOW_MIN][::-1]))
    return a, b


def detect_sleeps(
    minutes: np.ndarray, tz_offset_s: int, rhr_reference: float | None = None
) -> list[SleepPeriod]:
    """Main sleeps and naps in a contiguous minute grid, time ordered."""
    if len(minutes) < NAP_MIN:
        return []
    worn = worn_minutes(minutes)
    rest = rest_mask(minutes, tz_offset_s)
    blocks = _blocks(rest, worn)
    hr = minutes["hr_mean"].astype(np.float64)
    t = minutes["minute"].astype(np.float64)
    window = noon_window(t, tz_offset_s)
    rest_any = np.zeros(len(minutes), bool)
    for s, e in blocks:
        rest_any[s:e] = True

    def median_hr(s: int, e: int) -> float:
        v = hr[s:e][worn[s:e] & np.isfinite(hr[s:e])]
        return float(np.median(v)) if len(v) else np.nan

    # Without a known resting HR, the window's own low HR (P10 of worn minutes) stands in: it is a property of
    # the data in the window only, so deriving a day alone or inside a longer span gives the same sleeps.
    slices = window_slices(window)
    window_floor: dict[int, float] = {}
    awake_median: dict[int, float] = {}
    for w, sl in slices.items():
        ok = worn[sl] & np.isfinite(hr[sl])
        if np.count_nonzero(ok) >= 120:
            window_floor[w] = float(np.percentile(hr[sl][ok], 10))
        awake = ok & ~rest_any[sl]
        if awake.any():
            awake_median[w] = float(np.median(hr[sl][awake]))
    candidates = []
    for s0, e0 in blocks:
        a, b = _trim(_states(minutes[s0:e0], worn[s0:e0]))
        s, e = s0 + a, s0 + b
        if e - s < NAP_MIN:
            continue
        m = median_hr(s, e)
        if not np.isfinite(m):
            continue
        reference = rhr_reference if rhr_reference is not None else window_floor.get(int(window[s]))
        if reference is not None and e - s >= MAIN_MIN and m > HR_REJECT_FACTOR * reference:
            continue  # sedentary but awake (TV, a long drive)
        candidates.append((s, e, m))
    main_of: dict[int, tuple[int, int]] = {}
    for s, e, _m in candidates:
        if e - s >= MAIN_MIN:
            w = int(window[s])
            if w not in main_of or (e - s) > (main_of[w][1] - main_of[w][0]):
                main_of[w] = (s, e)
    mains = set(main_of.values())
    periods: list[SleepPeriod] = []
    for s, e, m in candidates:
        is_main = (s, e) in mains
        if not is_main:
            awake_hr = awake_median.get(int(window[s]))
            if awake_hr is None or m > awake_hr - NAP_HR_MARGIN:
                continue
        state = _states(minutes[s:e], worn[s:e])
        coverage = float(np.count_nonzero(worn[s:e])) / (e - s)
        checked = rhr_reference is not None or int(window[s]) in window_floor or not is_main
        confidence = coverage * (0.9 if checked else 0.75)
        periods.append(SleepPeriod(float(t[s]), float(t[e - 1] + 60), is_main, state, round(confidence, 3)))
    return periods
