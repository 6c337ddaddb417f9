"""An independent check of the HRV arithmetic (docs/metrics.md §3): per 5-min window of the main sleep, the
engine's RMSSD and SDNN (built from per-minute sums in features.py/hrv.py) against NeuroKit2's `hrv_time` on
the same cleaned beats - the real overnight capture and simulated nights. Agreement within 0.5 ms.

The beats and the cleaning are the engine's (that is what "the same beats" means); the arithmetic is not. Beats
that do not follow each other (a dropped or unlisted beat between them) are given to NeuroKit2 with a time gap,
so it leaves those differences out exactly as the engine does.
"""

from __future__ import annotations

import numpy as np
import pytest

from healthdesk.band.sim.physiology import generate_history
from healthdesk.band.whoop4.decode import decode_hex_lines
from healthdesk.core.metrics import hrv
from healthdesk.core.metrics.engine import derive_span
from healthdesk.core.metrics.features import _beats, clean_beats, minute_features, record_time

TOLERANCE_MS = 0.5
GAP_S = 10.0  # far more than NeuroKit2's 10-ms "successive" tolerance


def _windows(records: np.ndarray, tz: int) -> list[tuple[float, float, float, np.ndarray, np.ndarray]]:
    """(engine RMSSD, engine SDNN, window start, beat indices for the RMSSD pairs, kept beats) per valid window
    of every main sleep."""
    minutes = minute_features(records)
    nn, end_t, adjacent = _beats(records, record_time(records))
    kept, pair = clean_beats(nn, adjacent)
    out = []
    for result in derive_span(minutes, tz):
        sleep = result.sleep
        if sleep is None:
            continue
        grid = minutes[(minutes["minute"] >= sleep.start) & (minutes["minute"] < sleep.end)]
        r, sd, valid = hrv.window_stats(grid, hrv._immobile_asleep(sleep, grid))
        for w in np.flatnonzero(valid):
            t0 = float(grid["minute"][w * hrv.WINDOW_MIN])
            inside = np.flatnonzero(kept & (end_t >= t0) & (end_t < t0 + 60 * hrv.WINDOW_MIN))
            out.append((float(r[w]), float(sd[w]), t0, inside, pair))
    return out


def _neurokit():
    """Import neurokit2 only when a comparison runs (it drags in matplotlib and pandas)."""
    import neurokit2

    return neurokit2


def _neurokit_rmssd_sdnn(nn: np.ndarray, inside: np.ndarray, pair: np.ndarray) -> tuple[float, float]:
    nk = _neurokit()
    # RMSSD: the window's pairs are (i-1, i) for every i inside with pair[i]; i-1 may precede the window
    first = inside[0]
    series = np.concatenate(([first - 1], inside)) if pair[first] else inside
    follows = np.zeros(len(series), bool)
    follows[1:] = (np.diff(series) == 1) & pair[series[1:]]
    step = np.where(follows, nn[series] / 1000.0, GAP_S)
    step[0] = 0.0
    rmssd = nk.hrv_time({"RRI": nn[series], "RRI_Time": np.cumsum(step) + 1.0})["HRV_RMSSD"].iloc[0]
    # SDNN: the window's kept beats, as one series (SDNN does not depend on their order or gaps)
    kept_nn = nn[inside]
    sdnn = nk.hrv_time({"RRI": kept_nn, "RRI_Time": np.cumsum(kept_nn / 1000.0)})["HRV_SDNN"].iloc[0]
    return float(rmssd), float(sdnn)


def _check(records: np.ndarray, tz: int, min_windows: int) -> int:
    nn, _, _ = _beats(records, record_time(records))
    windows = _windows(records, tz)
    assert len(windows) >= min_windows
    worst = 0.0
    for engine_rmssd, engine_sdnn, t0, inside, pair in windows:
        nk_rmssd, nk_sdnn = _neurokit_rmssd_sdnn(nn, inside, pair)
        assert engine_rmssd == pytest.approx(nk_rmssd, abs=TOLERANCE_MS), t0
        assert engine_sdnn == pytest.approx(nk_sdnn, abs=TOLERANCE_MS), t0
        worst = max(worst, abs(engine_rmssd - nk_rmssd), abs(engine_sdnn - nk_sdnn))
    return len(windows)


def test_real_overnight_capture_agrees_with_neurokit2(overnight_capture):
    records = decode_hex_lines(overnight_capture.read_bytes()).records
    assert _check(records, 0, min_windows=hrv.MIN_WINDOWS) > 0


def test_simulated_nights_agree_with_neurokit2():
    history = generate_history(3, seed=5, start_unix=1_699_988_400, tz_offset_s=3600)
    assert _check(history.records, 3600, min_windows=100) > 0
