"""Vectorised WHOOP 4.0 frame decoder (band-protocol.md §3, §7, §8).

CONTRACT (other packages build on these names; the implementation may change, the shapes may not):

    decode_frames(frames: Sequence[bytes]) -> DecodedBatch      whole wire frames (header + inner + CRC-32)
    decode_hex_lines(text: bytes | str) -> DecodedBatch          capture-file format: one hex frame per line
    parse_response(inner: bytes) -> CommandResponse              one 0x24 inner (for the BLE session)

How it is fast: frames are processed in chunks of 65,536. Per chunk the frames are joined into one buffer; SOF,
CRC-8 and lengths are checked with numpy; the only per-frame Python-level work is one `zlib.crc32` over the whole
frame (see `_crc_residue`). Valid frames are grouped by (packet type, version, inner length) and each group is
decoded at once through a structured dtype over its rows (decode_groups.py); there are no per-field loops.
Nothing here raises on bad input: every rejected frame is counted in `batch.invalid` by reason.
"""

from __future__ import annotations

import binascii
import functools
import zlib
from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np

from . import decode_groups as groups
from .constants import MetadataType, PacketType
from .decode_types import (
    ACCEL_G_PER_LSB,
    EVENT_DTYPE,
    GYRO_DPS_PER_LSB,
    IMU_DTYPE,
    METADATA_DTYPE,
    REALTIME_DTYPE,
    RECORD_DTYPE,
    CommandResponse,
    ConsoleLog,
    DecodedBatch,
)
from .framing import CRC8_TABLE, HEADER_LEN, MIN_DECLARED_LENGTH, TRAILER_LEN, build_frame

__all__ = [
    "ACCEL_G_PER_LSB", "EVENT_DTYPE", "GYRO_DPS_PER_LSB", "IMU_DTYPE", "METADATA_DTYPE", "REALTIME_DTYPE",
    "RECORD_DTYPE", "CommandResponse", "ConsoleLog", "DecodedBatch", "decode_frames", "decode_hex_lines",
    "parse_response",
]

CHUNK_FRAMES = 1 << 16
HEX_CHUNK_BYTES = 1 << 23
# Frame status codes; 0 = valid.
_REASONS = ("valid", "truncated", "bad_sof", "bad_header_crc", "bad_length", "bad_crc32")
TRUNCATED, BAD_SOF, BAD_HEADER_CRC, BAD_LENGTH, BAD_CRC32 = 1, 2, 3, 4, 5
# A BLE notification at the default ATT MTU carries 20 bytes; see _stale_tail.
DEFAULT_NOTIFICATION = 20
_CRC8 = np.frombuffer(CRC8_TABLE, np.uint8)
_RECORD_VERSIONS = {(12, 88), (24, 96)}
_UNDECODED_VERSIONS = {11, 25}  # R11 and v25: no trustworthy layout (§7.3, §7.4); kept raw
_IMU_VERSION = 10
_PACKET_TYPES = frozenset(int(p) for p in PacketType)


@functools.cache
def _crc_residue(declared: int) -> int:
    """zlib.crc32 over a WHOLE valid frame with this declared length.

    For a frame `AA L crc8(L) inner crc32(inner)` the CRC register after the fixed 4-byte header is fixed, and
    appending an inner's own CRC-32 drives the register to a value that depends only on that start state and the
    length. So every valid frame of one length has the same whole-frame CRC, and since the last 4 bytes map
    one-to-one onto the result, a frame matches it exactly when its trailer is the CRC-32 of its inner. This lets
    us hash the bytes objects we already have instead of slicing out each inner.
    """
    return zlib.crc32(build_frame(bytes(declared - TRAILER_LEN), pad=False))


def _validate(arr: np.ndarray, starts: np.ndarray, lens: np.ndarray, crcs: np.ndarray) -> np.ndarray:
    """Status code per frame, checks in the order of framing.parse_frame."""
    n = len(lens)
    if n == 0:
        return np.zeros(0, np.uint8)
    last = max(len(arr) - 1, 0)
    padded = arr if len(arr) else np.zeros(1, np.uint8)
    sof, len_lo, len_hi, crc8 = (padded[np.minimum(starts + k, last)] for k in range(4))
    declared = len_lo.astype(np.int64) | (len_hi.astype(np.int64) << 8)
    short = lens < HEADER_LEN
    expected_crc = np.zeros(n, np.uint32)
    for d in np.unique(declared[lens == declared + HEADER_LEN]).tolist():
        if d >= MIN_DECLARED_LENGTH:
            expected_crc[declared == d] = _crc_residue(d)
    conditions = [
        short & ((lens == 0) | (sof == 0xAA)),
        short | (sof != 0xAA),
        _CRC8[_CRC8[len_lo] ^ len_hi] != crc8,
        declared < MIN_DECLARED_LENGTH,
        lens < declared + HEADER_LEN,
        lens > declared + HEADER_LEN,
        crcs != expected_crc,
    ]
    choices = [TRUNCATED, BAD_SOF, BAD_HEADER_CRC, BAD_LENGTH, TRUNCATED, BAD_LENGTH, BAD_CRC32]
    return np.select(conditions, choices, 0).astype(np.uint8)


class _Collector:
    """Decoded parts tagged with their global frame index, merged into input order at the end."""

    def __init__(self) -> None:
        self.parts: dict[str, list[tuple[np.ndarray, Any]]] = {}

    def add(self, kind: str, index: np.ndarray, payload: Any) -> None:
        if len(index):
            self.parts.setdefault(kind, []).append((index, payload))

    def merged(self, kind: str) -> tuple[np.ndarray, list[Any]] | None:
        parts = self.parts.get(kind)
        if not parts:
            return None
        index = np.concatenate([p[0] for p in parts])
        order = None if np.all(index[1:] > index[:-1]) else np.argsort(index, kind="stable")
        return order, [p[1] for p in parts]

    def array(self, kind: str, dtype: np.dtype) -> np.ndarray:
        got = self.merged(kind)
        if got is None:
            return np.empty(0, dtype)
        order, payloads = got
        out = np.concatenate(payloads) if len(payloads) > 1 else payloads[0]
        return out if order is None else out[order]

    def items(self, kind: str) -> list[Any]:
        got = self.merged(kind)
        if got is None:
            return []
        order, payloads = got
        flat = [item for payload in payloads for item in payload]
        return flat if order is None else [flat[i] for i in order.tolist()]


class _Decoder:
    """Accumulates chunks of frames into one DecodedBatch."""

    def __init__(self) -> None:
        self.batch = DecodedBatch()
        self.out = _Collector()
        self.seen = 0  # global index of the next frame
        self.last_valid: dict[int, bytes] = {}  # wire length -> latest valid frame (for _stale_tail)

    def add_chunk(self, blob: bytes, starts: np.ndarray, lens: np.ndarray, frames: list[bytes]) -> None:
        crcs = np.fromiter(map(zlib.crc32, frames), np.uint32, len(frames))
        arr = np.frombuffer(blob, np.uint8)
        status = _validate(arr, starts, lens, crcs)
        valid = status == 0
        all_valid = bool(valid.all())
        if not all_valid:
            self._count_invalid(status, lens, frames)
        valid_idx = np.arange(len(frames)) if all_valid else np.flatnonzero(valid)
        self.batch.valid_frames.extend(frames if all_valid else [frames[i] for i in valid_idx.tolist()])
        if len(valid_idx):
            self._dispatch(arr, starts, lens, valid_idx, frames)
            for length in np.unique(lens[valid_idx]).tolist():
                self.last_valid[length] = frames[int(valid_idx[lens[valid_idx] == length][-1])]
        self.batch.frames_total += len(frames)
        self.seen += len(frames)

    def _count_invalid(self, status: np.ndarray, lens: np.ndarray, frames: list[bytes]) -> None:
        codes, counts = np.unique(status[status != 0], return_counts=True)
        for code, count in zip(codes.tolist(), counts.tolist(), strict=True):
            self.batch.invalid[_REASONS[code]] += count
        bad = np.flatnonzero(status == BAD_CRC32)
        for length in np.unique(lens[bad]).tolist():
            same = bad[lens[bad] == length]
            earlier_valid = np.flatnonzero((status == 0) & (lens == length))
            before = np.searchsorted(earlier_valid, same) - 1  # latest valid frame of this length before each
            for i, b in zip(same.tolist(), before.tolist(), strict=True):
                previous = frames[int(earlier_valid[b])] if b >= 0 else self.last_valid.get(length)
                if previous is not None and _stale_tail(frames[i], previous):
                    self.batch.invalid["bad_crc32"] -= 1
                    self.batch.invalid["truncated"] += 1
        self.batch.invalid += Counter()  # drops reasons whose count fell to zero

    def _dispatch(self, arr: np.ndarray, starts: np.ndarray, lens: np.ndarray, valid_idx: np.ndarray,
                  frames: list[bytes]) -> None:
        vstarts = starts[valid_idx]
        ptype = arr[vstarts + HEADER_LEN].astype(np.int64)
        version = arr[vstarts + HEADER_LEN + 1].astype(np.int64)
        is_data = (ptype == PacketType.HISTORICAL_DATA) | (ptype == PacketType.REALTIME_RAW_DATA)
        keys = (ptype << 32) | (np.where(is_data, version, 0) << 24) | lens[valid_idx]
        unique_keys = np.unique(keys)
        windows = None
        for key in unique_keys.tolist():
            sel = valid_idx if len(unique_keys) == 1 else valid_idx[keys == key]
            wire_len = key & 0xFFFFFF
            if windows is None or windows.shape[-1] != wire_len:
                windows = np.lib.stride_tricks.sliding_window_view(arr, wire_len)
            rows = windows[starts[sel]]
            self._decode_group(key >> 32, (key >> 24) & 0xFF, rows, sel, frames)

    def _decode_group(self, ptype: int, version: int, rows: np.ndarray, sel: np.ndarray,
                      frames: list[bytes]) -> None:
        inner_len = rows.shape[1] - HEADER_LEN - TRAILER_LEN
        index = sel + self.seen
        out = self.out
        if ptype in (PacketType.HISTORICAL_DATA, PacketType.REALTIME_RAW_DATA):
            if (version, inner_len) in _RECORD_VERSIONS:
                records, _ = groups.decode_records(rows, known_version=True)
                out.add("records", index, records)
                return
            if version == _IMU_VERSION and inner_len >= groups.IMU_MIN_INNER:
                out.add("imu", index, groups.decode_imu(rows))
                return
            if version not in _UNDECODED_VERSIONS and inner_len >= groups.RECORD_MIN_INNER:
                records, kept = groups.decode_records(rows, known_version=False)
                out.add("records", index[kept], records)
                rows, sel, index = rows[~kept], sel[~kept], index[~kept]
            self._unknown("unknown_version", sel, index, frames)
        elif ptype == PacketType.REALTIME_DATA and inner_len >= 18:
            out.add("realtime", index, groups.decode_realtime(rows))
        elif ptype == PacketType.METADATA and inner_len >= 9:
            meta = groups.decode_metadata(rows)
            short_end = (meta["kind"] == MetadataType.HISTORY_END) & (inner_len < 21)
            out.add("metadata", index[~short_end], meta[~short_end])
            self._unknown("short_inner", sel[short_end], index[short_end], frames)
        elif ptype == PacketType.EVENT and inner_len >= 12:
            events, bodies = groups.decode_events(rows)
            out.add("events", index, events)
            out.add("event_bodies", index, bodies)
        elif ptype == PacketType.CONSOLE_LOGS and inner_len >= 13:
            out.add("logs", index, groups.decode_logs(rows))
        elif ptype == PacketType.COMMAND_RESPONSE and inner_len >= 5:
            out.add("responses", index, [groups.response_from_inner(_inner(frames[i])) for i in sel.tolist()])
        elif ptype == PacketType.COMMAND:
            out.add("commands", index, [_inner(frames[i]) for i in sel.tolist()])
        else:
            known = ptype in _PACKET_TYPES
            self._unknown("short_inner" if known else "unknown_type", sel, index, frames)

    def _unknown(self, reason: str, sel: np.ndarray, index: np.ndarray, frames: list[bytes]) -> None:
        if len(sel):
            self.batch.invalid[reason] += len(sel)
            self.out.add("unknown", index, [_inner(frames[i]) for i in sel.tolist()])

    def finish(self) -> DecodedBatch:
        b, out = self.batch, self.out
        b.records = out.array("records", RECORD_DTYPE)
        b.imu = out.array("imu", IMU_DTYPE)
        b.events = out.array("events", EVENT_DTYPE)
        b.event_bodies = out.items("event_bodies")
        b.metadata = out.array("metadata", METADATA_DTYPE)
        b.realtime = out.array("realtime", REALTIME_DTYPE)
        b.logs = out.items("logs")
        b.responses = out.items("responses")
        b.commands = out.items("commands")
        b.unknown = out.items("unknown")
        return b


def _inner(frame: bytes) -> bytes:
    return frame[HEADER_LEN:-TRAILER_LEN]


def _stale_tail(frame: bytes, previous: bytes) -> bool:
    """A CRC-failing capture line that is really a truncated notification: only its first 20-byte BLE
    notification was captured and the rest of the recorder's buffer still held the previous frame of the same
    length (the 7 bad HELLO responses of captured-packages-write.txt are exactly this: the stale part, CRC-32
    included, equals the frame before)."""
    n = DEFAULT_NOTIFICATION
    return len(frame) == len(previous) > n and frame[n:] == previous[n:] and frame[:n] != previous[:n]


def _normalise(frames: Sequence[Any], decoder: _Decoder) -> list[bytes]:
    """Slow path for inputs that are not all `bytes`: bytes-like items are copied, anything else is counted."""
    clean = []
    for f in frames:
        if isinstance(f, bytes):
            clean.append(f)
        elif isinstance(f, (bytearray, memoryview)):
            clean.append(bytes(memoryview(f).cast("B")) if isinstance(f, memoryview) else bytes(f))
        else:
            decoder.batch.invalid["not_bytes"] += 1
            decoder.batch.frames_total += 1
    return clean


def _add_frames(decoder: _Decoder, chunk: list[bytes]) -> None:
    lens = np.fromiter(map(len, chunk), np.int64, len(chunk))
    blob = b"".join(chunk)
    starts = np.cumsum(lens) - lens
    decoder.add_chunk(blob, starts, lens, chunk)


def decode_frames(frames: Sequence[bytes]) -> DecodedBatch:
    """Validate and decode whole wire frames. Never raises; see DecodedBatch.invalid for what was rejected."""
    decoder = _Decoder()
    items = frames if isinstance(frames, list) else list(frames)
    if set(map(type, items)) - {bytes}:
        items = _normalise(items, decoder)
    for start in range(0, len(items), CHUNK_FRAMES):
        _add_frames(decoder, items[start : start + CHUNK_FRAMES])
    return decoder.finish()


def decode_hex_lines(text: bytes | str) -> DecodedBatch:
    """Decode a capture file: one hex frame per line; blank lines ignored; other lines counted as not_hex.
    An input without a single frame line is counted once as `empty`."""
    decoder = _Decoder()
    data = text.encode("utf-8", "replace") if isinstance(text, str) else bytes(text)
    pos, size = 0, len(data)
    while pos < size:
        end = size
        if size - pos > HEX_CHUNK_BYTES:  # cut after a newline so no line is split
            cut = data.rfind(b"\n", pos, pos + HEX_CHUNK_BYTES)
            end = cut + 1 if cut >= pos else (data.find(b"\n", pos + HEX_CHUNK_BYTES) + 1 or size)
        _add_hex_chunk(decoder, data[pos:end])
        pos = end
    if decoder.batch.frames_total == 0:
        decoder.batch.invalid["empty"] += 1
    return decoder.finish()


def _add_hex_chunk(decoder: _Decoder, chunk: bytes) -> None:
    arr = np.frombuffer(chunk, np.uint8)
    line_ends = np.flatnonzero(arr == 0x0A)
    if not chunk.endswith(b"\n"):
        line_ends = np.append(line_ends, len(chunk))
    line_starts = np.concatenate(([0], line_ends[:-1] + 1))
    chars = line_ends - line_starts
    chars = chars[chars > 0]
    blob = None
    if not (chars & 1).any() and b"\r" not in chunk:
        try:
            blob = binascii.unhexlify(chunk.replace(b"\n", b""))
        except (binascii.Error, ValueError):
            blob = None
    if blob is None:  # irregular chunk (CR, spaces, odd or non-hex lines): line by line
        _add_hex_lines_slowly(decoder, chunk)
        return
    lens = chars // 2
    ends = np.cumsum(lens)
    starts = ends - lens
    frames = list(map(blob.__getitem__, map(slice, starts.tolist(), ends.tolist())))
    decoder.add_chunk(blob, starts, lens, frames)


def _add_hex_lines_slowly(decoder: _Decoder, chunk: bytes) -> None:
    frames = []
    for line in chunk.split(b"\n"):
        line = line.strip()
        if not line:
            continue
        try:
            frames.append(bytes.fromhex(line.decode("ascii")))
        except (UnicodeDecodeError, ValueError):
            decoder.batch.invalid["not_hex"] += 1
            decoder.batch.frames_total += 1
    _add_frames(decoder, frames)


def parse_response(inner: bytes) -> CommandResponse:
    """One COMMAND_RESPONSE inner: [0x24][band seq][opcode][request seq][result][body...]."""
    if len(inner) < 5 or inner[0] != PacketType.COMMAND_RESPONSE:
        raise ValueError(f"not a COMMAND_RESPONSE inner ({len(inner)} bytes, type {inner[:1].hex() or 'none'})")
    return groups.response_from_inner(bytes(inner))
