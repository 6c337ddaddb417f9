"""The simulated person's ground truth: the day-by-day schedule (nights, naps, workouts, off-wrist gaps, quiet
evenings) and each night's physiology (resting HR, RMSSD, breathing rate, morning date, scenario events).

`simulate_truth` gives the truth alone (milliseconds); `physiology.generate_history` builds the band records
from the same plan, continuing the same random stream, so both agree for the same arguments.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime

import numpy as np

from healthdesk.band.sim.scenarios import TYPICAL_RESP_BPM, TYPICAL_SLEEP_H, apply_scenario, event_kind

_MIN = 60.0
_HOUR = 3600.0


@dataclass
class Interval:
    start: float  # unix seconds (UTC)
    end: float


@dataclass
class NightTruth:
    onset: float
    offset: float
    resting_hr: float  # bpm, sleeping HR floor
    rmssd_ms: float  # target RMSSD of clean sleep beats
    wake_bouts: list[Interval] = field(default_factory=list)
    resp_rate_bpm: float = 0.0  # breathing rate of the night (the RSA frequency in the R-R series), br/min
    morning: str = ""  # local ISO date of the wake that ends the night (the night's label, docs/metrics.md §1)
    event: str = ""  # "bad" / "good" for a scenario's marked nights (band/sim/scenarios.py)


@dataclass
class WorkoutTruth:
    start: float
    end: float
    intensity: float  # fraction of heart-rate reserve at the plateau

    @property
    def minutes(self) -> float:
        return (self.end - self.start) / _MIN


@dataclass
class PhysiologyTruth:
    seed: int
    start_unix: int
    end_unix: int
    tz_offset_s: int
    hr_max: float
    nights: list[NightTruth]
    naps: list[Interval]
    workouts: list[WorkoutTruth]
    off_wrist: list[Interval]
    sedentary: list[Interval] = field(default_factory=list)  # quiet evenings (TV, reading): still but awake
    scenario: str = "stationary"

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> PhysiologyTruth:
        raw = json.loads(text)
        raw["nights"] = [
            NightTruth(**{**n, "wake_bouts": [Interval(**w) for w in n["wake_bouts"]]}) for n in raw["nights"]
        ]
        raw["naps"] = [Interval(**x) for x in raw["naps"]]
        raw["workouts"] = [WorkoutTruth(**x) for x in raw["workouts"]]
        raw["off_wrist"] = [Interval(**x) for x in raw["off_wrist"]]
        raw["sedentary"] = [Interval(**x) for x in raw.get("sedentary", [])]
        return cls(**raw)


# ---------------------------------------------------------------------------------------------- schedule


def _overlaps(a: Interval, others: list[Interval], margin: float) -> bool:
    return any(a.start < o.end + margin and o.start < a.end + margin for o in others)


def _schedule(
    rng: np.random.Generator,
    days: int,
    start: float,
    end: float,
    tz: int,
    rhr0: float,
    rmssd0: float,
    scenario: str = "stationary",
) -> tuple[list[NightTruth], list[Interval], list[WorkoutTruth], list[Interval], list[Interval]]:
    midnight0 = math.floor((start + tz) / 86400) * 86400 - tz
    nights: list[NightTruth] = []
    for k in range(days + 1):
        base = midnight0 + k * 86400
        onset = base + float(np.clip(rng.normal(22.8, 0.7), 21.5, 25.0)) * _HOUR
        if rng.random() < 0.15:  # an occasional late night
            onset += 1.5 * _HOUR
        duration = float(np.clip(rng.normal(7.4, 0.8), 5.0, 9.5)) * _HOUR
        event = event_kind(scenario, len(nights))
        if event:  # an event night is ordinary in everything but HRV/RHR (band/sim/scenarios.py)
            duration = TYPICAL_SLEEP_H * _HOUR
        offset = onset + duration
        if onset < start + 1 * _HOUR or offset > end - 10 * _MIN:
            continue
        rhr = rhr0 + float(rng.normal(0, 2.0))
        rmssd = rmssd0 * float(np.exp(rng.normal(0, 0.15) - 0.02 * (rhr - rhr0)))
        bouts: list[Interval] = []
        for _ in range(int(rng.integers(1, 4))):
            s = onset + float(rng.uniform(0.15, 0.9)) * duration
            bout = Interval(s, s + float(rng.uniform(3, 12)) * _MIN)
            if not _overlaps(bout, bouts, 20 * _MIN) and bout.end < offset - 15 * _MIN:
                bouts.append(bout)
        resp = round(float(rng.uniform(12.5, 17.5)), 2)
        resp = TYPICAL_RESP_BPM if event else resp  # drawn anyway: the other nights stay the stationary ones
        nights.append(
            NightTruth(
                onset, offset, round(rhr, 2), round(rmssd, 2), sorted(bouts, key=lambda b: b.start), resp
            )
        )

    sleeps = [Interval(n.onset, n.offset) for n in nights]
    busy: list[Interval] = list(sleeps)
    naps: list[Interval] = []
    workouts: list[WorkoutTruth] = []
    gaps: list[Interval] = []

    def place(lo: float, hi: float, length: float, margin: float) -> Interval | None:
        for _ in range(12):
            if hi - lo < length:
                return None
            s = float(rng.uniform(lo, hi - length))
            cand = Interval(s, s + length)
            if (
                cand.start >= start + 10 * _MIN
                and cand.end <= end - 10 * _MIN
                and not _overlaps(cand, busy, margin)
            ):
                return cand
        return None

    for k in range(days + 1):
        base = midnight0 + k * 86400
        if rng.random() < 0.75:  # main workout, long and hard enough to count (>= 24 min)
            slot = (
                (base + 7.5 * _HOUR, base + 10 * _HOUR)
                if rng.random() < 0.4
                else (base + 17 * _HOUR, base + 20 * _HOUR)
            )
            w = place(*slot, float(rng.uniform(24, 75)) * _MIN, 45 * _MIN)
            if w:
                busy.append(w)
                workouts.append(WorkoutTruth(w.start, w.end, round(float(rng.uniform(0.62, 0.85)), 3)))
        if rng.random() < 0.3:  # a short bout (stairs, a sprint for the bus): too short to be a workout
            w = place(base + 10 * _HOUR, base + 17 * _HOUR, float(rng.uniform(6, 12)) * _MIN, 45 * _MIN)
            if w:
                busy.append(w)
                workouts.append(WorkoutTruth(w.start, w.end, round(float(rng.uniform(0.5, 0.65)), 3)))
        if rng.random() < 0.3:
            n = place(base + 13.5 * _HOUR, base + 16.5 * _HOUR, float(rng.uniform(20, 45)) * _MIN, 60 * _MIN)
            if n:
                busy.append(n)
                naps.append(n)
        if rng.random() < 0.6:  # off wrist: shower, charging
            g = place(base + 9 * _HOUR, base + 20 * _HOUR, float(rng.uniform(15, 100)) * _MIN, 45 * _MIN)
            if g:
                busy.append(g)
                gaps.append(g)
    sedentary: list[Interval] = []
    for night in nights:  # a quiet evening on the sofa shortly before some nights: still wrist, awake heart
        if rng.random() < 0.4:
            end_q = night.onset - float(rng.uniform(3, 30)) * _MIN
            quiet = Interval(end_q - float(rng.uniform(30, 90)) * _MIN, end_q)
            if quiet.start >= start + 10 * _MIN and not _overlaps(
                quiet, [b for b in busy if b.start != night.onset], 5 * _MIN
            ):
                busy.append(quiet)
                sedentary.append(quiet)
    workouts.sort(key=lambda w: w.start)
    naps.sort(key=lambda n: n.start)
    gaps.sort(key=lambda g: g.start)
    return nights, naps, workouts, gaps, sedentary


def plan_truth(
    days: int, seed: int, start_unix: int, tz_offset_s: int, resting_hr: float, hr_max: float, rmssd_ms: float,
    scenario: str,
) -> tuple[np.random.Generator, PhysiologyTruth]:
    """The schedule and nightly physiology (the truth), and the random stream the signals continue from."""
    if days <= 0:
        raise ValueError("days must be positive")
    rng = np.random.default_rng(seed)
    start, end = float(start_unix), float(start_unix + days * 86400)
    nights, naps, workouts, gaps, sedentary = _schedule(
        rng, days, start, end, tz_offset_s, resting_hr, rmssd_ms, scenario
    )
    apply_scenario(scenario, nights, resting_hr, rmssd_ms)  # reshapes the nights before any signal is built
    for night in nights:
        night.morning = datetime.fromtimestamp(night.offset + tz_offset_s, UTC).date().isoformat()
    truth = PhysiologyTruth(
        seed, int(start_unix), int(end), int(tz_offset_s), hr_max, nights, naps, workouts, gaps, sedentary, scenario
    )
    return rng, truth


def simulate_truth(
    days: int, seed: int, start_unix: int, tz_offset_s: int = 0, *, resting_hr: float = 56.0,
    hr_max: float = 188.0, rmssd_ms: float = 55.0, scenario: str = "stationary",
) -> PhysiologyTruth:
    """The truth `generate_history` would return for the same arguments, without building any signal."""
    return plan_truth(days, seed, start_unix, tz_offset_s, resting_hr, hr_max, rmssd_ms, scenario)[1]
