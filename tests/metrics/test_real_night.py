"""The real overnight capture (read in place from ../shared) through decoder, features and engine."""

from __future__ import annotations

import pytest

from healthdesk.band.whoop4.decode import decode_hex_lines
from healthdesk.core.metrics.engine import derive_records
from healthdesk.core.metrics.features import record_time


@pytest.fixture(scope="module")
def real_night(overnight_capture):
    batch = decode_hex_lines(overnight_capture.read_bytes())
    assert len(batch.records) > 10_000
    t = record_time(batch.records)
    return t.min(), t.max(), derive_records(batch.records, tz_offset_s=0)


def test_one_main_sleep_inside_the_recording(real_night):
    t0, t1, results = real_night
    mains = [r.sleep for r in results if r.sleep is not None]
    assert len(mains) == 1
    sleep = mains[0]
    assert t0 <= sleep.start < sleep.end <= t1 + 60
    assert 60 <= sleep.tst_min <= sleep.tib_min


def test_plausible_resting_hr_and_rmssd_with_confidence(real_night):
    _, _, results = real_night
    night = next(r for r in results if r.sleep is not None).metrics
    assert 40 <= night["resting_hr"].value <= 70 and night["resting_hr"].confidence > 0
    assert 15 <= night["hrv_rmssd"].value <= 150 and night["hrv_rmssd"].confidence > 0
    resp = night["respiratory_rate"]
    assert resp.value is None or 9 <= resp.value <= 24  # the RSA band: 9-24 breaths/min, or an honest dash
    # one night and no effort: history-gated values abstain honestly
    assert night["recovery"].value is None and night["recovery"].confidence == 0
    assert night["max_hr"].value is None and night["day_strain"].value is None
