"""docs/metrics.md §26 items 1-5 on the simulated person: >= 60 nights, 3 seeds, stationary and events scenarios.

Each history is generated in memory and derived once per module through the pure core pipeline (1 Hz records ->
minute features -> engine), no BLE or database: that is what the properties are about, and it keeps the whole
module near a minute and a half on an idle core (measured: ~15 s per history). Item 6 (one number per night across outputs) lives with the
day-model tests.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest

from healthdesk.band.sim.physiology import NightTruth, generate_history
from healthdesk.core.metrics import recovery
from healthdesk.core.metrics.baseline import recovery_zone
from healthdesk.core.metrics.engine import derive_span
from healthdesk.core.metrics.features import minute_features
from healthdesk.core.models import Metric

TZ = 3600
START = 1_699_988_400  # 2023-11-14 19:00 UTC = 20:00 local: the band goes on in the evening
DAYS = 62
SEEDS = (1, 2, 3)
# a fixture's setup (3 histories of 62 days) takes ~45 s on an idle core but 130+ s on a machine shared with
# other builds; the per-test timeout (300 s) guards hangs, not this setup
pytestmark = pytest.mark.timeout(900)


@dataclass
class Night:
    truth: NightTruth
    metrics: dict[str, Metric]

    def value(self, name: str) -> float | None:
        return self.metrics[name].value


def _overlap(a0: float, a1: float, b0: float, b1: float) -> float:
    return max(0.0, min(a1, b1) - max(a0, b0))


def _simulate(scenario: str, seed: int) -> list[Night]:
    history = generate_history(DAYS, seed=seed, start_unix=START, tz_offset_s=TZ, scenario=scenario)
    results = derive_span(minute_features(history.records), TZ)
    nights = []
    for r in results:
        if r.sleep is None:
            continue
        best = max(history.truth.nights, key=lambda n: _overlap(n.onset, n.offset, r.sleep.start, r.sleep.end))
        if _overlap(best.onset, best.offset, r.sleep.start, r.sleep.end) > 0:
            nights.append(Night(best, r.metrics))
    return nights


def _simulate_seeds(scenario: str) -> dict[int, list[Night]]:
    """The three seeds on up to two worker processes (the suite itself runs on one core; each history is
    independent and deterministic, so the workers change the wall time, never a value)."""
    import multiprocessing
    import os
    from concurrent.futures import ProcessPoolExecutor

    workers = min(2, os.cpu_count() or 1)
    if workers < 2:
        return {seed: _simulate(scenario, seed) for seed in SEEDS}
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        return dict(zip(SEEDS, pool.map(_simulate, [scenario] * len(SEEDS), SEEDS), strict=True))


# two fixtures, so each one's setup (3 histories) is charged to the first test that needs it, well inside the
# per-test timeout even on a busy machine
@pytest.fixture(scope="module")
def stationary() -> dict[int, list[Night]]:
    return _simulate_seeds("stationary")


@pytest.fixture(scope="module")
def events() -> dict[int, list[Night]]:
    return _simulate_seeds("events")


def _median(values: list[float | None]) -> float:
    return float(np.median([v for v in values if v is not None]))


def _truth_composite(nights: list[Night]) -> list[float | None]:
    """§26.3: the HRV/RHR/breathing part of the same composite (weights renormalised, trailing 30 nights,
    same floors), computed from the simulator's true nightly values."""
    past: dict[str, list[float | None]] = {"hrv": [], "rhr": [], "resp_rate": []}
    out: list[float | None] = []
    for n in nights:
        tonight = {"hrv": n.truth.rmssd_ms, "rhr": n.truth.resting_hr, "resp_rate": n.truth.resp_rate_bpm}
        m = recovery.recovery(tonight, past)
        out.append(None if m.value is None else m.detail["z"])
        for k, v in tonight.items():
            past[k].append(v)
    return out


@pytest.mark.parametrize("seed", SEEDS)
def test_26_1_no_drift_on_a_stationary_person(stationary, seed):
    nights = stationary[seed]
    assert len(nights) >= 60
    early, late = nights[14:34], nights[40:60]
    for name, tolerance in (("sleep_need", 45.0), ("sleep_performance", 12.0), ("recovery", 20.0)):
        a = _median([n.value(name) for n in early])
        b = _median([n.value(name) for n in late])
        assert abs(b - a) <= tolerance, (name, a, b)
    usual_sleep = _median([n.value("sleep_duration") for n in nights])
    excess = [n.value("sleep_need") - usual_sleep for n in nights if n.value("sleep_need") is not None]
    assert np.median(excess) <= 100.0  # a runaway need sits at its 660-min cap, 200+ min above
    debts = [n.value("sleep_debt") for n in nights if n.value("sleep_debt") is not None]
    assert max(debts) <= 120.0


@pytest.mark.parametrize("seed", SEEDS)
def test_26_2_sensible_spread(stationary, seed):
    nights = stationary[seed]
    scores = [n.value("recovery") for n in nights if n.value("recovery") is not None]
    assert 40 <= np.median(scores) <= 70
    zones = [recovery_zone(s) for s in scores]
    for zone in ("red", "yellow", "green"):
        assert 0.05 <= zones.count(zone) / len(zones) <= 0.70, zone
    _assert_calibrating_is_never_0_or_100(nights)


def _assert_calibrating_is_never_0_or_100(nights: list[Night]) -> None:
    calibrating = [n.value("recovery") for n in nights if n.metrics["recovery"].note.startswith("calibrating")]
    assert len(calibrating) >= 8  # nights 5..14 of the history
    assert all(0 < v < 100 for v in calibrating)


@pytest.mark.parametrize("seed", SEEDS)
def test_26_3_tracks_the_truth(stationary, seed):
    from scipy.stats import spearmanr

    nights = stationary[seed]
    truth = _truth_composite(nights)
    pairs = [
        (n.value("recovery"), t)
        for i, (n, t) in enumerate(zip(nights, truth, strict=True))
        if i >= 14 and n.value("recovery") is not None and t is not None
    ]
    assert len(pairs) >= 40
    rho = spearmanr([p[0] for p in pairs], [p[1] for p in pairs]).statistic
    assert rho >= 0.7


@pytest.mark.parametrize("seed", SEEDS)
def test_26_4_responds_bad_nights_red_good_nights_green(events, seed):
    nights = events[seed]
    _assert_calibrating_is_never_0_or_100(nights)
    events = [(n.truth.event, n.value("recovery")) for n in nights if n.truth.event]
    assert {kind for kind, _ in events} == {"bad", "good"} and len(events) >= 6
    assert all(recovery_zone(v) == ("red" if kind == "bad" else "green") for kind, v in events), events


@pytest.mark.parametrize("seed", SEEDS)
def test_26_5_monotone_in_tonights_hrv_and_rhr(stationary, seed):
    nights = stationary[seed]
    keys = {"hrv": "hrv_rmssd", "rhr": "resting_hr", "sleep_performance": "sleep_performance",
            "resp_rate": "respiratory_rate"}
    checked = 0
    for i in range(4, len(nights)):
        past = {k: [n.value(m) for n in nights[:i]] for k, m in keys.items()}
        tonight = {k: nights[i].value(m) for k, m in keys.items()}
        if tonight["hrv"] is None or tonight["rhr"] is None:
            continue
        up = [recovery.recovery({**tonight, "hrv": tonight["hrv"] * f}, past).value for f in (0.7, 0.9, 1, 1.1, 1.4)]
        down = [recovery.recovery({**tonight, "rhr": tonight["rhr"] + d}, past).value for d in (6, 2, 0, -2, -6)]
        assert up == sorted(up) and down == sorted(down), (i, up, down)
        checked += 1
    assert checked >= 50
