"""1 Hz band records -> per-minute features every metric needs (metrics.md §0.3), on a contiguous minute grid.

Why not the store's minute rollups: sleep detection needs the z-angle of the gravity vector (van Hees), HRV
needs beat-level successive differences of cleaned R-R intervals, max HR a sustained (15-s median) peak. All
of these are additive or per-minute quantities, so a year of minutes (525 600 rows) is enough for every
daily metric and a one-night derivation never touches the 1 Hz data twice.

Beats: the band lists the R-R intervals that ended during each tick. Consecutive listed intervals are treated
as successive beats unless the records around them are more than 2 s apart (a data hole). A beat the band
skipped silently makes one difference span two beats; the Malik 20 % rule below removes the large ones, the
rest inflate RMSSD slightly (documented limitation of the R-R stream, not of this code).

Cleaning (metrics.md §3): keep 300..2000 ms; drop a beat that differs from the previous in-range listed beat
by more than 20 % of it (Malik). A successive difference counts only when both beats are kept and adjacent.
"""

from __future__ import annotations

import numpy as np

from healthdesk.core.metrics.spectral import respiratory_rate

RECORD_PERIOD_S = 31504 / 32768
RECORDS_PER_MINUTE = 60 / RECORD_PERIOD_S
WORN_FRACTION_MIN = 0.5  # a minute is "worn" when at least half its ticks carry a heart rate
EPOCH_S = 5  # z-angle epochs (van Hees 2018 uses 5-s epochs)
HR_EPOCH_S = 15  # sustained-HR epochs for max HR (metrics.md §2.1)
NN_MIN_MS, NN_MAX_MS, MALIK = 300.0, 2000.0, 0.20
RESP_WINDOW_S = 300
RESP_STILL_DEG = 5.0
RESP_QUIET_MEDIAN_DEG = 0.5  # the HDCZA rest ceiling: lying still, not sitting at a desk
RESP_MIN_BEATS = 150

MINUTE_DTYPE = np.dtype(
    [
        ("minute", "<i8"),  # unix seconds of the minute start
        ("records", "<u2"),  # ticks stored in the minute
        ("worn", "<u2"),  # ticks with hr > 0
        ("hr_mean", "<f4"),  # NaN when not worn
        ("hr_peak15", "<f4"),  # highest 15-s median HR in the minute, NaN when none
        ("angle_step_max", "<f4"),  # max |change| of 5-s mean z-angle between adjacent worn epochs (deg)
        ("angle_step_med", "<f4"),  # median of the same changes (deg); NaN when < 2 epochs
        ("motion", "<f4"),  # mean |delta gravity| per second between adjacent worn ticks (g/s)
        ("beats", "<u2"),  # R-R intervals listed
        ("beats_clean", "<u2"),  # of which kept by the cleaner
        ("ssd_sum", "<f8"),  # sum of squared successive differences of adjacent clean beats (ms^2)
        ("ssd_n", "<u2"),
        ("nn_sum", "<f8"),  # clean beats: sum and sum of squares (ms, ms^2) for SDNN
        ("nn_sq", "<f8"),
        ("resp_bpm", "<f4"),  # RSA breathing rate of the still 5-min clock window starting here, else NaN
    ]
)


def record_time(records: np.ndarray) -> np.ndarray:
    return records["unix"].astype(np.float64) + records["subsec"].astype(np.float64) / 32768.0


def empty_minutes(m0: int, m1: int) -> np.ndarray:
    """A grid of minutes [m0, m1) (unix seconds, multiples of 60) with nothing recorded."""
    out = np.zeros(max(0, (m1 - m0) // 60), MINUTE_DTYPE)
    out["minute"] = np.arange(m0, m0 + 60 * len(out), 60)
    for name in ("hr_mean", "hr_peak15", "angle_step_max", "angle_step_med", "motion", "resp_bpm"):
        out[name] = np.nan
    return out


def z_angle(gravity: np.ndarray) -> np.ndarray:
    """Angle of the band's z axis above the horizontal plane, degrees (van Hees 2015)."""
    g = gravity.astype(np.float64)
    return np.degrees(np.arctan2(g[:, 2], np.hypot(g[:, 0], g[:, 1])))


def clean_beats(nn: np.ndarray, adjacent: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(kept beat mask, valid successive-difference mask for beat i vs i-1). `adjacent[i]`: beat i follows i-1."""
    nn = nn.astype(np.float64)
    in_range = (nn >= NN_MIN_MS) & (nn <= NN_MAX_MS)
    # Malik: compare with the previous in-range beat (an out-of-range artefact is no reference)
    idx = np.where(in_range, np.arange(len(nn)), -1)
    last_ok = np.maximum.accumulate(idx) if len(nn) else idx
    prev_idx = np.concatenate(([-1], last_ok[:-1]))
    prev = np.where(prev_idx >= 0, nn[np.maximum(prev_idx, 0)], np.nan)
    with np.errstate(invalid="ignore"):
        jump = np.abs(nn - prev) > MALIK * prev
    kept = in_range & ~(jump & adjacent)
    pair = np.zeros(len(nn), bool)
    pair[1:] = kept[1:] & kept[:-1] & adjacent[1:]
    return kept, pair


def _beats(records: np.ndarray, t: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Listed R-R intervals in order: (nn ms, approx end time s, adjacent-to-previous flag)."""
    count = np.minimum(records["rr_count"].astype(np.int64), 4)
    slots = np.arange(4)[None, :] < count[:, None]
    nn = records["rr"].astype(np.float64)[slots]
    rec_of = np.repeat(np.arange(len(records)), count)
    # the last beat of a record ended by the record's time; earlier ones by the sum of the later intervals
    later = np.cumsum(np.where(slots, records["rr"], 0)[:, ::-1], axis=1)[:, ::-1] - np.where(
        slots, records["rr"], 0
    )
    end_t = t[rec_of] - later[slots] / 1000.0
    adjacent = np.ones(len(nn), bool)
    if len(nn):
        adjacent[0] = False
        gap = np.diff(end_t)
        adjacent[1:] = gap < nn[1:] / 1000.0 + 2.0
    return nn, end_t, adjacent


def _group_sum(index: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    return np.bincount(index, weights=values, minlength=n)[:n]


def minute_features(records: np.ndarray, m0: int | None = None, m1: int | None = None) -> np.ndarray:
    """MINUTE_DTYPE rows for every minute in [m0, m1) (default: the minutes the records span)."""
    if len(records) == 0:
        return empty_minutes(m0 or 0, m1 or (m0 or 0))
    # one record per band tick: the same record delivered twice must not count twice (metrics.md §24.9)
    ticks = records["unix"].astype(np.int64) * 32768 + records["subsec"]
    _, first = np.unique(ticks, return_index=True)  # sorted by time, duplicates dropped
    if len(first) != len(records) or np.any(np.diff(first) < 0):
        records = records[first]
    t = record_time(records)
    m0 = int(t[0] // 60 * 60) if m0 is None else int(m0)
    m1 = int(t[-1] // 60 * 60 + 60) if m1 is None else int(m1)
    out = empty_minutes(m0, m1)
    n = len(out)
    if n == 0:
        return out
    inside = (t >= m0) & (t < m1)
    idx = ((t - m0) // 60).astype(np.int64)
    idx_in = idx[inside]
    hr = records["hr"].astype(np.float64)
    worn = hr > 0
    out["records"] = np.bincount(idx_in, minlength=n)[:n]
    out["worn"] = _group_sum(idx_in, worn[inside].astype(float), n)
    hr_sum = _group_sum(idx_in, hr[inside], n)
    with np.errstate(invalid="ignore", divide="ignore"):
        out["hr_mean"] = np.where(out["worn"] > 0, hr_sum / out["worn"], np.nan)

    # 15-s median HR epochs -> per-minute peak
    w = np.flatnonzero(worn & inside)
    if len(w):
        ep = ((t[w] - m0) // HR_EPOCH_S).astype(np.int64)
        o = np.lexsort((hr[w], ep))
        ep_sorted, hr_sorted = ep[o], hr[w][o]
        starts = np.flatnonzero(np.concatenate(([True], ep_sorted[1:] != ep_sorted[:-1])))
        counts = np.diff(np.concatenate((starts, [len(ep_sorted)])))
        med = hr_sorted[starts + counts // 2]
        ep_minute = ep_sorted[starts] * HR_EPOCH_S // 60
        ok = counts >= 8  # at least half of the epoch's ticks
        peak = np.full(n, -np.inf)
        np.maximum.at(peak, ep_minute[ok], med[ok])
        out["hr_peak15"] = np.where(np.isfinite(peak), peak, np.nan)

        # z-angle: mean per 5-s epoch of worn ticks, |change| between adjacent epochs
        ang = z_angle(records["gravity"][w])
        ang_ok = np.isfinite(ang)
        e5 = ((t[w][ang_ok] - m0) // EPOCH_S).astype(np.int64)
        e5_n = np.bincount(e5)
        e5_mean = np.bincount(e5, weights=ang[ang_ok]) / np.maximum(e5_n, 1)
        have = np.flatnonzero(e5_n >= 3)
        if len(have) > 1:
            step = np.abs(np.diff(e5_mean[have]))
            adj = np.diff(have) == 1
            step, step_epoch = step[adj], have[1:][adj]
            step_minute = step_epoch * EPOCH_S // 60
            smax = np.full(n, -np.inf)
            np.maximum.at(smax, step_minute, step)
            out["angle_step_max"] = np.where(np.isfinite(smax), smax, np.nan)
            out["angle_step_med"] = _group_median(step_minute, step, n)

        # motion: |delta g| per second between consecutive worn ticks of the same minute
        g = records["gravity"][w].astype(np.float64)
        dg = np.linalg.norm(np.diff(g, axis=0), axis=1) / np.maximum(np.diff(t[w]), RECORD_PERIOD_S)
        same = (np.diff(w) == 1) & np.isfinite(dg)
        mi = idx[w][1:][same]
        with np.errstate(invalid="ignore", divide="ignore"):
            cnt = np.bincount(mi, minlength=n)[:n]
            out["motion"] = np.where(cnt > 0, _group_sum(mi, dg[same], n) / np.maximum(cnt, 1), np.nan)

    # beats
    nn, end_t, adjacent = _beats(records, t)
    if len(nn):
        kept, pair = clean_beats(nn, adjacent)
        b_in = (end_t >= m0) & (end_t < m1)
        bi = ((end_t[b_in] - m0) // 60).astype(np.int64)
        out["beats"] = np.bincount(bi, minlength=n)[:n]
        out["beats_clean"] = _group_sum(bi, kept[b_in].astype(float), n)
        d = np.diff(nn, prepend=nn[0])
        pb = pair & b_in
        pi = ((end_t[pb] - m0) // 60).astype(np.int64)
        out["ssd_sum"] = _group_sum(pi, d[pb] ** 2, n)
        out["ssd_n"] = np.bincount(pi, minlength=n)[:n]
        kb = kept & b_in
        ki = ((end_t[kb] - m0) // 60).astype(np.int64)
        out["nn_sum"] = _group_sum(ki, nn[kb], n)
        out["nn_sq"] = _group_sum(ki, nn[kb] ** 2, n)
        _respiration(out, end_t[kb], nn[kb])
    return out


def _respiration(out: np.ndarray, beat_t: np.ndarray, nn: np.ndarray) -> None:
    """RSA breathing rate per still, fully worn 5-min clock window starting on an even 5-min mark (unix-
    aligned, so a window is the same whichever span is derived). Only still windows are worth the
    periodogram: movement hides the RSA."""
    minute = out["minute"]
    step_max = np.nan_to_num(out["angle_step_max"].astype(np.float64), nan=99.0)
    step_med = np.nan_to_num(out["angle_step_med"].astype(np.float64), nan=99.0)
    ok = worn_minutes(out) & (step_max < RESP_STILL_DEG) & (step_med < RESP_QUIET_MEDIAN_DEG)
    window = minute // RESP_WINDOW_S
    # every other window (10-min spacing): the nightly median needs a few dozen, not all of them
    first = np.flatnonzero(minute % (2 * RESP_WINDOW_S) == 0)
    first = first[first + 5 <= len(out)]
    if len(first) == 0 or len(beat_t) == 0:
        return
    still = ok[first[:, None] + np.arange(5)[None, :]].all(axis=1)
    for i in first[still]:
        a, b = np.searchsorted(beat_t, [window[i] * RESP_WINDOW_S, (window[i] + 1) * RESP_WINDOW_S])
        if b - a < RESP_MIN_BEATS:
            continue
        rate = respiratory_rate(beat_t[a:b], nn[a:b])
        if rate is not None:
            out["resp_bpm"][i] = rate


def _group_median(group: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    """Median of values per group id (0..n-1), NaN for empty groups; sort-based, no Python loop."""
    out = np.full(n, np.nan)
    if len(values) == 0:
        return out
    o = np.lexsort((values, group))
    g, v = group[o], values[o]
    starts = np.flatnonzero(np.concatenate(([True], g[1:] != g[:-1])))
    counts = np.diff(np.concatenate((starts, [len(g)])))
    lo = v[starts + (counts - 1) // 2]
    hi = v[starts + counts // 2]
    out[g[starts]] = (lo + hi) / 2
    return out


def worn_minutes(minutes: np.ndarray) -> np.ndarray:
    """Minutes with at least half their ticks carrying a heart rate."""
    return minutes["worn"] >= WORN_FRACTION_MIN * RECORDS_PER_MINUTE
