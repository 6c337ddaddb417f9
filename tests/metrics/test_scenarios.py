"""The simulator's scenarios (band/sim/scenarios.py) and their ground truth, in memory and through the CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from healthdesk.band.sim.physiology import PhysiologyTruth, generate_history, simulate_truth
from healthdesk.band.sim.scenarios import EVENT_EVERY, EVENT_FIRST

START = 1_699_988_400  # 19:00 UTC
TZ = 3600
DAYS = 28  # nights 20 (bad) and 26 (good) are events


@pytest.fixture(scope="module")
def truths() -> dict[str, PhysiologyTruth]:
    return {
        s: simulate_truth(DAYS, seed=7, start_unix=START, tz_offset_s=TZ, scenario=s)
        for s in ("stationary", "improving", "events")
    }


def test_the_truth_alone_is_the_truth_the_records_were_built_from():
    for scenario in ("stationary", "events"):
        built = generate_history(2, seed=7, start_unix=START, tz_offset_s=TZ, scenario=scenario)
        assert simulate_truth(2, seed=7, start_unix=START, tz_offset_s=TZ, scenario=scenario) == built.truth


def test_truth_carries_nightly_rmssd_rhr_breathing_and_the_morning_date(truths):
    for night in truths["stationary"].nights:
        morning = datetime.fromtimestamp(night.offset + TZ, UTC).date().isoformat()
        assert night.morning == morning and night.event == ""
        assert 40 < night.resting_hr < 75 and 20 < night.rmssd_ms < 120 and 12 <= night.resp_rate_bpm <= 18
    assert truths["events"].scenario == "events"
    again = PhysiologyTruth.from_json(truths["events"].to_json())
    assert again == truths["events"]


def test_events_are_marked_and_everything_else_is_the_stationary_person(truths):
    calm, events = truths["stationary"].nights, truths["events"].nights
    assert len(calm) == len(events) >= 27
    marked = {k: n.event for k, n in enumerate(events) if n.event}
    assert marked == {EVENT_FIRST: "bad", EVENT_FIRST + EVENT_EVERY: "good"}
    assert (events[20].resting_hr, events[20].rmssd_ms) == (56.0 + 8, pytest.approx(55.0 * 0.6))
    assert (events[26].resting_hr, events[26].rmssd_ms) == (56.0 - 4, pytest.approx(55.0 * 1.3))
    for k in marked:  # an event night is ordinary otherwise: typical length and breathing
        assert events[k].offset - events[k].onset == pytest.approx(7.4 * 3600)
        assert events[k].resp_rate_bpm == 15.0
    for k, (a, b) in enumerate(zip(calm, events, strict=True)):
        if k not in marked:
            assert (a.onset, a.offset, a.resting_hr, a.rmssd_ms, a.resp_rate_bpm) == (
                b.onset, b.offset, b.resting_hr, b.rmssd_ms, b.resp_rate_bpm
            )


def test_improving_person_gets_fitter(truths):
    calm, better = truths["stationary"].nights, truths["improving"].nights
    rhr_shift = np.array([b.resting_hr - a.resting_hr for a, b in zip(calm, better, strict=True)])
    ln_hrv_shift = np.array([np.log(b.rmssd_ms / a.rmssd_ms) for a, b in zip(calm, better, strict=True)])
    k = np.arange(len(calm))
    assert np.allclose(rhr_shift, -4.0 / 60 * k, atol=0.011)
    assert np.allclose(ln_hrv_shift, 0.25 / 60 * k, atol=0.001)


def test_unknown_scenario_is_refused():
    with pytest.raises(ValueError, match="unknown scenario"):
        generate_history(1, seed=1, start_unix=START, scenario="nope")


def test_band_simulate_scenario_writes_the_scenario_truth(tmp_path):
    cli = str(Path(sys.executable).with_name("healthdesk-cli"))
    truth_file = tmp_path / "truth.json"
    done = subprocess.run(
        [cli, "--home", str(tmp_path), "band", "simulate", "--days", "2", "--seed", "3", "--start-unix",
         str(START), "--scenario", "events", "--out", str(tmp_path / "band.hex"), "--truth", str(truth_file)],
        capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr
    truth = PhysiologyTruth.from_json(truth_file.read_text())
    assert truth == simulate_truth(2, seed=3, start_unix=START, scenario="events")
    assert json.loads(done.stdout)["truth"] == str(truth_file)
    bad = subprocess.run(
        [cli, "--home", str(tmp_path), "band", "simulate", "--days", "1", "--scenario", "nope", "--out",
         str(tmp_path / "x.hex")], capture_output=True, text=True, timeout=60,
    )
    assert bad.returncode != 0 and "Traceback" not in bad.stderr and "scenario" in bad.stderr
