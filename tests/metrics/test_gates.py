"""Gates that turn weak inputs into an honest "insufficient" / None rather than a number (§18, §19, §12, §15)."""

from __future__ import annotations

import numpy as np
import pytest

from healthdesk.core.metrics import baseline, load, recovery
from healthdesk.core.metrics.trajectory import project

TODAY = 20_000


def series(n: int, slope: float = 0.5, noise: float = 1.0, last: int = TODAY):
    x = np.arange(last - n + 1, last + 1)
    return x, 60 + slope * (x - x[0]) + np.where(x % 2 == 0, noise, -noise)


def test_trajectory_needs_14_days_in_the_window():
    x, y = series(13)
    p = project(x, y, TODAY)
    assert p.status == "insufficient" and p.note == "gate:days=13<14" and len(p.y) == 0
    x, y = series(40)  # only the last 30 days count
    assert project(x, y, TODAY).fit.n == 30


def test_trajectory_refuses_a_stale_series_and_a_weak_fit():
    x, y = series(20, last=TODAY - 3)
    assert project(x, y, TODAY).note == "gate:stale=3d>2"
    x, y = series(20, slope=0.0, noise=3.0)
    weak = project(x, y, TODAY)
    assert weak.status == "insufficient" and weak.note.startswith("gate:r2=") and weak.confidence == 0
    x, y = series(20)
    assert project(x, y, TODAY, horizon=15).note == "gate:horizon=15"


def test_trajectory_band_widens_with_the_horizon():
    x, y = series(20)
    p = project(x, y, TODAY)
    widths = p.high - p.low
    assert p.status == "ok" and np.all(np.diff(widths) > 0) and 0 < p.confidence <= 1


def test_baseline_band_minimum_width_floor_and_degenerate_z():
    assert baseline.baseline_band([61.0] * 6, "resting_hr") is None  # < 7 days
    flat = baseline.baseline_band([61.0] * 10, "resting_hr")
    assert (flat.low, flat.high) == (59.0, 63.0)  # never "61-61 bpm"
    assert baseline.robust_z(64.0, flat) is None  # sigma 0: no z-score
    low = baseline.baseline_band([1.0, 30.0, 2.0, 40.0, 3.0, 50.0, 2.0], "hrv_rmssd")
    assert low.low == 0.0  # no negative HRV


def test_recovery_waits_for_four_nights_and_floors_a_flat_baseline():
    tonight = {"hrv": 55.0, "rhr": 52.0, "sleep_performance": 90.0}
    three = {"hrv": [50.0, 52.0, 48.0], "rhr": [55.0, 54.0, 56.0], "sleep_performance": [80.0, 85.0, 90.0]}
    m = recovery.recovery(tonight, three)
    assert m.value is None and m.note == "need_baseline:have=3,need=4"
    same = {k: [v[0]] * 5 for k, v in three.items()}
    flat = recovery.recovery(tonight, same)  # §12 (revised): the sigma floor scores a flat baseline, calibrating
    assert 0 < flat.value < 100 and flat.note == "calibrating:have=5,need=14"
    four = {k: v + [v[0] + 1] for k, v in three.items()}
    ok = recovery.recovery(tonight, four)
    assert 0 <= ok.value <= 100 and 0 < ok.confidence < 1


def test_acwr_holds_through_missing_days_and_waits_for_28():
    assert load.acwr([10.0] * 27).value is None
    gappy = [10.0] * 28 + [None, None, 20.0]
    full = [10.0] * 28 + [20.0]
    assert load.acwr(gappy).value == pytest.approx(load.acwr(full).value)  # a missing day is not a rest day
    assert load.acwr(gappy).confidence < load.acwr(full).confidence
