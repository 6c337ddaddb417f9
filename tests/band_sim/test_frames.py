"""Band -> host frames of the simulator are byte-identical to real captures (band-protocol §3.4)."""

from __future__ import annotations

import json

import numpy as np

from healthdesk.band.sim import frames as fb
from healthdesk.band.sim.flash import compose_flash, steady_records, tick_times
from healthdesk.band.whoop4.constants import RECORD_PERIOD_TICKS, SUBSEC_PER_SECOND
from healthdesk.band.whoop4.framing import parse_frame

H = bytes.fromhex


def test_history_end_matches_real_capture():
    real = H("aa1c00ab311002a9fc83672053370000" "00257e00000a000000000000" "7ac020f8")
    assert fb.history_end(0x10, 1736703145, 0x5320, 55, H("257e00000a000000")) == real


def test_realtime_frame_matches_real_capture():
    real = H("aa1800ff2802ad896566f065420167060000000000000101" "3ba00d4d")
    assert fb.realtime_frame(1717930413, 0x65F0, 66, [1639]) == real


def test_battery_response_and_wrist_event_match_real_captures():
    assert fb.response(1, 0x1A, 1, 1, fb.battery_body(92.6)) == H("aa10005724011a01019e0300000000001b835273")
    assert fb.event_frame(0x7E, 9, 1735322050, 0x5D68) == H("aa100057307e0900c2e96e67685d0000a2a61c12")


def test_response_and_metadata_lengths_follow_the_documented_layouts():
    assert len(parse_frame(fb.response(0, 0x23, 0, 1, fb.hello_body(69.8, False, 1, 2, "4C0000001", True)))) == 136
    assert len(parse_frame(fb.response(0, 0x07, 0, 1, fb.version_body()))) == 76
    assert len(parse_frame(fb.history_start(1, 2, 3))) == 40
    assert len(parse_frame(fb.history_complete(1, 2, 3))) == 12
    assert [len(parse_frame(f)) for f in fb.console_log_frames(0, 1, 2, "x" * 60)] == [64, 64]


def test_record_frames_keep_template_and_overwrite_only_known_fields(reference_frames):
    records = steady_records(25, seed=3, start_unix=1_760_000_000)
    frames = fb.record_frames(records)
    template = bytes.fromhex(json.loads((reference_frames / "openstrap-protocol" / "dart_header.json")
                                        .read_text())[0]["hex"])
    assert template == fb.V24_TEMPLATE_INNER
    known = set(range(3, 13)) | {17, 18} | set(range(19, 27)) | set(range(36, 48)) | set(range(52, 64))
    for rec, frame in zip(records, frames, strict=True):
        inner = parse_frame(frame)
        assert len(inner) == 96
        assert all(inner[i] == template[i] for i in range(96) if i not in known)
        assert int.from_bytes(inner[3:7], "little") == rec["counter"]
        assert int.from_bytes(inner[7:11], "little") == rec["unix"]
        assert int.from_bytes(inner[11:13], "little") == rec["subsec"]
        assert inner[17] == rec["hr"] and inner[18] == rec["rr_count"]
        rr = np.frombuffer(inner[19:27], "<u2")
        assert list(rr[: rec["rr_count"]]) == list(rec["rr"][: rec["rr_count"]]) and not rr[rec["rr_count"]:].any()
        assert inner[36:48] == inner[52:64] == rec["gravity"].astype("<f4").tobytes()


def test_tick_times_advance_31504_ticks():
    unix, subsec = tick_times(1000, 32000, 40)
    t = unix.astype(np.int64) * SUBSEC_PER_SECOND + subsec
    assert set(np.diff(t)) == {RECORD_PERIOD_TICKS}


def test_compose_flash_runs_of_ten_with_events_and_logs():
    records = steady_records(3000, seed=1, start_unix=1_760_000_000)
    records["unix"][1500:] += 600  # a ten-minute off-wrist gap
    flash = compose_flash(records)
    kinds = [f[4] for f in flash]
    assert kinds.count(0x2F) == 3000
    assert kinds.count(0x32) > 0 and kinds.count(0x30) >= 2
    # wrist off/on bracket the gap
    events = [(f[6], int.from_bytes(f[8:12], "little")) for f in flash if f[4] == 0x30]
    assert (10, int(records["unix"][1499]) + 1) in events and (9, int(records["unix"][1500]) - 1) in events
    # records appear in stored order and non-record frames sit only between runs of 10 (or at the gap)
    counters = [int.from_bytes(f[7:11], "little") for f in flash if f[4] == 0x2F]
    assert counters == list(records["counter"])
