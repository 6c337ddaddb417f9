"""The synthetic physiology generator: record layout, determinism and agreement with its own truth."""

from __future__ import annotations

import numpy as np
import pytest

from healthdesk.band.sim.physiology import TICK_SUBSEC, PhysiologyTruth, generate_history
from healthdesk.band.whoop4.decode import RECORD_DTYPE

START = 1_700_006_400  # 2023-11-15 00:00 UTC


@pytest.fixture(scope="module")
def history():
    return generate_history(4, seed=11, start_unix=START)


def test_records_tick_every_31504_subseconds_with_a_rising_counter(history):
    rec = history.records
    assert rec.dtype == RECORD_DTYPE
    ticks = rec["unix"].astype(np.int64) * 32768 + rec["subsec"]
    assert np.all(np.diff(ticks) == TICK_SUBSEC)
    assert np.all(np.diff(rec["counter"].astype(np.int64)) == 1)
    assert len(rec) == 4 * 86400 * 32768 // TICK_SUBSEC


def test_same_seed_same_history_other_seed_differs(history):
    again = generate_history(4, seed=11, start_unix=START)
    assert again.records.tobytes() == history.records.tobytes()
    assert again.truth.to_json() == history.truth.to_json()
    other = generate_history(4, seed=12, start_unix=START)
    assert other.truth.to_json() != history.truth.to_json()


def test_off_wrist_ticks_are_exactly_the_truth_gaps(history):
    rec, truth = history.records, history.truth
    t = rec["unix"] + rec["subsec"] / 32768
    in_gap = np.zeros(len(rec), bool)
    for g in truth.off_wrist:
        in_gap |= (t >= g.start) & (t < g.end)
    assert truth.off_wrist, "seed 11 must produce at least one off-wrist gap"
    assert np.all(rec["hr"][in_gap] == 0) and np.all(rec["rr_count"][in_gap] == 0)
    assert np.all(rec["hr"][~in_gap][10:] > 0)  # the first few ticks wait for 4 beats


def test_rr_slots_agree_with_heart_rate_and_unused_slots_are_zero(history):
    rec = history.records
    slots = np.arange(4)[None, :] < rec["rr_count"][:, None]
    assert np.all(rec["rr"][~slots] == 0)
    first_rr = rec["rr"][:, 0].astype(float)
    worn = (rec["rr_count"] > 0) & (rec["hr"] > 0)
    ratio = first_rr[worn] / (60000.0 / rec["hr"][worn])
    assert abs(np.median(ratio) - 1.0) < 0.03


def test_clean_sleep_beats_have_the_truth_rmssd(history):
    rec, truth = history.records, history.truth
    t = rec["unix"] + rec["subsec"] / 32768
    for night in truth.nights:
        mid = (t > night.onset + 3600) & (t < night.offset - 1800)
        for b in night.wake_bouts:
            mid &= ~((t > b.start - 300) & (t < b.end + 300))
        rr = rec["rr"][mid][np.arange(4)[None, :] < rec["rr_count"][mid][:, None]].astype(float)
        d = np.diff(rr)
        clean = np.abs(d) < 0.2 * rr[:-1]  # drop the injected ectopic beats and artefacts
        rmssd = float(np.sqrt(np.mean(d[clean] ** 2)))
        assert rmssd == pytest.approx(night.rmssd_ms, rel=0.08)


def test_truth_is_consistent_and_round_trips_through_json(history):
    truth = history.truth
    assert PhysiologyTruth.from_json(truth.to_json()) == truth
    assert len(truth.nights) >= 3
    events = sorted(
        [(n.onset, n.offset) for n in truth.nights]
        + [(w.start, w.end) for w in truth.workouts]
        + [(g.start, g.end) for g in truth.off_wrist]
        + [(x.start, x.end) for x in truth.naps]
    )
    assert all(a_end <= b_start for (_, a_end), (b_start, _) in zip(events, events[1:], strict=False))
    assert all(START <= s and e <= truth.end_unix for s, e in events)
