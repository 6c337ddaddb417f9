"""The real BW-RE capture files decode exactly (reference-frames/README.md §2, band-protocol.md §6.2, §7.1)."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from healthdesk.band.whoop4.constants import RECORD_PERIOD_TICKS, SUBSEC_PER_SECOND, MetadataType
from healthdesk.band.whoop4.decode import decode_frames, decode_hex_file, decode_hex_lines
from healthdesk.band.whoop4.framing import FrameError, parse_frame

DATA = "61080005-8d6d-82b8-614a-1c8cb0f8dcc6"
# Per file: what the README table says the file holds (packet type / record version / metadata kind counts).
EXPECTED_CONTENT = {
    "61080003-8d6d-82b8-614a-1c8cb0f8dcc6.txt": {"responses": 16},
    "61080004-8d6d-82b8-614a-1c8cb0f8dcc6-overnight.txt": {"events": 2},
    f"{DATA}-overnight.txt": {"records": 12984, "start": 264, "end": 263, "complete": 0, "events": 54, "logs": 124},
    f"{DATA}.txt": {"records": 569, "start": 14, "end": 14, "complete": 2, "logs": 130},
    f"{DATA}-reloading-20.50.txt": {"records": 105, "start": 4, "end": 4, "complete": 3, "logs": 42},
    f"{DATA}-reloading-22.25-after-5mins.txt": {"records": 423, "start": 8, "end": 12, "complete": 4, "logs": 162},
    f"{DATA}-periodicly.txt": {"records": 487, "start": 16, "end": 20, "complete": 16},
    f"{DATA}-health-monitor-29.3.17.05.txt": {"realtime": 228},
    f"{DATA}-health-monitor-29.3.17.22.txt": {"realtime": 35},
    f"{DATA}-health-monitor-29.3.18.38.txt": {"realtime": 57},
    f"{DATA}-health-monitor-29.3.18.49.txt": {"realtime": 311},
    "captured-packages-write.txt": {"commands": 6002, "responses": 5},
}
# captured-packages-write.txt: the 7 stray HELLO responses whose notification was cut (1-based line numbers).
WRITE_TRUNCATED_LINES = set(range(1922, 1929))


def _content(batch) -> Counter:
    kinds = Counter(batch.metadata["kind"].tolist())
    return Counter(
        {
            "records": len(batch.records), "events": len(batch.events), "logs": len(batch.logs),
            "realtime": len(batch.realtime), "responses": len(batch.responses), "commands": len(batch.commands),
            "start": kinds[MetadataType.HISTORY_START], "end": kinds[MetadataType.HISTORY_END],
            "complete": kinds[MetadataType.HISTORY_COMPLETE],
        }
    )


def test_the_readme_lists_every_capture_file(capture_dir):
    assert sorted(p.name for p in capture_dir.glob("*.txt")) == sorted(EXPECTED_CONTENT)


@pytest.mark.parametrize("name", sorted(EXPECTED_CONTENT))
def test_every_capture_frame_passes_both_crcs_and_decodes_to_the_readme_content(capture_dir, name):
    lines = (capture_dir / name).read_text().splitlines()
    batch = decode_hex_lines((capture_dir / name).read_bytes())
    truncated = WRITE_TRUNCATED_LINES if name == "captured-packages-write.txt" else set()

    assert batch.frames_total == len(lines)
    assert batch.invalid == (Counter(truncated=len(truncated)) if truncated else Counter())
    kept = [bytes.fromhex(line) for number, line in enumerate(lines, 1) if number not in truncated]
    assert batch.valid_frames == kept
    for frame in kept:  # the framing module agrees, frame by frame, and every inner is 4-aligned
        assert len(parse_frame(frame)) % 4 == 0
    expected = Counter(EXPECTED_CONTENT[name])
    assert +_content(batch) == +expected
    assert not batch.unknown
    from_file = decode_hex_file(capture_dir / name)
    assert from_file.valid_frames == batch.valid_frames and from_file.invalid == batch.invalid
    assert from_file.records.tobytes() == batch.records.tobytes()


def test_the_seven_truncated_write_lines_are_cut_notifications_not_data(capture_dir):
    """Each bad line = its own first 20-byte notification + the stale rest of the previous valid frame."""
    lines = (capture_dir / "captured-packages-write.txt").read_text().splitlines()
    previous = bytes.fromhex(lines[1920])  # line 1921, a valid HELLO response
    for number in sorted(WRITE_TRUNCATED_LINES):
        frame = bytes.fromhex(lines[number - 1])
        with pytest.raises(FrameError) as error:
            parse_frame(frame)
        assert error.value.reason == "bad_crc32"
        assert frame[20:] == previous[20:] and frame[:20] != previous[:20]
    assert decode_frames([bytes.fromhex(lines[n - 1]) for n in sorted(WRITE_TRUNCATED_LINES)]).invalid == Counter(
        bad_crc32=7  # without the frame they were cut from, nothing says "truncated": counted as CRC failures
    )


def test_overnight_capture_has_12984_unique_v12_records(overnight_batch):
    records = overnight_batch.records
    assert len(records) == 12984
    assert set(records["version"].tolist()) == {12}
    assert len({(int(r["version"]), int(r["counter"])) for r in records}) == 12984
    assert (records["hr"] > 0).mean() > 0.9
    norms = np.linalg.norm(records["gravity"], axis=1)
    assert abs(float(np.median(norms)) - 1.02) < 0.03  # README: |g| ~ 1.02
    assert records["rr_count"].max() <= 4


def test_overnight_metadata_counts_and_each_history_end_counts_its_batch(overnight_batch):
    kinds = overnight_batch.metadata["kind"].tolist()
    assert kinds.count(MetadataType.HISTORY_START) == 264
    assert kinds.count(MetadataType.HISTORY_END) == 263
    assert kinds.count(MetadataType.HISTORY_COMPLETE) == 0
    meta = iter(overnight_batch.metadata)
    since_start, matched, short = None, 0, []
    for frame in overnight_batch.valid_frames:
        if frame[4] != 0x31:
            since_start = None if since_start is None else since_start + 1
            continue
        m = next(meta)
        assert (m["seq"], m["kind"], m["unix"]) == (frame[5], frame[6], int.from_bytes(frame[7:11], "little"))
        if m["kind"] == MetadataType.HISTORY_START:
            since_start = 0
        elif m["kind"] == MetadataType.HISTORY_END:
            assert bytes(m["token"]) == frame[17:25]
            if m["frame_count"] == since_start:
                matched += 1
            else:
                short.append((since_start, int(m["frame_count"])))
            since_start = None
    # 254 of 263 ENDs count exactly the frames since their START. The capture (several reconnects, seq and
    # unix jump back) lost frames around the other 9: they saw fewer frames than declared (or no START:
    # None), never more. Pinned so that any decoder change that shifts a frame shows up here.
    assert matched == 254
    assert sorted(short, key=str) == sorted(
        [(0, 50), (13, 50), (44, 53), (38, 53), (11, 53), (39, 50), (22, 50), (None, 51), (None, 50)], key=str
    )


def test_overnight_records_are_31504_ticks_apart(overnight_batch):
    records = np.sort(overnight_batch.records, order="counter")
    ticks = records["unix"].astype(np.int64) * SUBSEC_PER_SECOND + records["subsec"]
    consecutive = np.diff(records["counter"].astype(np.int64)) == 1
    error_s = (np.diff(ticks)[consecutive] - RECORD_PERIOD_TICKS) / SUBSEC_PER_SECOND
    assert consecutive.sum() == 12979
    # band-protocol §7.1: 31504/32768 s apart. All but 25 steps are within +-0.001 s (RTC quantisation of
    # 8-tick steps); the 25 others are small clock corrections of 4-15 ms.
    assert (np.abs(error_s) <= 0.001).sum() == 12979 - 25
    assert np.abs(error_s).max() < 0.016
    span = (ticks[-1] - ticks[0]) / (records["counter"][-1] - records["counter"][0])
    assert abs(span - RECORD_PERIOD_TICKS) / SUBSEC_PER_SECOND < 0.001


def test_overnight_events_are_the_replayed_ids(overnight_batch):
    ids = Counter(overnight_batch.events["event_id"].tolist())
    assert set(ids) == {3, 12, 14, 29, 63}
    assert sum(ids.values()) == 54
    battery = overnight_batch.events[overnight_batch.events["event_id"] == 3]
    assert np.all((battery["battery_pct"] > 0) & (battery["battery_pct"] <= 100))
    assert np.all((battery["battery_mv"] > 3000) & (battery["battery_mv"] < 4500))
    condition = overnight_batch.events[overnight_batch.events["event_id"] == 29]
    assert len(condition) == 20 and np.all(condition["battery_pct"] > 0)
    for event, body in zip(overnight_batch.events, overnight_batch.event_bodies, strict=True):
        assert len(body) == event["body_len"]


def test_overnight_console_logs_are_text(overnight_batch):
    text = "".join(log.text for log in overnight_batch.logs)
    assert "Sensors" in text and "\x00" not in text
    assert all(len(log.text) <= 51 for log in overnight_batch.logs)
