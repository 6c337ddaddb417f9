"""The decoding engine behind decode.py: validation by whole-frame CRC, grouping, merge into input order.

Per chunk of frames the only per-frame Python-level work is one CRC-32 call over each whole frame and its len();
everything else is numpy over the valid frames of each length joined into one block of rows (Decoder.add_chunk).

Measured and rejected (bench/decode.py, 2 cores): numpy CRC-32 over the rows (byte or 16-bit position tables)
costs ~200 ns/frame against ~60 ns for the per-frame ISA-L call, so frames stay bytes objects; see decode.py for
the hex path.
"""

from __future__ import annotations

import itertools
import operator
import time
import zlib
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from . import decode_groups as groups
from .constants import SOF, MetadataType, PacketType
from .decode_types import (
    EVENT_DTYPE,
    IMU_DTYPE,
    METADATA_DTYPE,
    REALTIME_DTYPE,
    RECORD_DTYPE,
    DecodedBatch,
)
from .framing import (
    CRC8_TABLE,
    HEADER_LEN,
    MIN_DECLARED_LENGTH,
    TRAILER_LEN,
    FrameError,
    build_frame,
    parse_frame,
)

MAX_WIRE_LENGTH = HEADER_LEN + 0xFFFF  # u16 declared length
MIN_WIRE_LENGTH = HEADER_LEN + MIN_DECLARED_LENGTH
# A BLE notification at the default ATT MTU carries 20 bytes; see _stale_tail.
DEFAULT_NOTIFICATION = 20
_RECORD_VERSIONS = {(12, 88), (24, 96)}
_UNDECODED_VERSIONS = {11, 25}  # R11 and v25: no trustworthy layout (§7.3, §7.4); kept raw
_IMU_VERSION = 10
_PACKET_TYPES = frozenset(int(p) for p in PacketType)

_frame_crc32: Callable[[bytes], int] | None = None


def frame_crc32_impl() -> Callable[[bytes], int]:
    """The faster CRC-32 on this machine, measured once at first use on 96-byte frames.

    ISA-L's SIMD crc32 and stdlib zlib.crc32 give identical values; which one is faster per small frame depends
    on the CPU (per-call overhead vs SIMD throughput: ISA-L lost on one Intel Xeon, won on an AMD EPYC), so the
    decoder times both (a few milliseconds) instead of assuming (issue 13).
    """
    global _frame_crc32
    if _frame_crc32 is None:
        candidates: list[Callable[[bytes], int]] = [zlib.crc32]
        try:
            from isal.isal_zlib import crc32 as isal_crc32

            candidates.append(isal_crc32)
        except ImportError:  # pragma: no cover - isal is optional; zlib gives identical results
            pass
        sample = [bytes([i & 0xFF]) * 96 for i in range(2000)]

        def cost(fn: Callable[[bytes], int]) -> float:
            best = float("inf")
            for _ in range(3):
                t0 = time.perf_counter()
                np.fromiter(map(fn, sample), np.uint32, len(sample))
                best = min(best, time.perf_counter() - t0)
            return best

        _frame_crc32 = min(candidates, key=cost)
    return _frame_crc32


def _whole_frame_crc(wire_length: int) -> int:
    """zlib.crc32 over a WHOLE valid frame of this wire length (the same for every valid frame of that length).

    For `AA L crc8(L) inner crc32(inner)` the CRC register after the fixed 4-byte header is fixed, and appending
    an inner's own CRC-32 drives the register to a value that depends only on that start state and the length.
    The last 4 bytes map one-to-one onto the result, so for a canonical header a frame matches exactly when its
    trailer is the CRC-32 of its inner. This lets us hash the bytes objects we already hold instead of slicing
    out each inner; the header itself is then checked with numpy on the candidates (`_add_length_group`).
    """
    return zlib.crc32(build_frame(bytes(wire_length - HEADER_LEN - TRAILER_LEN), pad=False))


def canonical_header(wire_length: int) -> bytes:
    declared = (wire_length - HEADER_LEN).to_bytes(2, "little")
    return bytes((SOF, *declared, CRC8_TABLE[CRC8_TABLE[declared[0]] ^ declared[1]]))


class Collector:
    """Decoded parts tagged with their global frame index, merged into input order at the end."""

    def __init__(self, record_capacity: int = 0) -> None:
        self.parts: dict[str, list[tuple[np.ndarray, Any]]] = {}
        self.unordered: set[str] = set()  # kinds whose parts did not arrive in input order
        self.last_index: dict[str, int] = {}
        # Records (most of every batch) are written straight into one growing array: no per-chunk parts to
        # concatenate at the end (that copy was ~10 % of decode_frames).
        self.records = np.empty(max(record_capacity, 0), RECORD_DTYPE)
        self.records_used = 0

    def reserve_records(self, index: np.ndarray) -> np.ndarray:
        """Rows of the record array for the frames at `index` (global frame indices), to be filled by the caller."""
        k = len(index)
        used = self.records_used
        if used + k > len(self.records):
            grown = np.empty(max(2 * len(self.records), used + k), RECORD_DTYPE)
            grown[:used] = self.records[:used]
            self.records = grown
        self.records_used = used + k
        self.add("records", index, None)
        return self.records[used : used + k]

    def add(self, kind: str, index: np.ndarray, payload: Any) -> None:
        if not len(index):
            return
        self.parts.setdefault(kind, []).append((index, payload))
        if int(index[0]) <= self.last_index.get(kind, -1) or (len(index) > 1 and not (index[1:] > index[:-1]).all()):
            self.unordered.add(kind)
        self.last_index[kind] = max(self.last_index.get(kind, -1), int(index[-1]))

    def _order(self, kind: str) -> tuple[np.ndarray | None, list[Any]]:
        parts = self.parts.get(kind, [])
        if kind not in self.unordered:
            return None, [p[1] for p in parts]
        return np.argsort(np.concatenate([p[0] for p in parts]), kind="stable"), [p[1] for p in parts]

    def record_array(self) -> np.ndarray:
        order, _ = self._order("records")
        out = self.records[: self.records_used]
        if order is not None:
            return out[order]
        # A right-sized copy when the capacity guess was far too big (keeps a large unused buffer alive otherwise).
        return out.copy() if self.records_used < len(self.records) // 2 else out

    def array(self, kind: str, dtype: np.dtype) -> np.ndarray:
        order, payloads = self._order(kind)
        if not payloads:
            return np.empty(0, dtype)
        out = np.concatenate(payloads) if len(payloads) > 1 else payloads[0]
        return out if order is None else out[order]

    def items(self, kind: str) -> list[Any]:
        order, payloads = self._order(kind)
        flat = [item for payload in payloads for item in payload]
        return flat if order is None else [flat[i] for i in order.tolist()]


class Decoder:
    """Accumulates chunks of frames into one DecodedBatch."""

    def __init__(self, record_capacity: int = 0) -> None:
        """record_capacity: an upper bound on the records to come if known (avoids regrowing the output)."""
        self.batch = DecodedBatch()
        self.out = Collector(record_capacity)
        self.seen = 0  # global index of the chunk's first frame
        self.last_valid: dict[int, bytes] = {}  # wire length -> latest valid frame so far (for _stale_tail)
        self.last_valid_before: dict[int, bytes] = {}  # the same as of the start of the current chunk
        self.crc_table = np.zeros(MAX_WIRE_LENGTH + 2, np.uint32)
        self.crc_known = np.zeros(MAX_WIRE_LENGTH + 2, bool)

    def add_chunk(self, frames: list[bytes]) -> None:
        """Validate and decode one chunk of frames into the batch."""
        n = len(frames)
        crcs = np.fromiter(map(frame_crc32_impl(), frames), np.uint32, n)  # raises TypeError for non-bytes-like items
        lens = np.fromiter(map(len, frames), np.int64, n)
        self.last_valid_before = dict(self.last_valid)
        capped = np.minimum(lens, MAX_WIRE_LENGTH + 1)
        plausible = (lens >= MIN_WIRE_LENGTH) & (lens <= MAX_WIRE_LENGTH)
        if not self.crc_known[capped[plausible]].all():
            for length in np.unique(capped[plausible & ~self.crc_known[capped]]).tolist():
                self.crc_table[length] = _whole_frame_crc(length)
                self.crc_known[length] = True
        valid = plausible & (crcs == self.crc_table[capped])
        members = np.arange(n) if valid.all() else np.flatnonzero(valid)
        if len(members):
            self._add_valid(frames, lens, members, valid)
        if not valid.all():  # also catches frames whose CRC matched but whose header did not
            self._count_invalid(frames, lens, valid)
        self.batch.valid_frames.extend(frames if valid.all() else itertools.compress(frames, valid.tolist()))
        self.batch.frames_total += n
        self.seen += n

    def _add_valid(self, frames: list[bytes], lens: np.ndarray, members: np.ndarray, valid: np.ndarray) -> None:
        """Join the CRC-matching frames of each length into one block of rows. The frames of a length are picked
        with operator.itemgetter (C speed, no copy) and joined once: one pass over the bytes, where joining the
        whole chunk and then gathering rows with a fancy index copied every byte twice."""
        member_lens = lens[members]
        if member_lens[0] == member_lens[-1] and (member_lens == member_lens[0]).all():
            groups = [members]
        else:  # a handful of distinct lengths: one mask each is cheaper than sorting the chunk
            distinct = np.flatnonzero(np.bincount(member_lens))
            groups = [members[member_lens == length] for length in distinct.tolist()]
        for group in groups:
            length = int(lens[group[0]])
            if len(group) == len(frames):
                picked: Sequence[bytes] = frames
            elif len(group) == 1:
                picked = (frames[int(group[0])],)
            else:
                picked = operator.itemgetter(*group.tolist())(frames)
            rows = np.frombuffer(b"".join(picked), np.uint8).reshape(len(group), length)
            self._add_length_group(frames, length, group, rows, valid)

    def _add_length_group(self, frames: list[bytes], length: int, members: np.ndarray, rows: np.ndarray,
                          valid: np.ndarray) -> None:
        """Rows of one wire length whose CRC matched: check the 4 header bytes, decode by type."""
        header = int.from_bytes(canonical_header(length), "little")
        header_ok = rows[:, :HEADER_LEN].view("<u4")[:, 0] == header
        if not header_ok.all():  # the CRC matched only for another header: not a valid frame (counted later)
            valid[members[~header_ok]] = False
            rows, members = rows[header_ok], members[header_ok]
        if not len(members):
            return
        self.last_valid[length] = frames[int(members.max())]
        ptype = rows[:, HEADER_LEN].astype(np.int64)
        version = rows[:, HEADER_LEN + 1].astype(np.int64)
        is_data = (ptype == PacketType.HISTORICAL_DATA) | (ptype == PacketType.REALTIME_RAW_DATA)
        keys = (ptype << 8) | np.where(is_data, version, 0)
        first = int(keys[0])
        if (keys == first).all():
            self._decode_group(first >> 8, first & 0xFF, rows, members, frames)
            return
        for key in np.unique(keys).tolist():
            mask = keys == key
            self._decode_group(key >> 8, key & 0xFF, rows[mask], members[mask], frames)

    def _count_invalid(self, frames: list[bytes], lens: np.ndarray, valid: np.ndarray) -> None:
        """The rare path: say why each rejected frame failed (framing.parse_frame's reasons)."""
        bad_crc = []
        for i in np.flatnonzero(~valid).tolist():
            try:
                parse_frame(frames[i])
                reason = "bad_crc32"  # unreachable in practice: the whole-frame CRC check is exact
            except FrameError as error:
                reason = error.reason
            if reason == "bad_crc32":
                bad_crc.append(i)
            else:
                self.batch.invalid[reason] += 1
        for i, previous in zip(bad_crc, self._previous_valid(frames, lens, valid, bad_crc), strict=True):
            stale = previous is not None and _stale_tail(frames[i], previous)
            self.batch.invalid["truncated" if stale else "bad_crc32"] += 1

    def _previous_valid(self, frames: list[bytes], lens: np.ndarray, valid: np.ndarray,
                        positions: list[int]) -> list[bytes | None]:
        """For each position, the latest valid frame of the same length before it (this or earlier chunks)."""
        found: list[bytes | None] = []
        by_length: dict[int, np.ndarray] = {}
        for i in positions:
            length = int(lens[i])
            if length not in by_length:
                by_length[length] = np.flatnonzero(valid & (lens == length))
            candidates = by_length[length]
            k = int(np.searchsorted(candidates, i)) - 1
            found.append(frames[int(candidates[k])] if k >= 0 else self.last_valid_before.get(length))
        return found

    def _decode_group(self, ptype: int, version: int, rows: np.ndarray, sel: np.ndarray,
                      frames: list[bytes]) -> None:
        inner_len = rows.shape[1] - HEADER_LEN - TRAILER_LEN
        index = sel + self.seen
        out = self.out
        if ptype in (PacketType.HISTORICAL_DATA, PacketType.REALTIME_RAW_DATA):
            if (version, inner_len) in _RECORD_VERSIONS:
                groups.decode_records(rows, known_version=True, out=out.reserve_records(index))
                return
            if version == _IMU_VERSION and inner_len >= groups.IMU_MIN_INNER:
                out.add("imu", index, groups.decode_imu(rows))
                return
            if version not in _UNDECODED_VERSIONS | {_IMU_VERSION} and inner_len >= groups.RECORD_MIN_INNER:
                records, kept = groups.decode_records(rows, known_version=False)
                out.reserve_records(index[kept])[:] = records
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
        b.records = out.record_array()
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


