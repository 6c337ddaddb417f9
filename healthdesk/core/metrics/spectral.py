"""Frequency-domain HRV and respiratory rate from R-R intervals (metrics.md §3, §13).

Lomb-Scargle on detrended NN against beat time (unevenly sampled, no resampling), grid step 0.005 Hz.
LF/HF: power integrated over LF 0.04-0.15 Hz and HF 0.15-0.40 Hz; LF only from a span >= 250 s.
Respiratory rate: the HF peak searched in 0.15..min(0.40, 0.5 / mean NN s) Hz (9-24 br/min; slower breathing
sits in LF where Mayer waves live, so we abstain rather than report a wrong peak), accepted when the peak is
>= 2.2 x the mean power of the band. Night values are medians over 5-min windows (caller).
"""

from __future__ import annotations

import numpy as np
from scipy.signal import lombscargle

GRID_HZ = 0.005
LF_BAND = (0.04, 0.15)
HF_BAND = (0.15, 0.40)
LF_MIN_SPAN_S = 250.0
RESP_MIN_PROMINENCE = 2.2


def _periodogram(
    beat_t: np.ndarray, nn: np.ndarray, f_lo: float, f_hi: float
) -> tuple[np.ndarray, np.ndarray]:
    freqs = np.arange(f_lo, f_hi + GRID_HZ / 2, GRID_HZ)
    t = np.asarray(beat_t, dtype=np.float64)
    y = np.asarray(nn, dtype=np.float64)
    y = y - np.polyval(np.polyfit(t, y, 1), t)  # detrend
    return freqs, lombscargle(t, y, 2 * np.pi * freqs)


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
