"""What the simulated band has stored: record frames in runs of 10, with stored events and console logs between.

`compose_flash(records)` lays 1 Hz records out the way a real band's flash replays them (band-protocol §6.2):
runs of 10 records, a console log now and then, a battery / strap-condition event every few minutes, and
WRIST_OFF / WRIST_ON events around off-wrist gaps. `steady_records` is a tiny seeded generator for tests and for
records the band writes itself while connected; the physiology generator (band/sim/physiology.py, `generate`)
makes simulated histories with ground truth.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from healthdesk.band.whoop4.constants import RECORD_PERIOD_TICKS, SUBSEC_PER_SECOND, EventId, PacketType
from healthdesk.band.whoop4.decode import RECORD_DTYPE

from . import frames as fb

RUN_LENGTH = 10  # records are replayed in runs of 10 (one flash page, band-protocol §6.2)
LOG_EVERY_RUNS = 36  # a console log about every 6 minutes of records
CONDITION_EVERY_RUNS = 90  # battery + strap condition about every 15 minutes
OFF_WRIST_GAP_S = 30  # a gap longer than this between records means the band was off the wrist
OFF_WRIST_RUN = 60  # this many records in a row without a heart rate: off the wrist


def tick_times(start_unix: int, start_subsec: int, n: int) -> tuple[np.ndarray, np.ndarray]:
    """(unix, subsec) of n records spaced 31504/32768 s apart, exactly as the band's RTC counts them."""
    ticks = np.int64(start_subsec) + np.arange(n, dtype=np.int64) * RECORD_PERIOD_TICKS
    return (start_unix + ticks // SUBSEC_PER_SECOND).astype(np.uint32), (ticks % SUBSEC_PER_SECOND).astype(np.uint16)


def steady_records(n: int, seed: int, start_unix: int, start_counter: int = 100_000) -> np.ndarray:
    """n consecutive worn records: HR wandering around 62 bpm, RR consistent with HR, still gravity."""
    rng = np.random.default_rng(seed)
    out = np.zeros(n, RECORD_DTYPE)
    out["version"] = 24
    out["counter"] = start_counter + np.arange(n)
    out["unix"], out["subsec"] = tick_times(start_unix, int(rng.integers(0, SUBSEC_PER_SECOND)), n)
    hr = 62 + 6 * np.sin(np.arange(n) / 900.0) + rng.normal(0, 1.5, n)
    out["hr"] = np.clip(np.round(hr), 40, 180).astype(np.uint8)
    rr_ms = np.round(60000.0 / out["hr"].astype(float))
    out["rr_count"] = rng.integers(0, 3, n)
    jitter = rng.normal(0, 25, (n, 4))
    rr = np.clip(rr_ms[:, None] + jitter, 300, 2000).astype(np.uint16)
    out["rr"] = np.where(np.arange(4)[None, :] < out["rr_count"][:, None], rr, 0)
    tilt = rng.normal(0, 0.02, (n, 3)).cumsum(axis=0) * 0.01
    g = np.array([0.05, 0.2, 0.98]) + tilt
    out["gravity"] = (g / np.linalg.norm(g, axis=1)[:, None]).astype(np.float32)
    return out


@dataclass
class History:
    """Records a simulated band holds, and the generator's ground truth (JSON) when a generator produced them."""

    records: np.ndarray
    truth_json: str | None = None


def generate(days: int, seed: int, start_unix: int, scenario: str = "stationary") -> History:
    """A simulated history from the physiology generator, with its ground truth as JSON."""
    from healthdesk.band.sim.physiology import generate_history

    hist = generate_history(days=days, seed=seed, start_unix=start_unix, scenario=scenario)
    return History(np.asarray(hist.records, RECORD_DTYPE), hist.truth.to_json())


def _wrist_changes(records: np.ndarray) -> dict[int, list[tuple[int, int]]]:
    """Before which record to store WRIST_OFF / WRIST_ON events: at gaps between records, and around runs of
    at least OFF_WRIST_RUN records without a heart rate (the generator stores off-wrist ticks with hr 0)."""
    unix = records["unix"].astype(np.int64)
    changes: dict[int, list[tuple[int, int]]] = {}
    for i in np.flatnonzero(np.diff(unix) > OFF_WRIST_GAP_S) + 1:
        changes.setdefault(int(i), []).extend([(EventId.WRIST_OFF, int(unix[i - 1]) + 1),
                                               (EventId.WRIST_ON, int(unix[i]) - 1)])
    off = np.concatenate(([0], (records["hr"] == 0).astype(np.int8), [0]))
    starts, stops = np.flatnonzero(np.diff(off) == 1), np.flatnonzero(np.diff(off) == -1)
    for a, b in zip(starts, stops, strict=True):
        if b - a >= OFF_WRIST_RUN:
            changes.setdefault(int(a), []).append((EventId.WRIST_OFF, int(unix[a])))
            if b < len(records):
                changes.setdefault(int(b), []).append((EventId.WRIST_ON, int(unix[b])))
    return changes


def compose_flash(records: np.ndarray, *, battery_percent: float = 87.0, seed: int = 0) -> list[bytes]:
    """Stored frames in replay order: runs of 10 records with events and console logs between them."""
    rec_frames = fb.record_frames(records)
    out: list[bytes] = []
    seq = seed & 0xFF
    unix = records["unix"].astype(np.int64)
    soc = battery_percent
    changes = _wrist_changes(records)
    for run, start in enumerate(range(0, len(rec_frames), RUN_LENGTH)):
        stop = min(start + RUN_LENGTH, len(rec_frames))
        for i in range(start, stop):
            for event_id, t in changes.get(i, ()):
                out.append(fb.event_frame(seq, event_id, t))
                seq += 1
            out.append(rec_frames[i])
        t, sub = int(unix[stop - 1]), int(records["subsec"][stop - 1])
        if run % LOG_EVERY_RUNS == LOG_EVERY_RUNS - 1:
            text = f"  8, {t % 10**9}: Sensors: HR {int(records['hr'][stop - 1])} bpm, stored page {run}\n"
            logs = fb.console_log_frames(seq, t, sub, text)
            out.extend(logs)
            seq += len(logs)
        if run % CONDITION_EVERY_RUNS == CONDITION_EVERY_RUNS - 1:
            soc = max(soc - 0.3, 5.0)
            out.append(fb.battery_event(seq, t, sub, soc, 3700 + int(soc * 5), charging=False))
            out.append(fb.strap_condition_event(seq + 1, t, sub, pages_behind=run, percent=soc))
            seq += 2
    return out


def is_record(frame: bytes) -> bool:
    return len(frame) > 4 and frame[4] == PacketType.HISTORICAL_DATA
