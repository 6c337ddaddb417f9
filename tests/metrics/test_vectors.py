"""Every worked example of metrics.md §25 (numbers from the document, recomputed independently there)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from healthdesk.core.metrics import (
    baseline,
    fdr,
    hrv,
    load,
    recovery,
    rhr,
    sleep_need,
    spectral,
    strain,
    stress,
)
from healthdesk.core.metrics.calories import KJ_PER_KCAL, Profile, bmr_kcal_per_day, calories
from healthdesk.core.metrics.features import RECORDS_PER_MINUTE, empty_minutes, z_angle
from healthdesk.core.metrics.sleep import cole_kripke, efficiency
from healthdesk.core.metrics.trajectory import ols, project
from healthdesk.core.metrics.workouts import detect_workouts

RHR, HRMAX = 60.0, 190.0


def steady_minutes(blocks: list[tuple[int, float]], motion: float = 0.5) -> np.ndarray:
    """A minute grid with fully worn minutes at given steady heart rates: [(minutes, bpm), ...]."""
    n = sum(k for k, _ in blocks)
    m = empty_minutes(0, 60 * n)
    m["hr_mean"] = np.concatenate([np.full(k, hr) for k, hr in blocks])
    m["hr_peak15"] = m["hr_mean"]
    m["worn"] = m["records"] = int(RECORDS_PER_MINUTE)
    m["motion"] = motion
    return m


def test_rmssd_sdnn_pnn50_ln():
    nn = [800, 810, 790, 820, 800]
    assert hrv.rmssd(nn) == pytest.approx(21.213, abs=1e-3)
    assert hrv.sdnn(nn) == pytest.approx(11.402, abs=1e-3)
    assert hrv.pnn50(nn) == 0.0
    assert math.log(hrv.rmssd(nn)) == pytest.approx(3.0546, abs=1e-4)


def synthetic_tachogram() -> tuple[np.ndarray, np.ndarray]:
    t = np.arange(301.0)
    return t, 1000 + 40 * np.sin(2 * np.pi * 0.10 * t) + 20 * np.sin(2 * np.pi * 0.25 * t)


def test_lf_hf_of_the_synthetic_tachogram():
    assert spectral.lf_hf(*synthetic_tachogram()) == pytest.approx(4.0, rel=0.10)


def test_respiratory_rate_is_the_hf_peak_not_the_larger_lf_one():
    assert spectral.respiratory_rate(*synthetic_tachogram()) == pytest.approx(15.0, abs=0.01)


def test_resting_hr_lowest_30_min_mean():
    minutes = np.concatenate([np.full(45, 60.0), np.tile([50.0, 52.0], 15), np.full(45, 56.0)])
    assert rhr.lowest_window_mean(minutes) == pytest.approx(51.0)


@pytest.mark.parametrize(
    ("blocks", "trimp", "strain_value"),
    [
        ([(30, 150)], 50.220, 9.45),
        ([(30, 150), (60, 105)], 76.057, 10.43),
        ([(20, 140)], 25.674, 7.88),
        ([(25, 140)], 32.092, 8.40),
        ([(45, 145)], 66.081, 10.10),
        ([(90, 165)], 219.361, 12.95),
        ([(960, 85)], 0.0, 0.0),
    ],
)
def test_banister_trimp_and_strain(blocks, trimp, strain_value):
    m = steady_minutes(blocks)
    got = float(strain.trimp_per_minute(m["hr_mean"], m["worn"], RHR, HRMAX, "male").sum())
    assert got == pytest.approx(trimp, abs=1e-3)
    assert strain.strain_from_trimp(got, "male") == pytest.approx(strain_value, abs=0.005)
    assert strain.t_ref("male") == pytest.approx(6286.2, abs=0.1)


def test_workout_gate_20_vs_25_minutes_at_140():
    rest = (30, 70.0)
    short = detect_workouts(steady_minutes([rest, (20, 140.0), rest]), RHR, HRMAX, "male")
    long = detect_workouts(steady_minutes([rest, (25, 140.0), rest]), RHR, HRMAX, "male")
    assert short == []
    assert len(long) == 1 and long[0].strain == pytest.approx(8.40, abs=0.005)
    assert (long[0].start, long[0].end) == (30 * 60, 55 * 60)


def test_zones_hrmax_and_karvonen_disagree_by_one():
    assert strain.zone_of(150, HRMAX) == 3
    assert strain.karvonen_zone(150, HRMAX, RHR) == 2


def test_calories_day_with_a_workout():
    profile = Profile(75, 180, 30, "male")
    assert bmr_kcal_per_day(profile) == pytest.approx(1730.0, abs=0.5)
    m = steady_minutes([(1410, 60.0), (30, 150.0)])
    kcal = calories(m["hr_mean"], np.ones(1440, bool), 1440, RHR, HRMAX, profile)
    assert kcal.value == pytest.approx(2127.7, abs=0.1)
    assert kcal.value * KJ_PER_KCAL == pytest.approx(8902, abs=1)


def test_sleep_need_and_performance():
    need = sleep_need.sleep_need(456, 15.0, 30, 20)
    assert need == pytest.approx(503, abs=0.01)
    assert sleep_need.sleep_performance(420, need) == pytest.approx(83.5, abs=0.05)


def test_efficiency():
    assert efficiency(565, 445) == pytest.approx(78.8, abs=0.05)


def test_sri_one_hour_onset_shift():
    day1 = np.zeros(1440, np.int8)
    day1[600:1080] = 1  # asleep 22:00-06:00 of a noon-to-noon day
    day2 = day1.copy()
    day2[600:660] = 0  # fell asleep 60 min later
    assert sleep_need.sleep_regularity_index([day1, day2]) == pytest.approx(91.67, abs=0.005)


def test_recovery_worked_example():
    inputs = {
        "hrv": (math.log(60), math.log(50), 0.15),
        "rhr": (52, 55, 2),
        "sleep_performance": (90, 85, 10),
        "resp_rate": (15.0, 15.0, 0.5),
    }
    z_c, drivers = recovery.composite(inputs)
    assert z_c == pytest.approx(0.9612, abs=1e-4)
    assert round(recovery.score(z_c)) == 84
    assert drivers["hrv"] / 0.40 == pytest.approx(1.2155, abs=1e-4)
    del inputs["resp_rate"]
    z_c, _ = recovery.composite(inputs)
    assert z_c == pytest.approx(1.1308, abs=1e-4) and round(recovery.score(z_c)) == 87


def test_baevsky_and_stress():
    nn = [800] * 30 + [850] * 20 + [900] * 10
    assert stress.baevsky_si(nn) == pytest.approx(312.5)
    assert stress.stress_from_moments(300, 5.0, 0.4) == pytest.approx(2.82, abs=0.005)


def test_acwr_step_from_steady_load():
    m = load.acwr([10.0] * 28 + [20.0])
    assert m.detail["acute"] == pytest.approx(12.5)
    assert m.detail["chronic"] == pytest.approx(10.6897, abs=1e-4)
    assert m.value == pytest.approx(1.1694, abs=1e-4)


def test_pmc_primed_and_zero_seeded():
    out = load.pmc([50.0] * 14 + [150.0] + [0.0])  # TSB of day 16 uses day 15's CTL and ATL
    assert out["tsb"].value == pytest.approx(-10.959, abs=1e-3)
    ctl = load.ewma_series([50.0] * 14 + [150.0], 1 - math.exp(-1 / 42), 50.0)[-1]
    atl = load.ewma_series([50.0] * 14 + [150.0], 1 - math.exp(-1 / 7), 50.0)[-1]
    assert (ctl, atl) == (pytest.approx(52.353, abs=1e-3), pytest.approx(63.312, abs=1e-3))
    ctl0 = load.ewma_series([100.0] * 42, 1 - math.exp(-1 / 42), 0.0)
    atl0 = load.ewma_series([100.0] * 42, 1 - math.exp(-1 / 7), 0.0)
    assert ctl0[-1] == pytest.approx(63.212, abs=1e-3) and atl0[-1] == pytest.approx(99.752, abs=1e-3)
    assert ctl0[-2] - atl0[-2] == pytest.approx(-37.388, abs=1e-3)


def test_foster_monotony_with_sample_sd():
    out = load.foster([100.0, 0, 100, 0, 100, 0, 100])
    assert out["monotony"].value == pytest.approx(1.069, abs=1e-3)
    assert out["training_strain"].value == pytest.approx(427.6, abs=0.05)


def test_mad_baseline_band():
    band = baseline.baseline_band([60, 62, 61, 59, 63, 60, 58], k=3.0)  # the §18 example uses k = 3
    assert (band.low, band.high) == (pytest.approx(55.552, abs=1e-3), pytest.approx(64.448, abs=1e-3))


def test_trajectory_prediction_interval_widens_with_horizon():
    x = np.arange(14)
    y = 60 + 0.5 * x + np.where(x % 2 == 0, 1.0, -1.0)
    fit = ols(x, y)
    assert (fit.slope, fit.intercept, fit.r2, fit.s) == (
        pytest.approx(0.46923, abs=1e-5),
        pytest.approx(60.2, abs=1e-9),
        pytest.approx(0.7842, abs=1e-4),
        pytest.approx(1.07178, abs=1e-5),
    )
    p = project(x + 20000, y, today=20013)
    assert p.status == "ok"
    for h, y0, half in [(1, 66.769, 2.682), (7, 69.585, 3.196), (14, 72.869, 3.990)]:
        assert p.y[h - 1] == pytest.approx(y0, abs=1e-3)
        assert (p.high[h - 1] - p.low[h - 1]) / 2 == pytest.approx(half, abs=1e-3)


def test_benjamini_hochberg_running_minimum():
    q = fdr.bh_qvalues([0.01, 0.04, 0.03, 0.20])
    assert q == pytest.approx([0.04, 0.0533, 0.0533, 0.20], abs=1e-4)


def test_z_angle():
    g = np.array([[0.5, 0, 0.866], [0, 0, 1], [1, 0, 0]], np.float32)
    assert z_angle(g) == pytest.approx([60.0, 90.0, 0.0], abs=0.01)


def test_cole_kripke_single_active_epoch_is_wake():
    si = cole_kripke(np.array([0, 0, 0, 0, 5, 0, 0], float))
    assert si[4] == pytest.approx(1.15) and si[4] >= 1
    assert cole_kripke(np.zeros(7)).max() == 0


def test_t_ref_calibration_recovers_the_users_anchor():
    trimps = [20.0 + 9 * k for k in range(16)]
    whoop = [21 * math.log(1 + t) / math.log(1 + 5000.0) for t in trimps]
    assert strain.fit_t_ref(trimps, whoop) == pytest.approx(5000.0, rel=1e-9)
    assert strain.fit_t_ref(trimps[:13], whoop[:13]) is None  # fewer than 14 cycles: keep the default anchor
