"""Frame archive and sample chunk codecs: lossless for any input, compact for real-looking records."""

from __future__ import annotations

import zlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from healthdesk.core.models import SAMPLE_DTYPE
from healthdesk.store.codec import CorruptBlob, pack_frames, pack_samples, unpack_frames, unpack_samples


@settings(max_examples=60, deadline=None)
@given(st.lists(st.binary(max_size=300), max_size=2500))
def test_frame_archive_round_trips_any_frames_in_order(frames):
    assert unpack_frames(pack_frames(frames)) == frames


def test_frame_archive_round_trips_many_equal_length_frames(make_samples, make_frames):
    frames = make_frames(make_samples(3000))
    frames.insert(1500, b"\xaa\x00")  # a truncated frame in the middle keeps its place
    blob = pack_frames(frames)
    assert unpack_frames(blob) == frames
    assert len(blob) < sum(map(len, frames)) / 4


def test_large_archives_are_compressed_in_segments_and_round_trip(make_samples, make_frames):
    frames = make_frames(make_samples(25_000))  # 2.6 MB of frames: two zlib segments
    blob = pack_frames(frames)
    assert int.from_bytes(blob[:2], "little") == 2
    assert unpack_frames(blob) == frames
    with pytest.raises(CorruptBlob):
        unpack_frames(blob + b"x")


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 5000), st.integers(0, 2**32 - 1), st.integers(0, 2**32 - 1))
def test_sample_chunk_round_trips_bit_exactly(n, counter0, unix0):
    rng = np.random.default_rng(n)
    samples = np.frombuffer(rng.bytes(n * SAMPLE_DTYPE.itemsize), SAMPLE_DTYPE).copy()
    samples["version"] = 12
    samples["counter"] = (counter0 + np.arange(n, dtype=np.int64)) % 2**32  # wraps through 2**32 too
    samples["unix"] = (unix0 + np.arange(n, dtype=np.int64)) % 2**32
    decoded = unpack_samples(pack_samples(samples), 12)
    assert decoded.tobytes() == samples.tobytes()  # NaN payloads included


def test_corrupt_blobs_raise_one_error_type():
    for blob in (b"", b"not zlib", zlib.compress(b"\x09\x00\x00\x00\x00"), zlib.compress(b"\x01\xff\xff")):
        with pytest.raises(CorruptBlob):
            unpack_frames(blob)
        with pytest.raises(CorruptBlob):
            unpack_samples(blob, 24)
