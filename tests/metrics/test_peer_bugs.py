"""Regression tests for the peer-code pitfalls of metrics.md §24 (and the rules they break)."""

from __future__ import annotations

import numpy as np
import pytest

from healthdesk.band.whoop4.decode import RECORD_DTYPE
from healthdesk.core.metrics import load, sleep_need, strain, stress
from healthdesk.core.metrics.calories import Profile, calories
from healthdesk.core.metrics.features import RECORDS_PER_MINUTE, empty_minutes, minute_features
from healthdesk.core.metrics.hrv import nightly_hrv
from healthdesk.core.metrics.rhr import nightly_rhr
from healthdesk.core.metrics.sleep import SleepPeriod

TICK = 31504


def steady_records(
    start: int, seconds: int, hr: int, gravity=(0.0, 0.0, 1.0), jitter: float = 0.0
) -> np.ndarray:
    n = int(seconds * 32768 // TICK)
    sub = start * 32768 + np.arange(n, dtype=np.int64) * TICK
    rec = np.zeros(n, RECORD_DTYPE)
    rec["counter"] = np.arange(n)
    rec["unix"], rec["subsec"] = sub // 32768, sub % 32768
    rec["hr"] = hr
    rec["rr_count"] = 1
    rec["rr"][:, 0] = round(60000 / hr)
    rng = np.random.default_rng(1)
    rec["gravity"] = np.asarray(gravity, np.float32) + rng.normal(0, jitter, (n, 3)).astype(np.float32)
    return rec


def test_1_sleep_performance_is_not_integer_divided():
    assert sleep_need.sleep_performance(300, 480) == pytest.approx(62.5)


def test_2_strain_uses_per_minute_time_not_the_first_sample_spacing():
    workout = steady_records(1_700_000_100, 30 * 60, 150, jitter=0.3)
    lone = steady_records(1_700_000_100 - 300, 1, 150)  # one sample 5 min before the stream starts

    def trimp(rec):
        m = minute_features(rec)
        return float(strain.trimp_per_minute(m["hr_mean"], m["worn"], 60, 190, "male").sum())

    plain, gapped = trimp(workout), trimp(np.concatenate([lone, workout]))
    assert plain == pytest.approx(50.22, rel=0.04)  # 30 clock minutes straddle 31 grid minutes
    assert gapped == pytest.approx(plain)


def test_3_one_artefact_does_not_move_max_hr_and_rhr_is_not_the_minimum():
    m = empty_minutes(0, 60 * 120)
    m["hr_mean"] = 80.0
    m["hr_peak15"] = 80.0
    m["motion"] = 0.5
    m["hr_peak15"][50] = 231.0  # a single 15-s spike
    assert strain.cycle_hr_peak(m) is None
    m["hr_peak15"][60:62] = 175.0  # a real, sustained effort
    assert strain.cycle_hr_peak(m) == 175.0
    assert strain.max_hr([None, 175.0, None]).value == 175.0
    night = np.full(240, 55.0)
    night[100] = 38.0
    assert nightly_rhr(night).value == pytest.approx(55.0, abs=0.6)


def test_4_consistency_survives_midnight():
    a = np.zeros(1440, np.int8)
    a[710:1140] = 1  # asleep 23:50 -> 07:00 (noon-to-noon minutes)
    b = np.zeros(1440, np.int8)
    b[730:1140] = 1  # asleep 00:10 -> 07:00
    assert sleep_need.sleep_regularity_index([a, b]) == pytest.approx(200 * 1420 / 1440 - 100)


def test_5_zones_are_on_percent_of_max_not_reserve():
    assert [strain.zone_of(hr, 190) for hr in (94, 95, 114, 133, 152, 171, 190)] == [0, 1, 2, 3, 4, 5, 5]


def test_6_ewma_is_primed_with_the_first_week_not_day_one():
    loads = [700.0] + [10.0] * 27 + [10.0]
    primed = load.acwr(loads)
    assert primed.detail["chronic"] < 100  # seeding with day 1 would start chronic at 700
    assert load.pmc([700.0] + [0.0] * 13)["ctl"].value == pytest.approx(
        load.ewma_series([700.0] + [0.0] * 13, 1 - np.exp(-1 / 42), 100.0)[-1]
    )


def test_7_baevsky_refuses_windows_without_range():
    assert stress.baevsky_si([800.0] * 40 + [810.0] * 20) is None  # 10 ms range: quantisation, not stress
    assert stress.baevsky_si([800.0] * 30 + [850.0] * 20 + [900.0] * 10) == pytest.approx(312.5)


def test_8_no_population_defaults_inside_values():
    assert sleep_need.baseline_need([420.0] * 6).value is None  # no "8 h"
    assert sleep_need.sleep_need(None, 10.0, 0.0, 0.0) is None
    hr = np.full(1440, 60.0)
    assert calories(hr, np.ones(1440, bool), 1440, 60, 190, None).value is None  # no "70 kg"
    assert calories(hr, np.ones(1440, bool), 1440, 60, 190, Profile(75, None, 30, "male")).value is None
    none = strain.max_hr([None, None])
    assert none.value is None and none.confidence == 0  # no "220 - age" without an age
    assert strain.max_hr([None], age=40).value == pytest.approx(180.0)  # Tanaka only with the user's own age


def test_9_the_same_record_twice_counts_once():
    rec = steady_records(1_700_000_000, 600, 62, jitter=0.001)
    once = minute_features(rec)
    twice = minute_features(np.concatenate([rec, rec[100:300]]))
    assert once.tobytes() == twice.tobytes()


def test_hrv_abstains_below_six_windows():
    m = empty_minutes(0, 60 * 25)
    sleep = SleepPeriod(0, 1500, True, np.ones(25, np.int8), 1.0)
    out = nightly_hrv(sleep, m)
    assert out["hrv_rmssd"].value is None and out["hrv_rmssd"].note.startswith("need_windows")
    assert RECORDS_PER_MINUTE == pytest.approx(62.41, abs=0.01)
