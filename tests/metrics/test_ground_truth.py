"""The engine against the generator's truth over 14 simulated days (sleep, RHR, RMSSD, workouts)."""

from __future__ import annotations

import pytest

from healthdesk.core.metrics.workouts import MIN_LENGTH_MIN

ONSET_TOLERANCE_S = 15 * 60


def _main_sleeps(fortnight):
    return [r for r in fortnight.results if r.sleep is not None]


def test_scenario_is_varied(fortnight):
    truth = fortnight.history.truth
    hours = [(n.onset + truth.tz_offset_s) % 86400 / 3600 for n in truth.nights]
    onsets = [h + 24 if h < 12 else h for h in hours]  # 00:30 is later than 23:30
    durations = [(n.offset - n.onset) / 3600 for n in truth.nights]
    assert len(truth.nights) >= 13
    assert max(onsets) - min(onsets) > 1.5 and max(durations) - min(durations) > 1.5
    assert truth.naps and truth.off_wrist and truth.sedentary
    assert any(w.minutes >= 20 for w in truth.workouts) and any(w.minutes < 15 for w in truth.workouts)


def test_every_night_found_once_with_onset_and_offset_within_15_min(fortnight):
    truth = fortnight.history.truth
    mains = [r.sleep for r in _main_sleeps(fortnight)]
    assert len(mains) == len(truth.nights)
    for night, found in zip(truth.nights, mains, strict=True):
        assert abs(found.start - night.onset) <= ONSET_TOLERANCE_S
        assert abs(found.end - night.offset) <= ONSET_TOLERANCE_S


def test_resting_hr_within_2_bpm_and_rmssd_within_10_percent(fortnight):
    truth = fortnight.history.truth
    for night, result in zip(truth.nights, _main_sleeps(fortnight), strict=True):
        rhr, rmssd = result.metrics["resting_hr"], result.metrics["hrv_rmssd"]
        assert rhr.value == pytest.approx(night.resting_hr, abs=2.0)
        assert rmssd.value == pytest.approx(night.rmssd_ms, rel=0.10)
        assert 0 < rhr.confidence <= 1 and 0 < rmssd.confidence <= 1


def test_respiratory_rate_within_1_breath_per_minute(fortnight):
    truth = fortnight.history.truth
    for night, result in zip(truth.nights, _main_sleeps(fortnight), strict=True):
        resp = result.metrics["respiratory_rate"]
        assert resp.value == pytest.approx(night.resp_rate_bpm, abs=1.0)
        assert 0 < resp.confidence <= 1


def test_every_workout_of_20_min_or_more_found_and_no_false_ones(fortnight):
    truth = fortnight.history.truth
    found = [w for r in fortnight.results for w in (r.workouts or [])]
    assessed = [r for r in fortnight.results if r.workouts is not None]
    assert assessed, "no cycle could assess workouts"
    first_assessed = min(r.cycle.start for r in assessed)
    long_ones = [w for w in truth.workouts if w.minutes >= 20]
    assert all(w.start >= first_assessed for w in long_ones), "a long workout fell before any RHR was known"
    for w in long_ones:
        hits = [f for f in found if f.start < w.end and w.start < f.end]
        assert len(hits) == 1, f"workout at {w.start} ({w.minutes:.0f} min) matched {len(hits)}"
        assert abs(hits[0].start - w.start) <= 5 * 60 and abs(hits[0].end - w.end) <= 5 * 60
    for f in found:
        assert any(f.start < w.end and w.start < f.end for w in truth.workouts), f"false workout at {f.start}"
        assert (f.end - f.start) / 60 >= MIN_LENGTH_MIN


def test_naps_are_not_main_sleeps_and_do_not_start_cycles(fortnight):
    truth = fortnight.history.truth
    naps = [p for r in fortnight.results for p in r.naps]
    starts = {r.cycle.start for r in fortnight.results}
    for nap in truth.naps:
        assert not any(abs(s - nap.start) < 3600 for s in starts)
    assert all(any(abs(p.start - n.start) <= ONSET_TOLERANCE_S for n in truth.naps) for p in naps)


def test_off_wrist_is_never_sleep(fortnight):
    truth = fortnight.history.truth
    periods = [r.sleep for r in _main_sleeps(fortnight)] + [p for r in fortnight.results for p in r.naps]
    for gap in truth.off_wrist:
        assert not any(p.start < gap.end and gap.start < p.end for p in periods)


def test_a_still_evening_on_the_sofa_is_not_sleep(fortnight):
    truth = fortnight.history.truth
    periods = [r.sleep for r in _main_sleeps(fortnight)] + [p for r in fortnight.results for p in r.naps]
    for quiet in truth.sedentary:
        overlap = sum(max(0.0, min(p.end, quiet.end) - max(p.start, quiet.start)) for p in periods)
        assert overlap <= 5 * 60, f"sofa spell at {quiet.start} counted as {overlap / 60:.0f} min of sleep"


def test_cycle_labels_are_morning_dates_and_unique(fortnight):
    from healthdesk.core.timeutil import local_date

    results = _main_sleeps(fortnight)
    days = [r.cycle.day for r in results]
    assert len(set(days)) == len(days) and days == sorted(days)
    for r in results:
        # named by the morning the sleep ends (metrics §1): an evening onset names the next day
        local = local_date(r.cycle.start, fortnight.history.truth.tz_offset_s)
        hour = (r.cycle.start + fortnight.history.truth.tz_offset_s) % 86400 / 3600
        assert r.cycle.day == (local.fromordinal(local.toordinal() + 1) if hour >= 12 else local)


def test_history_dependent_metrics_switch_on_at_their_gates(fortnight):
    results = _main_sleeps(fortnight)
    recoveries = [r.metrics["recovery"] for r in results]
    assert all(m.value is None and m.confidence == 0 for m in recoveries[:4])
    assert all(m.value is not None and 0 <= m.value <= 100 and m.confidence > 0 for m in recoveries[4:])
    needs = [r.metrics["sleep_need"] for r in results]
    assert all(m.value is None for m in needs[:7]) and all(360 <= m.value <= 660 for m in needs[7:])
    assert all(r.metrics["acwr"].value is None for r in results)  # < 28 days of history
    strains = [r.metrics["day_strain"].value for r in results]
    assert all(s is not None and 0 <= s <= 21 for s in strains)
