"""core.rollups.minute_rollups against a plain per-record Python loop written here."""

from __future__ import annotations

import math

import numpy as np
import pytest

from healthdesk.core.models import RECORDS_PER_MINUTE, SAMPLE_DTYPE
from healthdesk.core.rollups import ACTIVITY_THRESHOLD_G, minute_rollups


def loop_rollups(samples: np.ndarray) -> dict[int, dict]:
    """The obvious per-record computation, independent of the vectorised code."""
    rows = sorted(samples.tolist(), key=lambda r: (r[2], r[3]))  # (version, counter, unix, subsec, ...)
    out: dict[int, dict] = {}
    previous = None
    for _version, _counter, unix, _subsec, hr, rr_count, _rr, gravity in rows:
        minute = unix // 60 * 60
        m = out.setdefault(minute, dict(records=0, hrs=[], rr=0, steps=[]))
        m["records"] += 1
        if hr > 0:
            m["hrs"].append(hr)
        m["rr"] += min(rr_count, 4)
        if previous is not None and previous[0] == minute:
            step = math.dist(previous[1], gravity)
            if math.isfinite(step):
                m["steps"].append(step)
        previous = (minute, gravity)
    return out


def assert_rollups_match(rollups: np.ndarray, expected: dict[int, dict]) -> None:
    assert rollups["minute"].tolist() == sorted(expected)
    for row in rollups:
        m = expected[int(row["minute"])]
        assert row["records"] == m["records"]
        assert row["hr_count"] == len(m["hrs"])
        assert row["rr_count"] == m["rr"]
        if m["hrs"]:
            assert row["hr_mean"] == pytest.approx(sum(m["hrs"]) / len(m["hrs"]), rel=1e-6)
            assert (row["hr_min"], row["hr_max"]) == (min(m["hrs"]), max(m["hrs"]))
        else:
            assert math.isnan(row["hr_mean"]) and row["hr_min"] == 0 and row["hr_max"] == 0
        if m["steps"]:
            assert row["motion"] == pytest.approx(sum(m["steps"]) / len(m["steps"]), rel=1e-5)
        else:
            assert math.isnan(row["motion"])
        assert row["active_count"] == sum(s > ACTIVITY_THRESHOLD_G for s in m["steps"])
        assert row["worn_fraction"] == pytest.approx(min(len(m["hrs"]) / RECORDS_PER_MINUTE, 1.0), rel=1e-6)


def test_minute_rollups_equal_a_plain_loop(make_samples):
    samples = make_samples(5000, seed=3)
    samples["gravity"][17] = np.nan  # a bad gravity float drops its two steps, not the minute
    shuffled = samples[np.random.default_rng(1).permutation(len(samples))]
    rollups = minute_rollups(shuffled)
    assert_rollups_match(rollups, loop_rollups(samples))
    assert rollups["worn_fraction"].max() <= 1.0


def test_minute_without_heart_rate_has_no_invented_numbers(make_samples):
    samples = make_samples(30)
    samples["hr"] = 0
    samples["unix"] = 1_700_000_040 + np.arange(30)
    (row,) = minute_rollups(samples)
    assert row["hr_count"] == 0 and math.isnan(row["hr_mean"]) and row["worn_fraction"] == 0.0
    assert row["records"] == 30


def test_single_record_minute_has_no_motion_and_empty_input_gives_empty():
    one = np.zeros(1, SAMPLE_DTYPE)
    one["unix"], one["hr"] = 1_700_000_000, 60
    (row,) = minute_rollups(one)
    assert math.isnan(row["motion"]) and row["active_count"] == 0 and row["hr_mean"] == 60
    assert len(minute_rollups(np.empty(0, SAMPLE_DTYPE))) == 0


def test_full_minute_is_fully_worn(make_samples):
    samples = make_samples(200)
    samples["hr"] = 70
    rollups = minute_rollups(samples)
    full = rollups[rollups["records"] >= 62]
    assert len(full) >= 2
    assert np.all(full["worn_fraction"] >= 62 / RECORDS_PER_MINUTE - 1e-6)


def test_stored_rollups_of_the_overnight_capture_equal_a_plain_loop(overnight_capture, tmp_path):
    """Import the real capture through the service, then check every stored minute against the loop."""
    from healthdesk.band.whoop4.decode import decode_hex_lines
    from healthdesk.services.ingest import ingest_decoded
    from healthdesk.store.band_reads import minute_rollups_between
    from healthdesk.store.database import open_database

    batch = decode_hex_lines(overnight_capture.read_bytes())
    with open_database(tmp_path / "healthdesk.db") as db:
        # In two overlapping halves: minutes on the seam are recomputed, not added up.
        half = len(batch.records) // 2
        for part in (batch.records[: half + 300], batch.records[half:]):
            ingest_decoded(db, "band", type(batch)(records=part), received_at=1.0)
        stored = minute_rollups_between(db, "band", 0, 2**32)
    expected = loop_rollups(batch.records)
    assert len(stored) == len(expected) == 213  # minutes holding records (the capture has gaps)
    assert sum(expected[m]["records"] for m in expected) == 12_984
    assert_rollups_match(stored, expected)
