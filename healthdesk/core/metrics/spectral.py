"""Frequency-domain HRV and respiratory rate from R-R intervals (metrics.md §3, §13).

Lomb-Scargle on detrended NN against beat time (unevenly sampled, no resampling), grid step 0.005 Hz.
LF/HF: power integrated over LF 0.04-0.15 Hz and HF 0.15-0.40 Hz; LF only from a span >= 250 s.
Respiratory rate: the HF peak searched in 0.15..min(0.40, 0.5 / mean NN s) Hz (9-24 br/min; slower breathing
sits in LF where Mayer waves live, so we abstain rather than report a wrong peak), accepted when the peak is
>= 2.2 x the mean power of the band. Night values are medians over 5-min windows (caller).
"""

from __future__ import annotations

import numpy as np

GRID_HZ = 0.005
LF_BAND = (0.04, 0.15)
HF_BAND = (0.15, 0.40)
LF_MIN_SPAN_S = 250.0
RESP_MIN_PROMINENCE = 2.2


def lomb_scargle(t: np.ndarray, y: np.ndarray, freqs_hz: np.ndarray) -> np.ndarray:
    """Classic Lomb-Scargle power (Lomb 1976, Scargle 1982) of a zero-mean series on a uniform frequency grid.

    exp(i w t) for every grid frequency comes from one cumulative product of the step exp(i dw t) (the
    Press-Rybicki recurrence), so a 5-min window costs two complex exponentials instead of four trig calls per
    frequency and sample.
    """
    f = np.asarray(freqs_hz, dtype=np.float64)
    t = np.asarray(t, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    rows = np.empty((len(f), len(t)), np.complex128)
    rows[0] = np.exp(2j * np.pi * f[0] * t)
    if len(f) > 1:
        rows[1:] = np.exp(2j * np.pi * (f[1] - f[0]) * t)
    e = np.cumprod(rows, axis=0)  # exp(i w_k t)
    e2 = e * e
    w_tau = 0.5 * np.arctan2(e2.imag.sum(axis=1), e2.real.sum(axis=1))
    r = e * np.exp(-1j * w_tau)[:, None]  # exp(i w (t - tau))
    c, s = r.real, r.imag
    cc = (c * c).sum(axis=1)
    return 0.5 * ((c @ y) ** 2 / cc + (s @ y) ** 2 / (len(t) - cc))


def _periodogram(
    beat_t: np.ndarray, nn: np.ndarray, f_lo: float, f_hi: float
) -> tuple[np.ndarray, np.ndarray]:
    freqs = np.arange(f_lo, f_hi + GRID_HZ / 2, GRID_HZ)
    t = np.asarray(beat_t, dtype=np.float64)
    t = t - t[0]  # unix-sized arguments make every sin/cos slow and imprecise
    y = np.asarray(nn, dtype=np.float64)
    tc = t - t.mean()
    y = y - y.mean() - tc * (tc @ (y - y.mean())) / (tc @ tc)  # remove the linear trend
    return freqs, lomb_scargle(t, y, freqs)


def lf_hf(beat_t: np.ndarray, nn: np.ndarray) -> float | None:
    """LF/HF ratio of one window; None when the span is too short for LF."""
    if len(nn) < 20 or beat_t[-1] - beat_t[0] < LF_MIN_SPAN_S:
        return None
    freqs, power = _periodogram(beat_t, nn, LF_BAND[0], HF_BAND[1])
    lf = power[(freqs >= LF_BAND[0]) & (freqs < LF_BAND[1])].sum()
    hf = power[(freqs >= HF_BAND[0]) & (freqs <= HF_BAND[1])].sum()
    return float(lf / hf) if hf > 0 else None


def respiratory_rate(beat_t: np.ndarray, nn: np.ndarray) -> float | None:
    """Breaths per minute from the RSA peak of one window, or None when no clear peak exists."""
    if len(nn) < 20:
        return None
    top = min(HF_BAND[1], 0.5 / (float(np.mean(nn)) / 1000.0))
    if top <= HF_BAND[0]:
        return None
    freqs, power = _periodogram(beat_t, nn, HF_BAND[0], top)
    k = int(np.argmax(power))
    if power[k] < RESP_MIN_PROMINENCE * float(np.mean(power)):
        return None
    return float(60.0 * freqs[k])
