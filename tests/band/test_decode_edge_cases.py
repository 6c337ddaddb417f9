"""Decoder rules on hand-built frames: NaN gravity, RR slots, unknown versions, routing, chunking, bad input."""

from __future__ import annotations

import struct
from collections import Counter

import numpy as np
import pytest

from healthdesk.band.whoop4 import decode
from healthdesk.band.whoop4.decode import decode_frames, decode_hex_lines
from healthdesk.band.whoop4.framing import build_frame


def record(version: int = 24, counter: int = 1000, unix: int = 1_750_000_000, subsec: int = 100, hr: int = 60,
           rr: tuple[int, ...] = (1000,), rr_count: int | None = None, gravity=(0.0, 0.0, 1.0),
           slots: tuple[int, int, int, int] | None = None) -> bytes:
    """A v12/v24-layout frame (§7.2) with zeros wherever the meaning is unknown."""
    inner = bytearray(88 if version == 12 else 96)
    inner[0:3] = bytes((0x2F, version, 5))
    struct.pack_into("<IIH", inner, 3, counter, unix, subsec)
    inner[17] = hr
    inner[18] = len(rr) if rr_count is None else rr_count
    struct.pack_into("<4H", inner, 19, *(slots or (tuple(rr) + (0, 0, 0, 0))[:4]))
    struct.pack_into("<3f", inner, 36, *gravity)
    struct.pack_into("<3f", inner, 52, *gravity)
    return build_frame(bytes(inner))


def test_non_finite_gravity_keeps_hr_and_rr_and_marks_the_vector_unknown():
    batch = decode_frames([record(hr=71, rr=(845,), gravity=(float("nan"), 0.1, 1.0)),
                           record(counter=1001, gravity=(0.2, float("inf"), 1.0)),
                           record(counter=1002, gravity=(0.2, 0.3, 0.9))])
    r = batch.records
    assert r["hr"][0] == 71 and list(r["rr"][0]) == [845, 0, 0, 0] and r["rr_count"][0] == 1
    assert np.isnan(r["gravity"][:2]).all()
    assert np.allclose(r["gravity"][2], [0.2, 0.3, 0.9])


def test_rr_count_is_capped_at_four_and_unused_slots_are_zeroed():
    batch = decode_frames([record(rr_count=9, slots=(800, 810, 820, 830)),
                           record(counter=1001, rr_count=2, slots=(900, 910, 555, 666)),
                           record(counter=1002, rr_count=0, slots=(1, 2, 3, 4))])
    r = batch.records
    assert r["rr_count"].tolist() == [4, 2, 0]
    assert r["rr"].tolist() == [[800, 810, 820, 830], [900, 910, 0, 0], [0, 0, 0, 0]]


def test_unknown_versions_use_the_v24_map_only_when_plausible():
    plausible = record(version=9, hr=64, gravity=(0.1, 0.2, 0.98))
    no_hr = record(version=9, counter=1001, hr=0)
    flat = record(version=9, counter=1002, hr=70, gravity=(0.0, 0.0, 0.3))
    v25 = record(version=25, counter=1003, hr=70)  # never guessed (§7.3)
    batch = decode_frames([plausible, no_hr, flat, v25])
    assert batch.records["version"].tolist() == [9] and batch.records["hr"].tolist() == [64]
    assert batch.invalid == Counter(unknown_version=3)
    assert batch.unknown == [f[4:-4] for f in (no_hr, flat, v25)]
    assert len(batch.valid_frames) == 4


def test_records_keep_input_order_across_versions_and_chunks(monkeypatch):
    monkeypatch.setattr(decode, "CHUNK_FRAMES", 3)
    frames = [record(version=12 if i % 3 else 24, counter=i) for i in range(10)]
    frames.insert(4, build_frame(bytes((0x31, 7, 1)) + bytes(37)))  # HISTORY_START between them
    batch = decode_frames(frames)
    assert batch.records["counter"].tolist() == list(range(10))
    assert batch.records["version"].tolist() == [24 if i % 3 == 0 else 12 for i in range(10)]
    assert batch.valid_frames == frames and len(batch.metadata) == 1


def test_a_cut_notification_is_found_across_a_chunk_boundary(monkeypatch):
    monkeypatch.setattr(decode, "CHUNK_FRAMES", 2)
    first = record(counter=1)
    stale = record(counter=2)[:20] + first[20:]  # 20 new bytes, the rest left over from `first`
    batch = decode_frames([record(counter=0), first, stale, record(counter=3)])
    assert batch.invalid == Counter(truncated=1)
    assert batch.records["counter"].tolist() == [0, 1, 3]


def test_routing_of_short_and_unknown_inners():
    short_end = build_frame(bytes((0x31, 1, 2)) + bytes(9))  # HISTORY_END needs 21 inner bytes
    complete = build_frame(bytes((0x31, 2, 3)) + struct.pack("<IH", 1_750_000_000, 5) + bytes(3))
    alien = build_frame(b"\x55\x01\x02\x03")
    tiny_response = build_frame(b"\x24\x01\x02\x03")
    battery_short = build_frame(bytes((0x30, 9, 3, 0)) + struct.pack("<IHH", 1_750_000_000, 0, 4) + b"\x02\x10\x02\x00")
    batch = decode_frames([short_end, complete, alien, tiny_response, battery_short])
    assert batch.invalid == Counter(short_inner=2, unknown_type=1)
    assert batch.unknown == [short_end[4:-4], alien[4:-4], tiny_response[4:-4]]
    assert batch.metadata["kind"].tolist() == [3] and batch.metadata["frame_count"].tolist() == [0]
    (event,) = batch.events
    assert event["body_len"] == 4 and np.isnan(event["battery_pct"]) and event["battery_mv"] == -1
    assert batch.event_bodies == [b"\x02\x10\x02\x00"]


def test_frames_that_are_not_bytes_are_counted():
    good = record()
    batch = decode_frames([good, "aa08", None, bytearray(good), memoryview(good)])
    assert batch.invalid == Counter(not_bytes=2)
    assert batch.frames_total == 5 and len(batch.records) == 3
    assert decode_frames(42).invalid == Counter(not_bytes=1)


@pytest.mark.parametrize(("text", "invalid", "total"), [
    ("", Counter(empty=1), 0),
    ("\n\n  \r\n", Counter(empty=1), 0),
    (b"\x00\xff\xfe binary\x89PNG\n", Counter(not_hex=1), 1),
    ("hello\nzz\n", Counter(not_hex=2), 2),
    ("aa0800a8230023\n", Counter(truncated=1), 1),
    ("aa0800a823002300ada86a2\n", Counter(not_hex=1), 1),  # odd number of digits
])
def test_bad_hex_input_is_counted_not_raised(text, invalid, total):
    batch = decode_hex_lines(text)
    assert batch.invalid == invalid and batch.frames_total == total and not batch.valid_frames


def test_hex_lines_mixed_with_junk_still_decode_the_good_lines(monkeypatch):
    monkeypatch.setattr(decode, "HEX_CHUNK_BYTES", 64)  # force many chunks, cut only at newlines
    frames = [record(counter=i) for i in range(5)]
    lines = [f.hex() for f in frames]
    lines.insert(2, "not a frame")
    lines.insert(4, "")
    text = "\r\n".join(lines[:3]) + "\n" + "\n".join(lines[3:])  # mixed line endings, no final newline
    batch = decode_hex_lines(text)
    assert batch.valid_frames == frames and batch.records["counter"].tolist() == list(range(5))
    assert batch.invalid == Counter(not_hex=1) and batch.frames_total == 6


def test_decode_hex_file_reads_through_mmap_like_decode_hex_lines(tmp_path, monkeypatch):
    monkeypatch.setattr(decode, "HEX_CHUNK_BYTES", 100)
    frames = [record(counter=i) for i in range(7)]
    path = tmp_path / "capture.txt"
    path.write_text("\n".join(f.hex() for f in frames[:3]) + "\nzz\n\n" + "\n".join(f.hex() for f in frames[3:]))
    from_file = decode.decode_hex_file(path)
    assert from_file.valid_frames == frames and from_file.invalid == Counter(not_hex=1)
    assert np.array_equal(from_file.records, decode_hex_lines(path.read_bytes()).records)
    (tmp_path / "empty.txt").write_bytes(b"")
    assert decode.decode_hex_file(tmp_path / "empty.txt").invalid == Counter(empty=1)
    with pytest.raises(FileNotFoundError):
        decode.decode_hex_file(tmp_path / "missing.txt")
