"""Compact blobs for the store: the raw frame archive and the 1 Hz sample chunks.

Both codecs rely on the same observation: frames and records of one layout differ from their neighbours in a
few bytes (counter +1, time +0.96 s, slowly drifting sensor values). Laying the bytes out column by column and
storing each column as byte-wise deltas to the previous row turns those into long runs that zlib squeezes well.
"""

from __future__ import annotations

import struct
import zlib
from collections import defaultdict
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from healthdesk.core.models import SAMPLE_DTYPE

FRAMES_FORMAT = 2  # 2: segmented zlib (1 was one zlib stream)
SAMPLES_FORMAT = 1
# Rows per transposed block: small enough that a column repeated elsewhere in the frame (the v12/v24 gravity
# copy at inner 52-63) is still inside zlib's 32 KiB window, large enough for long runs.
_BLOCK_ROWS = 1024
# Measured on the real overnight capture and on synthetic days: level 3 packs the archive within 4 % of
# level 6 in 60 % of the time. Sample chunks are rewritten on every merge (the BLE drain merges 50 records at
# a time): level 1, about 5 % larger than level 6 and twice as fast.
_FRAMES_ZLIB_LEVEL = 3
_SEGMENT_THREADS = 2
_SEGMENT_MIN_BYTES = 1 << 20
_SAMPLES_ZLIB_LEVEL = 1

# A stored chunk row: the sample without its version (the version is part of the chunk's key).
CHUNK_DTYPE = np.dtype([(name, SAMPLE_DTYPE.fields[name][0]) for name in SAMPLE_DTYPE.names if name != "version"])
_DELTA_COLUMNS = ("counter", "unix", "subsec")


class CorruptBlob(ValueError):
    """A stored blob does not decode (wrong format byte, truncated, zlib error)."""


def _delta_rows(matrix: np.ndarray) -> np.ndarray:
    out = matrix.copy()
    out[1:] -= matrix[:-1]  # uint8 arithmetic wraps, cumsum with dtype=uint8 undoes it exactly
    return out


def _transpose_blocks(matrix: np.ndarray) -> bytes:
    rows, width = matrix.shape
    full = rows // _BLOCK_ROWS * _BLOCK_ROWS
    head = matrix[:full].reshape(-1, _BLOCK_ROWS, width).transpose(0, 2, 1).tobytes()
    return head + matrix[full:].T.tobytes()


def _untranspose_blocks(data: memoryview, rows: int, width: int) -> np.ndarray:
    flat = np.frombuffer(data, np.uint8, rows * width)
    full = rows // _BLOCK_ROWS * _BLOCK_ROWS
    head = flat[: full * width].reshape(-1, width, _BLOCK_ROWS).transpose(0, 2, 1).reshape(full, width)
    tail = flat[full * width :].reshape(width, rows - full).T
    return np.concatenate([head, tail])


def pack_frames(frames: Sequence[bytes]) -> bytes:
    """Losslessly pack whole frames (any lengths, any order) into one zlib blob."""
    groups: defaultdict[int, list[bytes]] = defaultdict(list)
    for frame in frames:
        groups[len(frame)].append(frame)
    lengths = np.fromiter(map(len, frames), np.uint32, len(frames))
    parts = [struct.pack("<BI", FRAMES_FORMAT, len(frames)), lengths.tobytes()]
    for width in sorted(groups):
        members = groups[width]
        if width == 0:
            continue
        matrix = np.frombuffer(b"".join(members), np.uint8).reshape(len(members), width)
        parts.append(_transpose_blocks(_delta_rows(matrix)))
    return _compress_segments(b"".join(parts))


def _compress_segments(payload: bytes) -> bytes:
    """zlib in independent segments, compressed on two threads when the payload is large (zlib releases the
    GIL): u16 segment count, u32 compressed sizes, then the segments."""
    count = max(1, min(_SEGMENT_THREADS, len(payload) // _SEGMENT_MIN_BYTES))
    step = -(-len(payload) // count)
    pieces = [payload[i : i + step] for i in range(0, len(payload), step)] or [b""]
    if len(pieces) > 1:
        with ThreadPoolExecutor(max_workers=len(pieces), thread_name_prefix="archive-zlib") as pool:
            compressed = list(pool.map(lambda piece: zlib.compress(piece, _FRAMES_ZLIB_LEVEL), pieces))
    else:
        compressed = [zlib.compress(pieces[0], _FRAMES_ZLIB_LEVEL)]
    sizes = struct.pack(f"<H{len(compressed)}I", len(compressed), *map(len, compressed))
    return sizes + b"".join(compressed)


def _decompress_segments(blob: bytes) -> bytes:
    (count,) = struct.unpack_from("<H", blob)
    sizes = struct.unpack_from(f"<{count}I", blob, 2)
    offset, pieces = 2 + 4 * count, []
    for size in sizes:
        pieces.append(zlib.decompress(blob[offset : offset + size]))
        offset += size
    if offset != len(blob):
        raise CorruptBlob("trailing bytes after the last segment")
    return b"".join(pieces)


def unpack_frames(blob: bytes) -> list[bytes]:
    try:
        data = memoryview(_decompress_segments(blob))
        fmt, count = struct.unpack_from("<BI", data)
        if fmt != FRAMES_FORMAT:
            raise CorruptBlob(f"unknown frame archive format {fmt}")
        lengths = np.frombuffer(data, np.uint32, count, offset=5)
        offset = 5 + 4 * count
        rows_by_width: dict[int, list[bytes]] = {}
        for width in np.unique(lengths).tolist():
            rows = int(np.count_nonzero(lengths == width))
            if width == 0:
                rows_by_width[0] = [b""] * rows
                continue
            deltas = _untranspose_blocks(data[offset : offset + rows * width], rows, width)
            offset += rows * width
            flat = np.cumsum(deltas, axis=0, dtype=np.uint8).tobytes()
            rows_by_width[width] = [flat[i * width : (i + 1) * width] for i in range(rows)]
    except (zlib.error, struct.error, ValueError) as exc:
        raise CorruptBlob(str(exc)) from exc
    cursors = {width: iter(rows) for width, rows in rows_by_width.items()}
    return [next(cursors[width]) for width in lengths.tolist()]


def pack_samples(samples: np.ndarray) -> bytes:
    """One chunk of samples (one version, sorted by counter) -> zlib blob of delta-coded byte columns."""
    rows = np.empty(len(samples), CHUNK_DTYPE)
    for name in CHUNK_DTYPE.names:
        rows[name] = samples[name]
    for name in _DELTA_COLUMNS:
        column = rows[name].copy()
        rows[name][1:] = column[1:] - column[:-1]  # unsigned, wraps; undone by cumsum in the same dtype
    matrix = rows.view(np.uint8).reshape(len(rows), CHUNK_DTYPE.itemsize)
    header = struct.pack("<BI", SAMPLES_FORMAT, len(rows))
    return zlib.compress(header + _transpose_blocks(matrix), _SAMPLES_ZLIB_LEVEL)


def unpack_samples(blob: bytes, version: int) -> np.ndarray:
    try:
        data = memoryview(zlib.decompress(blob))
        fmt, count = struct.unpack_from("<BI", data)
        if fmt != SAMPLES_FORMAT:
            raise CorruptBlob(f"unknown sample chunk format {fmt}")
        matrix = _untranspose_blocks(data[5:], count, CHUNK_DTYPE.itemsize)
    except (zlib.error, struct.error, ValueError) as exc:
        raise CorruptBlob(str(exc)) from exc
    rows = np.ascontiguousarray(matrix).view(CHUNK_DTYPE).reshape(count)
    out = np.empty(count, SAMPLE_DTYPE)
    out["version"] = version
    for name in CHUNK_DTYPE.names:
        column = rows[name]
        out[name] = np.cumsum(column, dtype=column.dtype) if name in _DELTA_COLUMNS else column
    return out
