"""Minute features from hand-built 1 Hz records: HR, beats, cleaning, z-angle steps, edge inputs."""

from __future__ import annotations

import numpy as np
import pytest

from healthdesk.band.whoop4.decode import RECORD_DTYPE
from healthdesk.core.metrics.engine import derive_span
from healthdesk.core.metrics.features import clean_beats, minute_features
from healthdesk.core.metrics.stages import AWAKE, MAX_CONFIDENCE, REM, REM_EARLIEST_MIN

TICK = 31504
T0 = 1_700_000_040  # a minute boundary


def records(n: int, hr=60, rr=(1000,), gravity=(0.0, 0.0, 1.0), start=T0) -> np.ndarray:
    sub = start * 32768 + np.arange(n, dtype=np.int64) * TICK
    rec = np.zeros(n, RECORD_DTYPE)
    rec["counter"] = np.arange(n)
    rec["unix"], rec["subsec"] = sub // 32768, sub % 32768
    rec["hr"] = hr
    rec["rr_count"] = len(rr)
    for k, v in enumerate(rr):
        rec["rr"][:, k] = v
    rec["gravity"] = gravity
    return rec


def test_minute_hr_worn_and_clean_beats():
    rec = records(200, hr=60, rr=(1000,))
    rec["hr"][70:80] = 0  # ten ticks off wrist
    m = minute_features(rec)
    assert m["minute"][0] == T0 and np.all(np.diff(m["minute"]) == 60)
    assert m["records"][0] == 63 and m["worn"][1] == m["records"][1] - 10
    assert np.allclose(m["hr_mean"][:3], 60.0)
    assert m["beats"][0] == 63 and m["beats_clean"][0] == 63
    assert m["ssd_sum"][0] == 0 and m["ssd_n"][0] == 62  # constant RR: zero successive differences


def test_ectopic_beat_and_out_of_range_values_are_dropped():
    nn = np.array([1000, 1010, 700, 1300, 1000, 990, 250, 1000, 2500, 1000], float)
    kept, pair = clean_beats(nn, np.ones(len(nn), bool))
    assert kept.tolist() == [True, True, False, False, False, True, False, True, False, True]
    assert pair.tolist() == [False, True, False, False, False, False, False, False, False, False]


def test_successive_differences_only_between_adjacent_beats():
    rec = records(120, rr=(1000,))
    rec["rr"][::2, 0] = 1040  # alternate 1040 / 1000: every difference is 40 ms
    gap = np.concatenate([rec[:60], records(60, rr=(1000,), start=T0 + 600)])  # a 9-minute hole
    m = minute_features(gap)
    rmssd = np.sqrt(m["ssd_sum"].sum() / m["ssd_n"].sum())
    assert rmssd == pytest.approx(40.0 * np.sqrt((m["ssd_n"][0]) / m["ssd_n"].sum()), rel=0.05)
    assert m["ssd_n"].sum() == 59 + 59  # the pair across the hole is not a successive difference


def test_z_angle_steps_and_unsorted_duplicated_nan_input():
    flat = records(130, gravity=(0.0, 0.0, 1.0))
    tilted = records(130, gravity=(1.0, 0.0, 0.0))  # lies flat vs on its side: a 90 degree change
    rec = np.concatenate([flat[:65], tilted[65:]])
    m = minute_features(rec)
    # the 5-s epoch holding the turn averages both sides, so the 90 degrees show as two steps, the larger >= 45
    assert 45.0 <= m["angle_step_max"][1] <= 90.0
    assert m["angle_step_med"][0] == pytest.approx(0.0, abs=1e-6)
    shuffled = np.concatenate([rec[::-1], rec[:30]])
    shuffled["gravity"][5] = np.nan
    m2 = minute_features(shuffled)
    assert np.array_equal(m2["hr_mean"], m["hr_mean"]) and np.array_equal(m2["beats"], m["beats"])
    assert np.isfinite(m2["angle_step_max"][1])


def test_a_day_off_wrist_yields_dashes_and_zero_wear():
    rec = records(int(86400 * 32768 // TICK), hr=0, rr=())
    rec["gravity"] = (0.02, -0.01, 1.0)  # on a table: perfectly still, but not a sleep
    results = derive_span(minute_features(rec), 0)
    assert all(r.sleep is None and not r.naps for r in results)
    for r in results:
        assert r.metrics["wear"].value == 0.0
        others = {k: m for k, m in r.metrics.items() if k != "wear"}
        assert all(m.value is None and m.confidence == 0 for m in others.values())


def test_stage_estimates_stay_weak_and_plausible(fortnight):
    nights = [r for r in fortnight.results if r.sleep is not None]
    for r in nights:
        stages = r.sleep.stages
        assert len(stages) == len(r.sleep.state)
        assert not np.any(stages[:REM_EARLIEST_MIN] == REM)
        assert np.all((stages == AWAKE) == (r.sleep.state != 1))
        for name in ("sleep_deep", "sleep_light", "sleep_rem"):
            assert 0 < r.metrics[name].confidence <= MAX_CONFIDENCE
        total = sum(r.metrics[n].value for n in ("sleep_deep", "sleep_light", "sleep_rem"))
        assert total == r.metrics["sleep_duration"].value
