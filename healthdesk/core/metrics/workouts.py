"""Workout detection and workout strain (metrics.md §9, §8).

Candidate = minutes with mean HR >= RHR + 0.45 x HRR; a single minute below the gate is a dip and kept (a
<= 90-s dip rarely pulls two minute means under), an unworn minute splits; candidates < 5 min apart merge.
Kept when >= 15 min long, mean motion >= 0.15 g/s (when gravity exists) and workout strain >= 8.0.
Without RHR and HRmax there is no detection at all (None), which is not the same as "no workout" ([]).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from healthdesk.core.metrics.features import worn_minutes
from healthdesk.core.metrics.strain import strain_from_trimp, trimp_per_minute, zone_minutes

GATE_HRR_FRACTION = 0.45
MAX_DIP_MIN = 1
MERGE_GAP_MIN = 5
MIN_LENGTH_MIN = 15
MIN_MOTION_G_PER_S = 0.15
MIN_STRAIN = 8.0


@dataclass(frozen=True)
class Workout:
    start: float  # unix s
    end: float
    strain: float
    trimp: float
    avg_hr: float
    max_hr: float
    zone_minutes: tuple[float, ...]


def _runs(mask: np.ndarray) -> list[list[int]]:
    d = np.diff(np.concatenate(([0], mask.astype(np.int8), [0])))
    return [[int(s), int(e)] for s, e in zip(np.flatnonzero(d == 1), np.flatnonzero(d == -1), strict=True)]


def detect_workouts(
    minutes: np.ndarray,
    rhr: float | None,
    hrmax: float | None,
    sex: str | None = None,
    reference: float | None = None,
) -> list[Workout] | None:
    if rhr is None or hrmax is None or hrmax <= rhr:
        return None
    worn = worn_minutes(minutes)
    hr = minutes["hr_mean"].astype(np.float64)
    above = worn & np.isfinite(hr) & (hr >= rhr + GATE_HRR_FRACTION * (hrmax - rhr))
    runs = _runs(above)
    merged: list[list[int]] = []
    for s, e in runs:
        if merged:
            gap = slice(merged[-1][1], s)
            short_dip = s - merged[-1][1] <= MAX_DIP_MIN and worn[gap].all()
            near = s - merged[-1][1] < MERGE_GAP_MIN and worn[gap].all()
            if short_dip or near:
                merged[-1][1] = e
                continue
        merged.append([s, e])
    trimp = trimp_per_minute(hr, minutes["worn"], rhr, hrmax, sex)
    motion = minutes["motion"].astype(np.float64)
    found = []
    for s, e in merged:
        if e - s < MIN_LENGTH_MIN:
            continue
        mot = motion[s:e][np.isfinite(motion[s:e])]
        if len(mot) and float(np.mean(mot)) < MIN_MOTION_G_PER_S:
            continue
        load = float(trimp[s:e].sum())
        strain = strain_from_trimp(load, sex, reference)
        if strain < MIN_STRAIN:
            continue
        seg = hr[s:e][worn[s:e] & np.isfinite(hr[s:e])]
        peak = minutes["hr_peak15"][s:e].astype(np.float64)
        found.append(
            Workout(
                float(minutes["minute"][s]),
                float(minutes["minute"][e - 1] + 60),
                round(strain, 3),
                round(load, 3),
                round(float(seg.mean()), 2),
                float(np.nanmax(peak)) if np.isfinite(peak).any() else float(seg.max()),
                tuple(zone_minutes(hr[s:e], worn[s:e], hrmax)),
            )
        )
    return found
