"""Property tests: framing round trip, reassembly under any chunking, corruption never raises and is counted."""

from __future__ import annotations

from collections import Counter

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from healthdesk.band.whoop4.decode import decode_frames, decode_hex_lines
from healthdesk.band.whoop4.framing import (
    FrameReassembler,
    build_frame,
    crc8,
    pad_inner,
    parse_frame,
    reassemble,
)

WIRE_REASONS = {"truncated", "bad_sof", "bad_header_crc", "bad_length", "bad_crc32"}
UNDECODED = {"unknown_type", "unknown_version", "short_inner"}  # CRC-valid, kept raw
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

inners = st.binary(min_size=1, max_size=160)
# Real packet types (so the frames also exercise the decoders) or anything at all.
typed_inners = st.one_of(
    inners,
    st.tuples(st.sampled_from([0x23, 0x24, 0x28, 0x2B, 0x2F, 0x30, 0x31, 0x32]), st.binary(max_size=120)).map(
        lambda t: bytes([t[0]]) + t[1]
    ),
)
frames_lists = st.lists(typed_inners.map(build_frame), min_size=1, max_size=8)


@SETTINGS
@given(inners)
def test_build_then_parse_round_trips_any_inner(inner):
    frame = build_frame(inner)
    assert parse_frame(frame) == pad_inner(inner)
    assert len(frame) == 4 + len(pad_inner(inner)) + 4
    if len(inner) >= 4:
        assert parse_frame(build_frame(inner, pad=False)) == inner
    batch = decode_frames([frame])
    assert batch.valid_frames == [frame] and batch.frames_total == 1
    assert set(batch.invalid) <= UNDECODED


def _stream(frames: list[bytes], gaps: list[bytes]) -> bytes:
    return b"".join(gap + frame for gap, frame in zip(gaps, frames, strict=False)) + gaps[-1]


def _chunks(stream: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({0, len(stream), *(c % (len(stream) + 1) for c in cuts)})
    return [stream[a:b] for a, b in zip(points, points[1:], strict=False)]


clean_gap = st.tuples(st.integers(0, 6), st.binary(max_size=10).map(lambda b: b.replace(b"\xaa", b"\x55"))).map(
    lambda t: b"\x00" * t[0] + t[1]
)


@SETTINGS
@given(frames_lists, st.data())
def test_reassembler_yields_the_frames_for_any_chunking_padding_and_garbage(frames, data):
    gaps = data.draw(st.lists(clean_gap, min_size=len(frames) + 1, max_size=len(frames) + 1))
    stream = _stream(frames, gaps)
    cuts = data.draw(st.lists(st.integers(0, 10_000), max_size=20))
    assert reassemble(_chunks(stream, cuts)) == frames
    assert reassemble([bytes([b]) for b in stream]) == frames  # one byte per notification


@SETTINGS
@given(frames_lists, st.lists(st.binary(max_size=12), min_size=9, max_size=9), st.lists(st.integers(0, 10_000)))
def test_reassembler_output_depends_only_on_the_bytes(frames, gaps, cuts):
    stream = _stream(frames, gaps[: len(frames) + 1])  # garbage may hold 0xAA and false headers
    whole = reassemble([stream])
    assert reassemble(_chunks(stream, cuts)) == whole
    for frame in whole:
        parse_frame(frame)


@SETTINGS
@given(frames_lists, st.lists(st.binary(max_size=12), min_size=9, max_size=9), st.lists(st.integers(0, 10_000)),
       st.integers(8, 4096).map(lambda n: n - n % 4))
def test_reassembler_finish_recovers_frames_behind_a_false_header(frames, gaps, cuts, declared):
    length = declared.to_bytes(2, "little")
    false_header = b"\xaa" + length + bytes([crc8(length)])  # passes the header check, waits for `declared`
    gaps = gaps[: len(frames) + 1]
    gaps[-2] += false_header  # right before the last frame, so it hides it when `declared` reaches past the end
    stream = _stream(frames, gaps)
    assert reassemble(_chunks(stream, cuts), finish=True) == frames
    reassembler = FrameReassembler()
    reassembler.feed(stream)
    reassembler.finish()
    assert reassembler.pending == 0 and reassembler.feed(frames[0]) == [frames[0]]  # reusable


mutation = st.one_of(
    st.tuples(st.just("flip"), st.integers(0, 10_000), st.integers(1, 255)),
    st.tuples(st.just("cut"), st.integers(0, 10_000), st.just(0)),
    st.tuples(st.just("extend"), st.integers(1, 8), st.just(0)),
    st.tuples(st.just("replace"), st.integers(0, 200), st.just(0)),
)


def _mutate(frame: bytes, how: tuple[str, int, int], data) -> bytes:
    kind, where, value = how
    if kind == "flip":
        i = where % len(frame)
        return frame[:i] + bytes([frame[i] ^ value]) + frame[i + 1 :]
    if kind == "cut":
        return frame[: where % len(frame)]
    if kind == "extend":
        return frame + data.draw(st.binary(min_size=where, max_size=where))
    return data.draw(st.binary(max_size=where))


@SETTINGS
@given(frames_lists, st.data())
def test_decoder_counts_every_corrupted_frame_and_never_raises(frames, data):
    hows = data.draw(st.lists(st.one_of(st.none(), mutation), min_size=len(frames), max_size=len(frames)))
    received = [f if how is None else _mutate(f, how, data) for f, how in zip(frames, hows, strict=True)]
    damaged = [r != f for r, f in zip(received, frames, strict=True)]
    batch = decode_frames(received)
    assert batch.frames_total == len(received)
    assert batch.valid_frames == [r for r, bad in zip(received, damaged, strict=True) if not bad]
    wire = Counter({k: v for k, v in batch.invalid.items() if k not in UNDECODED})
    assert set(wire) <= WIRE_REASONS and sum(wire.values()) == sum(damaged)


@SETTINGS
@given(frames_lists, st.lists(st.tuples(st.integers(0, 10_000), st.integers(1, 255)), min_size=1, max_size=6),
       st.lists(st.integers(0, 10_000), max_size=10))
def test_reassembler_drops_corrupted_frames_and_never_raises(frames, flips, cuts):
    original = b"".join(frames)
    stream = bytearray(original)
    for where, value in flips:
        stream[where % len(stream)] ^= value
    reassembler = FrameReassembler()
    out = [f for chunk in _chunks(bytes(stream), cuts) for f in reassembler.feed(chunk)]
    reassembler.flush()
    intact, at = [], 0
    for frame in frames:
        if stream[at : at + len(frame)] == frame:
            intact.append(frame)
        at += len(frame)
    remaining = iter(intact)
    assert all(any(f == g for g in remaining) for f in out)  # an in-order subsequence: nothing damaged or invented


@SETTINGS
@given(st.one_of(st.text(max_size=300), st.binary(max_size=300)))
def test_hex_reader_never_raises_and_counts_every_line(text):
    batch = decode_hex_lines(text)
    data = text.encode("utf-8", "replace") if isinstance(text, str) else text
    lines = sum(1 for line in data.split(b"\n") if line.strip())
    assert batch.frames_total == lines
    assert len(batch.valid_frames) + sum(v for k, v in batch.invalid.items() if k not in UNDECODED | {"empty"}) == lines
    assert ("empty" in batch.invalid) == (lines == 0)


@SETTINGS
@given(frames_lists, st.data())
def test_hex_reader_round_trips_frames_with_any_line_endings_and_case(frames, data):
    lines = []
    for frame in frames:
        text = frame.hex().upper() if data.draw(st.booleans()) else frame.hex()
        lines.append(text + data.draw(st.sampled_from(["\n", "\r\n", "\n\n", "  \n"])))
    batch = decode_hex_lines("".join(lines))
    assert batch.valid_frames == frames and batch.frames_total == len(frames)
