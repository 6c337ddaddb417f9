"""Worked examples of the revised docs/metrics.md §6 (sleep need without compounding), §12 (recovery spread
floor and calibration) and §18 (typical range, unusual days). Expected numbers are hand arithmetic."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from healthdesk.core.metrics import baseline, recovery, sleep_need
from healthdesk.core.metrics.engine import History
from healthdesk.core.metrics.registry import REGISTRY

# ------------------------------------------------------------------------------------------------- §6


def test_sleep_need_worked_example():
    # baseline 456 + 37 (strain 15.0) + 30 (previous shortfall) - 20 (nap) = 503; 420 / 503 = 83.5 %
    need = sleep_need.sleep_need(456, 15.0, 30, 20)
    assert need == pytest.approx(503.0, abs=0.01)
    assert sleep_need.sleep_performance(420, need) == pytest.approx(83.5, abs=0.05)


def test_debt_is_the_shortfall_against_the_core_need_and_capped():
    assert sleep_need.core_need(450, 25 / 2.4667, 0) == pytest.approx(475.0, abs=1e-3)
    assert sleep_need.sleep_debt(475.0, 450.0) == pytest.approx(25.0)
    assert sleep_need.sleep_debt(475.0, 500.0) == 0.0  # sleeping more builds no credit
    assert sleep_need.sleep_debt(600.0, 300.0) == 120.0  # at most 2 h from one night
    assert sleep_need.sleep_debt(None, 450.0) is None


def _need_group(history: History) -> dict:
    """Evaluate only the sleep-need group of the registry against a hand-built history."""
    from types import SimpleNamespace

    group = next(g for g in REGISTRY.order() if "sleep_need" in g.provides)
    return group.compute(SimpleNamespace(sleep=object(), history=history), {})


def test_no_compounding_worked_example():
    # baseline 450, strain term 25 every day, no naps, TST 450 every night -> core need 475 every night,
    # debt 25 every night (not 25, 50, 75 ...), need 500, performance 90.0 % every night
    strain = 25 / sleep_need.STRAIN_MIN_PER_POINT
    history = History()
    needs, debts = [], []
    from datetime import date, timedelta

    from healthdesk.core.models import Metric

    for night in range(20):
        out = _need_group(history) if night >= 7 else {}
        if out:
            needs.append(out["sleep_need"].value)
            debts.append(out["sleep_debt"].value)
        history.append(
            date(2024, 1, 1) + timedelta(days=night),
            {
                "sleep_duration": Metric(450.0, "min", 1.0),
                "day_strain": Metric(strain, "strain", 1.0),
                "nap_duration": Metric(0.0, "min", 1.0),
                **({"sleep_need": out["sleep_need"]} if out else {}),
            },
        )
    assert debts[0] is None  # the first night with a baseline has no previous core need
    assert debts[1:] == pytest.approx([25.0] * (len(debts) - 1), abs=1e-3)
    assert needs[1:] == pytest.approx([500.0] * (len(needs) - 1), abs=1e-3)
    assert [sleep_need.sleep_performance(450, n) for n in needs[1:]] == pytest.approx([90.0] * 12, abs=1e-3)


def test_previous_core_need_uses_the_nights_own_baseline_strain_and_naps():
    tst = [420.0] * 7 + [400.0, 430.0]  # tonight excluded; the last entry is the previous night
    strain = [10.0] * 7 + [8.0, 12.0]
    naps = [0.0] * 7 + [30.0, 0.0]
    # the previous night's need: baseline of the 8 nights before it (median 420), strain and naps of the
    # cycle before it (8.0, 30) -> 420 + 19.7336 - 30 = 409.7336
    assert sleep_need.previous_core_need(tst, strain, naps) == pytest.approx(409.7336, abs=1e-3)


# ------------------------------------------------------------------------------------------------- §12


def test_recovery_worked_example_composite():
    inputs = {
        "hrv": (math.log(60), math.log(50), 0.15),
        "rhr": (52, 55, 2),
        "sleep_performance": (90, 85, 10),
        "resp_rate": (15.0, 15.0, 0.5),
    }
    z_c, drivers = recovery.composite(inputs)
    assert z_c == pytest.approx(0.9612, abs=1e-4) and round(recovery.score(z_c)) == 84
    del inputs["resp_rate"]
    z_c, _ = recovery.composite(inputs)
    assert z_c == pytest.approx(1.1308, abs=1e-4) and round(recovery.score(z_c)) == 87


def test_effective_sigma_floor_and_shrinkage():
    # 4 identical nights: sigma_hat 0 -> sigma_min * sqrt(7/11)
    assert recovery.effective_sigma(0.0, 4, 1.5) == pytest.approx(1.5 * math.sqrt(7 / 11))
    # 30 nights, sigma_hat 0.15 ln, floor 0.10: sqrt((30*0.0225 + 7*0.01)/37) = 0.14190
    assert recovery.effective_sigma(0.15, 30, 0.10) == pytest.approx(0.141898, abs=1e-5)
    # never below sigma_min * sqrt(k/(n+k))
    for n in (4, 10, 30):
        assert recovery.effective_sigma(0.0, n, 0.4) >= 0.4 * math.sqrt(7 / (n + 7)) - 1e-12


def _history(n: int) -> dict[str, list[float]]:
    """n nights: HRV alternating 45/55 ms, RHR 54/56, performance 80/90, resp 14.5/15.5."""
    alt = [i % 2 for i in range(n)]
    return {
        "hrv": [45.0 + 10 * a for a in alt],
        "rhr": [54.0 + 2 * a for a in alt],
        "sleep_performance": [80.0 + 10 * a for a in alt],
        "resp_rate": [14.5 + a for a in alt],
    }


def _expected_z(n: int, tonight: dict[str, float]) -> float:
    """Hand formula of §12: medians and MADs of the alternating history, floors, k = 7, shrink n/14."""
    # medians/MADs: even n -> midpoint of the two levels, MAD = half the gap; odd n (more 45s) -> the low level
    lo = {"hrv": math.log(45), "rhr": 54.0, "sleep_performance": 80.0, "resp_rate": 14.5}
    hi = {"hrv": math.log(55), "rhr": 56.0, "sleep_performance": 90.0, "resp_rate": 15.5}
    floors = {"hrv": 0.10, "rhr": 1.5, "sleep_performance": 8.0, "resp_rate": 0.4}
    signs = {"hrv": (0.40, 1), "rhr": (0.25, -1), "sleep_performance": (0.20, 1), "resp_rate": (0.15, -1)}
    z = 0.0
    for k, (w, s) in signs.items():
        centre = (lo[k] + hi[k]) / 2 if n % 2 == 0 else lo[k]
        mad = (hi[k] - lo[k]) / 2 if n % 2 == 0 else 0.0
        sig_hat = 1.4826 * mad
        sig = math.sqrt((n * sig_hat**2 + 7 * floors[k] ** 2) / (n + 7))
        v = math.log(tonight[k]) if k == "hrv" else tonight[k]
        z += w * s * (v - centre) / sig
    return z * min(1.0, n / 14)


BAD = {"hrv": 50 * 0.67, "rhr": 60.0, "sleep_performance": 85.0, "resp_rate": 17.5}


@pytest.mark.parametrize("n", [4, 8, 13, 14, 20])
def test_recovery_calibration_shrinks_and_flags_until_14_nights(n):
    m = recovery.recovery(BAD, _history(n))
    z = _expected_z(n, BAD)
    assert m.detail["z"] == pytest.approx(z, abs=1e-3)
    expected = round(100 / (1 + math.exp(-1.702 * z)))
    assert m.value == (min(99, max(1, expected)) if n < 14 else expected)
    if n < 14:
        assert m.note == f"calibrating:have={n},need=14" and 0 < m.value < 100
    else:
        assert m.note == ""
    assert m.confidence == pytest.approx(min(1.0, n / 21), abs=1e-3)  # all four inputs present
    ranked = m.detail["ranked"]
    assert [abs(m.detail["drivers"][k]) for k in ranked] == sorted(
        (abs(v) for v in m.detail["drivers"].values()), reverse=True
    )


def test_a_bad_night_while_calibrating_is_not_a_confident_zero():
    # 8 nights of baseline, a genuinely bad 9th: RHR +5, RMSSD -33 %, breathing +2.5/min (§12's example)
    m = recovery.recovery(BAD, _history(8))
    assert m.note.startswith("calibrating") and 0 < m.value <= 33


def test_monotone_in_hrv_and_rhr():
    hist = _history(20)
    base = {"hrv": 50.0, "rhr": 55.0, "sleep_performance": 85.0, "resp_rate": 15.0}
    scores_hrv = [recovery.recovery({**base, "hrv": h}, hist).detail["z"] for h in range(30, 90, 5)]
    scores_rhr = [recovery.recovery({**base, "rhr": r}, hist).detail["z"] for r in range(48, 64)]
    assert scores_hrv == sorted(scores_hrv) and scores_rhr == sorted(scores_rhr, reverse=True)


# ------------------------------------------------------------------------------------------------- §18


def test_typical_range_is_one_sigma_with_minimum_half_width():
    values = [60, 62, 61, 59, 63, 60, 58]  # median 60, MAD 1 -> sigma 1.4826, below the 2-bpm minimum
    assert baseline.typical_range(values, "resting_hr") == (58.0, 60.0, 62.0)
    wide = [50, 60, 70, 55, 65, 60, 60, 45, 75]  # median 60, MAD 5 -> +-7.413
    low, centre, high = baseline.typical_range(wide, "resting_hr")
    assert (low, centre, high) == pytest.approx((52.587, 60.0, 67.413), abs=1e-3)
    assert baseline.typical_range(values[:6], "resting_hr") is None
    assert baseline.typical_range([40.0] * 10, "recovery") is None  # recovery: zones, not a band
    assert baseline.typical_range([1.0] * 10, "day_strain") == (0.0, 1.0, 2.0)


def test_unusual_is_robust_z_beyond_three():
    values = [60, 62, 61, 59, 63, 60, 58]
    assert baseline.robust_z(64.0, values) == pytest.approx(4 / 1.4826)
    assert baseline.is_unusual(64.0, values) is False  # z = 2.70
    assert baseline.is_unusual(65.0, values) is True  # z = 3.37
    assert baseline.robust_z(65.0, [61.0] * 10) is None  # sigma 0: no z


def test_recovery_zones():
    assert [baseline.recovery_zone(v) for v in (0, 33, 34, 66, 67, 100)] == [
        "red", "red", "yellow", "yellow", "green", "green"
    ]
    assert baseline.recovery_zone(None) is None


@settings(max_examples=200, deadline=None)
@given(
    n=st.integers(4, 40),
    seed=st.integers(0, 2**31 - 1),
    hrv_up=st.floats(1.0, 2.0),
    rhr_down=st.floats(0.0, 15.0),
)
def test_monotone_property_over_random_baselines(n, seed, hrv_up, rhr_down):
    """§26.5 as a property: raising tonight's HRV or lowering tonight's RHR never lowers recovery."""
    import numpy as np

    rng = np.random.default_rng(seed)
    history = {
        "hrv": list(np.exp(rng.normal(4.0, 0.2, n))),
        "rhr": list(rng.normal(55, 3, n)),
        "sleep_performance": list(np.clip(rng.normal(85, 8, n), 0, 100)),
        "resp_rate": list(rng.normal(15, 0.8, n)),
    }
    tonight = {"hrv": float(np.exp(rng.normal(4.0, 0.3))), "rhr": float(rng.normal(55, 4)),
               "sleep_performance": 85.0, "resp_rate": 15.0}
    base = recovery.recovery(tonight, history)
    better_hrv = recovery.recovery({**tonight, "hrv": tonight["hrv"] * hrv_up}, history)
    better_rhr = recovery.recovery({**tonight, "rhr": tonight["rhr"] - rhr_down}, history)
    assert better_hrv.value >= base.value and better_rhr.value >= base.value
    assert better_hrv.detail["z"] >= base.detail["z"] - 1e-12 and better_rhr.detail["z"] >= base.detail["z"] - 1e-12
