"""The decoder's output assembly (records written into one growing array, per-length row blocks) gives the same
batch however the input is cut into chunks, and the same records as a plain per-frame struct decode."""

from __future__ import annotations

import math
import random
import struct

import numpy as np
import pytest

from healthdesk.band.whoop4 import decode
from healthdesk.band.whoop4.decode import RECORD_DTYPE, DecodedBatch, decode_frames, decode_hex_lines
from healthdesk.band.whoop4.framing import FrameError, build_frame, parse_frame

from .test_decode_captures import EXPECTED_CONTENT

RECORD = struct.Struct("<xBxIIH4xBB4H9x3f")  # inner: version, counter, unix, subsec, HR, RR count, 4 RR, gravity
ARRAYS = ("records", "imu", "events", "metadata", "realtime")
LISTS = ("event_bodies", "logs", "responses", "commands", "unknown", "valid_frames")


def oracle_records(lines: list[str]) -> list[tuple]:
    """v12/v24 records of the lines that framing.parse_frame accepts, one frame at a time with struct."""
    out = []
    for line in lines:
        try:
            inner = parse_frame(bytes.fromhex(line))
        except (ValueError, FrameError):
            continue
        if inner[0] in (0x2F, 0x2B) and (inner[1], len(inner)) in ((12, 88), (24, 96)):
            version, counter, unix, subsec, hr, count, *rest = RECORD.unpack_from(inner)
            count = min(count, 4)
            rr = [v if i < count else 0 for i, v in enumerate(rest[:4])]
            gravity = rest[4:] if all(math.isfinite(g) for g in rest[4:]) else (math.nan,) * 3
            out.append((version, counter, unix, subsec, hr, count, rr, gravity))
    return out


def assert_records_equal(records: np.ndarray, expected: list[tuple]) -> None:
    want = np.array(expected, RECORD_DTYPE)
    assert len(records) == len(want)
    for name in RECORD_DTYPE.names:  # gravity: NaN where the oracle saw a non-finite value
        assert np.array_equal(records[name], want[name], equal_nan=name == "gravity"), name


def assert_same_batch(a: DecodedBatch, b: DecodedBatch) -> None:
    assert a.frames_total == b.frames_total and a.invalid == b.invalid
    for name in ARRAYS:
        assert getattr(a, name).dtype == getattr(b, name).dtype
        assert getattr(a, name).tobytes() == getattr(b, name).tobytes(), name
    for name in LISTS:
        assert getattr(a, name) == getattr(b, name), name


def decode_in_tiny_pieces(text: bytes, monkeypatch) -> DecodedBatch:
    """Many chunks (of a prime size, so record runs straddle them), many hex pieces, and a record array that starts at one row and has to grow."""
    with monkeypatch.context() as m:
        m.setattr(decode, "CHUNK_FRAMES", 97)  # ~150 chunks for the overnight file: each costs a few ms
        m.setattr(decode, "HEX_CHUNK_BYTES", 3000)
        m.setattr(decode, "_MIN_RECORD_LINE", 1 << 40)
        return decode_hex_lines(text)


@pytest.mark.parametrize("name", sorted(EXPECTED_CONTENT))
def test_every_capture_decodes_the_same_in_tiny_chunks_and_matches_a_per_frame_decode(capture_dir, name, monkeypatch):
    text = (capture_dir / name).read_bytes()
    whole = decode_hex_lines(text)
    assert_same_batch(decode_in_tiny_pieces(text, monkeypatch), whole)
    expected = oracle_records(text.decode().splitlines())
    assert len(expected) == EXPECTED_CONTENT[name].get("records", 0)
    assert_records_equal(whole.records, expected)


def test_corrupted_capture_decodes_the_same_in_tiny_chunks_and_counts_every_bad_line(overnight_capture, monkeypatch):
    rng = random.Random(20240411)
    lines = overnight_capture.read_text().splitlines()
    damaged = 0
    for i in rng.sample(range(len(lines)), 600):
        frame = bytearray.fromhex(lines[i])
        how = rng.randrange(3)
        if how == 0:  # flip one bit anywhere: header, inner or CRC
            frame[rng.randrange(len(frame))] ^= 1 << rng.randrange(8)
        elif how == 1:  # cut short
            del frame[rng.randrange(1, len(frame)):]
        lines[i] = frame.hex() if how < 2 else lines[i][:50] + "zz" + lines[i][52:]  # or a non-hex digit
        damaged += 1
    text = "\n".join(lines).encode()
    whole = decode_hex_lines(text)
    assert whole.frames_invalid == damaged and len(whole.valid_frames) == len(lines) - damaged
    assert_same_batch(decode_in_tiny_pieces(text, monkeypatch), whole)
    assert_records_equal(whole.records, oracle_records(lines))


def record(version: int, counter: int, hr: int = 64, gravity=(0.1, 0.2, 0.98)) -> bytes:
    inner = bytearray(88 if version == 12 else 96)
    inner[0:2] = bytes((0x2F, version))
    struct.pack_into("<IIH", inner, 3, counter, 1_750_000_000 + counter, 0)
    inner[17] = hr
    struct.pack_into("<3f", inner, 36, *gravity)
    return build_frame(bytes(inner))


def test_records_of_unknown_versions_land_in_input_order_between_known_ones(monkeypatch):
    monkeypatch.setattr(decode, "CHUNK_FRAMES", 4)
    versions = [12, 30, 24, 12, 30, 30, 24, 12, 24, 30]
    frames = [record(v, counter=i) for i, v in enumerate(versions)]
    frames.insert(5, record(31, counter=99, hr=0))  # implausible: raw inner in `unknown`, not a record
    batch = decode_frames(frames)
    assert batch.records["counter"].tolist() == list(range(len(versions)))
    assert batch.records["version"].tolist() == versions
    assert batch.unknown == [frames[5][4:-4]] and batch.valid_frames == frames


def test_a_mostly_non_record_batch_keeps_no_oversized_record_buffer():
    meta = build_frame(bytes((0x31, 7, 1)) + bytes(37))
    batch = decode_frames([record(24, 1)] + [meta] * 5000 + [record(12, 2)])
    assert batch.records["counter"].tolist() == [1, 2] and len(batch.metadata) == 5000
    assert batch.records.base is None or batch.records.base.nbytes <= 2 * batch.records.nbytes


@pytest.mark.parametrize("layout", ["{a}\n\n{b}\n{c}", "\n{a}\n{b}\n\n\n{c}\n\n", "{a}\n{b}\n{c}\n", "{a}\n{b}\n{c}"])
def test_blank_lines_between_clean_hex_lines_are_skipped(layout, monkeypatch):
    monkeypatch.setattr(decode, "HEX_CHUNK_BYTES", 250)  # pieces that start or end next to a blank line
    frames = [record(24, counter=i) for i in range(3)]
    batch = decode_hex_lines(layout.format(a=frames[0].hex(), b=frames[1].hex(), c=frames[2].hex()))
    assert batch.valid_frames == frames and batch.frames_total == 3 and not batch.invalid
    assert batch.records["counter"].tolist() == [0, 1, 2]
