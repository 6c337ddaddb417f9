"""Seedable synthetic physiology for the simulated WHOOP 4.0, with the ground truth it was built from.

The truth types and the schedule live in band/sim/truth.py (re-exported here); scenarios in scenarios.py.
`generate_history(days, seed, start_unix)` returns 1 Hz records (decoder RECORD_DTYPE) and a `PhysiologyTruth`
that the metrics tests compare against: sleep onset/offset and morning date per night, resting HR, RMSSD and
breathing rate per night as generated, naps, workouts and off-wrist gaps. `scenario` (band/sim/scenarios.py)
reshapes the nightly physiology: stationary, improving, or with marked bad and good nights. numpy only, fully vectorised, deterministic for a seed.

Choices (documented because the firmware and the metrics engine depend on them):
* The band stores a record on EVERY tick (31504/32768 s, band-protocol §7.1), worn or not; the tick counter
  rises by 1 per tick. Off-wrist ticks carry hr = 0, rr_count = 0 and the gravity of a band lying still on a
  table (which looks perfectly "immobile": the engine must use hr = 0 to tell it from sleep).
* R-R intervals come from one continuous beat series: beat times integrate the target HR, beat-to-beat
  variability is a moving-average process scaled so that the RMS of successive differences equals the
  target RMSSD of the moment. A record lists the beats that ended during its tick (0..4); some beats go
  unreported (more during motion), a few ectopic beats and artefacts are injected for the cleaner to remove.
  The 1 Hz HR is the rate of the last 4 beats, so HR and RR agree.
* Breathing modulates R-R (RSA) at the night's respiratory rate (truth `resp_rate_bpm`).
* Truth RMSSD of a night is the target used for clean sleep beats (the sleeping target swings +-12 % over a
  90-min cycle around it); truth resting HR is the sleeping HR floor (HR sits on it for > 1 h each night).
* Some evenings end with a quiet spell on the sofa (truth `sedentary`): the wrist lies as still as in sleep,
  only the heart rate (resting + 15 bpm) says awake - the classic trap of wrist actigraphy.
* The wearer is awake when the band goes on (start_unix) and nights that would run past the end are not
  generated. Workouts, naps and off-wrist gaps never overlap each other or a sleep.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from healthdesk.band.sim.truth import (  # noqa: F401  (re-exported: the truth types live with the schedule)
    Interval,
    NightTruth,
    PhysiologyTruth,
    WorkoutTruth,
    plan_truth,
    simulate_truth,
)
from healthdesk.band.whoop4.decode import RECORD_DTYPE

SUBSEC = 32768
TICK_SUBSEC = 31504
TICK_S = TICK_SUBSEC / SUBSEC
RECORD_VERSION = 24
_MIN = 60.0
_HOUR = 3600.0


@dataclass
class SimulatedHistory:
    records: np.ndarray  # RECORD_DTYPE, one per tick, time ordered
    truth: PhysiologyTruth


# ---------------------------------------------------------------------------------------------- signals


def _moving_mean(x: np.ndarray, width: int) -> np.ndarray:
    """Centred moving mean over an odd `width`, edges padded with the edge value; O(n) via a cumulative sum."""
    half = width // 2
    width = 2 * half + 1
    padded = np.concatenate((np.full(half + 1, x[0]), x, np.full(half, x[-1])))
    c = np.cumsum(padded)
    return (c[width:] - c[:-width]) / width


def _mask(t: np.ndarray, intervals: list[Interval] | list[WorkoutTruth]) -> list[slice]:
    out = []
    for iv in intervals:
        a, b = np.searchsorted(t, [iv.start, iv.end])
        out.append(slice(int(a), int(b)))
    return out


def _smooth_noise(
    rng: np.random.Generator, t: np.ndarray, step_s: float, sd: float, width: int
) -> np.ndarray:
    """Gaussian noise defined every `step_s` seconds, smoothed over `width` knots, interpolated onto t."""
    knots = np.arange(t[0] - step_s * width, t[-1] + step_s * (width + 1), step_s)
    v = _moving_mean(rng.normal(0, 1, len(knots)), width)
    v *= sd / max(float(np.std(v)), 1e-9)
    return np.interp(t, knots, v)


def generate_history(
    days: int,
    seed: int,
    start_unix: int,
    tz_offset_s: int = 0,
    *,
    resting_hr: float = 56.0,
    hr_max: float = 188.0,
    rmssd_ms: float = 55.0,
    counter_start: int = 1_000_000,
    gravity_bias: float = 1.02,
    scenario: str = "stationary",
) -> SimulatedHistory:
    """`days` x 24 h of band records from `start_unix` (whole seconds), with the truth they were built from."""
    rng, truth = plan_truth(days, seed, start_unix, tz_offset_s, resting_hr, hr_max, rmssd_ms, scenario)
    nights, naps, workouts, gaps, sedentary = (
        truth.nights, truth.naps, truth.workouts, truth.off_wrist, truth.sedentary
    )
    start, end = float(start_unix), float(start_unix + days * 86400)

    n = int((end - start) * SUBSEC // TICK_SUBSEC)
    sub = int(start_unix) * SUBSEC + np.arange(n, dtype=np.int64) * TICK_SUBSEC
    t = sub / SUBSEC

    # --- state per tick
    asleep = np.zeros(n, bool)
    restless = np.zeros(n, bool)  # wake bouts inside a night
    napping = np.zeros(n, bool)
    off = np.zeros(n, bool)
    effort = np.zeros(n)  # fraction of HRR during workouts
    rhr_t = np.interp(
        t, [nt.offset for nt in nights] or [start], [nt.resting_hr for nt in nights] or [resting_hr]
    )
    rmssd_t = np.interp(
        t, [nt.offset for nt in nights] or [start], [nt.rmssd_ms for nt in nights] or [rmssd_ms]
    )
    sleep_extra = np.zeros(n)
    resp_t = np.full(n, 16.5)  # breaths per minute; awake breathing is irregular (weak RSA below)
    for night, sl in zip(nights, _mask(t, [Interval(x.onset, x.offset) for x in nights]), strict=True):
        asleep[sl] = True
        rhr_t[sl] = night.resting_hr
        since = t[sl] - night.onset
        # HR falls from the evening level to its floor over the first hours; REM-like bumps later on.
        cycle = np.sin(2 * np.pi * since / (90 * _MIN))
        sleep_extra[sl] = 9.0 * np.exp(-since / (50 * _MIN)) + 3.0 * np.clip(cycle - 0.6, 0, None) / 0.4 * (
            since > 4 * _HOUR
        )
        rmssd_t[sl] = night.rmssd_ms * (1 + 0.12 * cycle)
        resp_t[sl] = night.resp_rate_bpm
        for bs in _mask(t, night.wake_bouts):
            restless[bs] = True
    for sl in _mask(t, naps):
        napping[sl] = True
    for w, sl in zip(workouts, _mask(t, workouts), strict=True):
        effort[sl] = w.intensity
    for sl in _mask(t, gaps):
        off[sl] = True
    sofa = np.zeros(n, bool)
    for sl in _mask(t, sedentary):
        sofa[sl] = True
    awake = ~asleep & ~napping

    # --- target heart rate
    hour = ((t + tz_offset_s) % 86400) / _HOUR
    day_hr = rhr_t + 17 + 3 * np.cos(2 * np.pi * (hour - 16) / 24) + _smooth_noise(rng, t, 60, 5, 5)
    walk = _smooth_noise(rng, t, 60, 1, 8) > 1.2  # brief walks: +15 bpm
    day_hr += 15 * walk
    hr = np.where(awake, day_hr, rhr_t + sleep_extra)
    hr = np.where(napping, rhr_t + 5, hr)
    hr = np.where(sofa, rhr_t + 15, hr)  # sitting still, awake: below the day's level, well above sleep
    hr = np.where(restless, rhr_t + 14, hr)
    hr = np.where(effort > 0, rhr_t + effort * (hr_max - rhr_t) + _smooth_noise(rng, t, 30, 3, 3), hr)
    hr = _moving_mean(hr, 91)  # physiological inertia: ~1.5-min transitions
    hr = np.where(asleep & ~restless, np.maximum(hr, rhr_t), hr)

    # --- beats: integrate the rate, then add variability with the target successive-difference RMS
    phase = np.cumsum(hr / 60.0 * TICK_S)
    n_beats = int(phase[-1]) - 1
    beat_t = np.interp(np.arange(1, n_beats + 1, dtype=float), phase, t)
    nn_smooth = np.diff(beat_t) * 1000.0
    beat_t = beat_t[1:]
    target = np.interp(beat_t, t, np.where(awake, rmssd_t * np.where(effort > 0, 0.15, 0.55), rmssd_t))
    kernel = 0.5 ** np.arange(12)
    d_rms = math.sqrt(np.sum(np.diff(np.concatenate(([0.0], kernel))) ** 2) + kernel[-1] ** 2)
    x = np.convolve(rng.normal(0, 1, len(nn_smooth) + 11), kernel, mode="valid")[: len(nn_smooth)] / d_rms
    # respiratory sinus arrhythmia: a sinusoid at the breathing rate; its own successive differences
    # (RMS sqrt(2) A sin(pi f NN)) are taken out of the noise budget so the total RMSSD stays on target
    breath_phase = 2 * np.pi * np.cumsum(resp_t / 60.0 * TICK_S)
    f_beat = np.interp(beat_t, t, resp_t) / 60.0
    rsa_amp = 0.5 * target * np.interp(beat_t, t, np.where(awake, 0.3, 1.0))
    rsa = rsa_amp * np.sin(np.interp(beat_t, t, breath_phase))
    rsa_d2 = 2 * rsa_amp**2 * np.sin(np.pi * f_beat * nn_smooth / 1000.0) ** 2
    noise = x * np.sqrt(np.maximum(target**2 - rsa_d2, (0.3 * target) ** 2))
    nn = nn_smooth + noise + rsa
    # remove the slow drift the noise adds to beat times, so beats stay aligned with the state timeline
    drift = np.cumsum(noise + rsa) / 1000.0
    nn -= np.diff(np.concatenate(([0.0], _moving_mean(drift, 301)))) * 1000.0
    ectopic = np.flatnonzero(rng.random(len(nn) - 1, dtype=np.float32) < 0.002)
    nn[ectopic + 1] += 0.3 * nn[ectopic]
    nn[ectopic] *= 0.7
    artefact = rng.random(len(nn), dtype=np.float32) < 0.0005
    nn[artefact] = rng.uniform(320, 1900, int(artefact.sum()))
    beat_t = beat_t[0] + np.concatenate(([0.0], np.cumsum(nn[1:]) / 1000.0))

    # --- 1 Hz HR from the last 4 beats; RR slots from the reported beats that ended within the tick
    # t is a uniform grid, so "the tick a beat ends in" is arithmetic, not a search
    beat_tick = np.minimum(np.ceil((beat_t - t[0]) / TICK_S).astype(np.int64), n)
    last = np.cumsum(np.bincount(beat_tick, minlength=n + 1)[:n]) - 1
    ok = last >= 4
    rate = np.zeros(n)
    rate[ok] = 4 * 60.0 / (beat_t[last[ok]] - beat_t[last[ok] - 4])
    hr_u8 = np.where(ok & ~off, np.clip(np.rint(rate), 30, 240), 0).astype(np.uint8)

    state_at_beat = np.minimum(beat_tick, n - 1)
    miss_p = np.where(effort[state_at_beat] > 0, 0.2, np.where(awake[state_at_beat], 0.06, 0.02))
    reported = (rng.random(len(nn), dtype=np.float32) >= miss_p) & ~off[state_at_beat]
    rep_nn = np.clip(np.rint(nn[reported]), 0, 65535).astype(np.uint16)
    per_tick = np.bincount(beat_tick[reported], minlength=n + 1)[:n]
    first = np.cumsum(per_tick) - per_tick
    count = np.where(hr_u8 > 0, np.minimum(per_tick, 4), 0)
    rr = np.zeros((n, 4), np.uint16)
    for k in range(4):
        has = count > k
        rr[has, k] = rep_nn[first[has] + k]

    # --- gravity: wrist orientation as elevation (z-angle) and azimuth, float32 (the record's own precision)
    f32 = np.float32
    elev = _smooth_noise(rng, t, 20, 35, 3).astype(f32) + 2.5 * rng.standard_normal(n, dtype=f32)
    azim = _smooth_noise(rng, t, 20, 60, 3).astype(f32) + 2.5 * rng.standard_normal(n, dtype=f32)
    still = (asleep | napping | sofa) & ~restless
    posture_id = np.cumsum(rng.random(n, dtype=f32) < TICK_S / (50 * _MIN))  # a turn-over every ~50 min
    elev[still] = rng.uniform(-60, 60, int(posture_id[-1]) + 1).astype(f32)[posture_id[still]]
    azim[still] = rng.uniform(-180, 180, int(posture_id[-1]) + 1).astype(f32)[posture_id[still]]
    moving = effort > 0
    n_moving = int(moving.sum())
    elev[moving] = rng.uniform(-70, 70, n_moving).astype(f32)
    azim[moving] = rng.uniform(-180, 180, n_moving).astype(f32)
    e, a = np.radians(elev), np.radians(azim)
    cos_e = np.cos(e)
    grav = np.empty((n, 3), f32)
    grav[:, 0] = cos_e * np.cos(a)
    grav[:, 1] = cos_e * np.sin(a)
    grav[:, 2] = np.sin(e)
    grav *= f32(gravity_bias)
    # sensor noise; awake orientation already jitters, so only still and off-wrist ticks need it added
    quiet = np.flatnonzero(still | off)
    grav[quiet] += f32(0.003) * rng.standard_normal((len(quiet), 3), dtype=f32)
    grav[off] = np.array([0.02, -0.01, 1.0], f32) * f32(gravity_bias) + f32(0.0015) * rng.standard_normal(
        (int(off.sum()), 3), dtype=f32
    )

    rec = np.zeros(n, RECORD_DTYPE)
    rec["version"] = RECORD_VERSION
    rec["counter"] = counter_start + np.arange(n)
    rec["unix"] = sub // SUBSEC
    rec["subsec"] = sub % SUBSEC
    rec["hr"] = hr_u8
    rec["rr_count"] = count
    rec["rr"] = rr
    rec["gravity"] = grav

    return SimulatedHistory(records=rec, truth=truth)
