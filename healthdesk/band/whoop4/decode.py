"""Vectorised WHOOP 4.0 frame decoder (band-protocol.md §3, §7, §8).

CONTRACT (other packages build on these names; the implementation may change, the shapes may not):

    decode_frames(frames: Sequence[bytes]) -> DecodedBatch      whole wire frames (header + inner + CRC-32)
    decode_hex_lines(text: bytes | str) -> DecodedBatch          capture-file format: one hex frame per line
    decode_hex_file(path) -> DecodedBatch                        the same, read from a file through mmap
    parse_response(inner: bytes) -> CommandResponse              one 0x24 inner (for the BLE session)

Every frame is checked (SOF, CRC-8 of the length, declared vs actual length, CRC-32 of the inner); rejected
frames are counted in `batch.invalid` by reason and never raise. Valid frames are grouped by (packet type,
version, wire length) and each group is decoded at once through structured-dtype views (decode_groups.py); there
are no per-field Python loops. The engine (decode_engine.py) processes CHUNK_FRAMES frames per pass.

Documented choices: records whose gravity floats are NaN/Inf keep HR/RR and get gravity (NaN, NaN, NaN);
unknown record versions use the v24 map only when HR is 25..230 and |g| 0.8..1.25 (else raw in `unknown`);
v25 and R11 are never guessed; a CRC-failing capture line that is the first 20-byte notification of a frame plus
the stale rest of the previous frame is counted `truncated` (see decode_engine._stale_tail).
"""

from __future__ import annotations

import binascii
import mmap
import os
from collections.abc import Sequence
from typing import Any

from . import decode_groups as groups
from .constants import PacketType
from .decode_engine import Decoder
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

__all__ = [
    "ACCEL_G_PER_LSB", "EVENT_DTYPE", "GYRO_DPS_PER_LSB", "IMU_DTYPE", "METADATA_DTYPE", "REALTIME_DTYPE",
    "RECORD_DTYPE", "CommandResponse", "ConsoleLog", "DecodedBatch", "decode_frames", "decode_hex_file",
    "decode_hex_lines", "parse_response",
]

CHUNK_FRAMES = 1 << 16  # frames per numpy pass: large enough to amortise, small enough to stay in cache
HEX_CHUNK_BYTES = 1 << 20  # cache-sized pieces of capture text


def _normalise(frames: Sequence[Any], decoder: Decoder) -> list[bytes]:
    """Slow path for chunks holding items that are not bytes-like: copy the bytes-like ones, count the rest."""
    clean = []
    for f in frames:
        try:
            clean.append(bytes(memoryview(f).cast("B")))
        except (TypeError, ValueError):
            decoder.batch.invalid["not_bytes"] += 1
            decoder.batch.frames_total += 1
    return clean


def decode_frames(frames: Sequence[bytes]) -> DecodedBatch:
    """Validate and decode whole wire frames. Never raises; see DecodedBatch.invalid for what was rejected."""
    try:
        items = frames if isinstance(frames, list) else list(frames)
    except TypeError:  # not iterable at all
        decoder = Decoder()
        decoder.batch.invalid["not_bytes"] += 1
        return decoder.finish()
    decoder = Decoder(record_capacity=len(items))
    for start in range(0, len(items), CHUNK_FRAMES):
        chunk = items[start : start + CHUNK_FRAMES]
        try:  # bytes-like items pass as they are; anything else fails in the first C-level pass, before any state
            decoder.add_chunk(chunk)
        except TypeError:
            decoder.add_chunk(_normalise(chunk, decoder))
    return decoder.finish()


def decode_hex_lines(text: bytes | str) -> DecodedBatch:
    """Decode a capture file's content: one hex frame per line; blank lines ignored; other lines counted as
    not_hex. An input without a single frame line is counted once as `empty`."""
    data = text.encode("utf-8", "replace") if isinstance(text, str) else bytes(text)
    return _decode_hex(data, len(data))


def decode_hex_file(path: str | os.PathLike[str]) -> DecodedBatch:
    """decode_hex_lines for a file, read through mmap in cache-sized pieces (no full copy of the text).
    Raises OSError when the file cannot be opened."""
    with open(path, "rb") as file:
        size = os.fstat(file.fileno()).st_size
        if size == 0:
            return decode_hex_lines(b"")
        with mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ) as data:
            return _decode_hex(data, size)


# The shortest line that can hold a record: a 48-byte inner (unknown version, v24 map) in a 56-byte frame.
_MIN_RECORD_LINE = 2 * (groups.RECORD_MIN_INNER + 8) + 1


def _decode_hex(data: bytes | mmap.mmap, size: int) -> DecodedBatch:
    decoder = Decoder(record_capacity=size // _MIN_RECORD_LINE + 1)
    pending: list[bytes] = []
    pos = 0
    while pos < size:
        end = size
        if size - pos > HEX_CHUNK_BYTES:  # cut after a newline so no line is split
            cut = data.rfind(b"\n", pos, pos + HEX_CHUNK_BYTES)
            end = cut + 1 if cut >= pos else (data.find(b"\n", pos + HEX_CHUNK_BYTES) + 1 or size)
        pending += _hex_frames(decoder, data[pos:end])
        pos = end
        if len(pending) >= CHUNK_FRAMES:
            decoder.add_chunk(pending)
            pending = []
    decoder.add_chunk(pending)
    if decoder.batch.frames_total == 0:
        decoder.batch.invalid["empty"] += 1
    return decoder.finish()


def _hex_frames(decoder: Decoder, piece: bytes) -> list[bytes]:
    """Frames of a piece of whole lines. Fast path: split and unhexlify at C speed; any irregular line (CR,
    spaces, odd length, non-hex) makes unhexlify raise and sends the piece down the line-by-line path.

    Measured alternatives that were no faster (the per-frame CRC call needs one bytes object per frame anyway,
    and making those from one buffer costs as much as unhexlify per line): newline positions with numpy + one
    unhexlify of the newline-free text (or of per-length gathered rows) + fixed-width void-dtype tolist();
    unhexlify of memoryview slices; a lazy valid_frames view with a numpy CRC (slower CRC, see decode_engine)."""
    lines = piece.split(b"\n")
    if not lines[-1]:  # the piece ends with its last line's newline
        lines.pop()
    try:  # all() is a cheap C-level scan; filter() over every line cost ~12 % of this function
        return list(map(binascii.unhexlify, lines if all(lines) else filter(None, lines)))
    except (binascii.Error, ValueError):
        pass
    frames = []
    for line in lines:
        line = line.strip()
        if not line:
            continue
        try:
            frames.append(bytes.fromhex(line.decode("ascii")))
        except (UnicodeDecodeError, ValueError):
            decoder.batch.invalid["not_hex"] += 1
            decoder.batch.frames_total += 1
    return frames


def parse_response(inner: bytes) -> CommandResponse:
    """One COMMAND_RESPONSE inner: [0x24][band seq][opcode][request seq][result][body...]."""
    if len(inner) < 5 or inner[0] != PacketType.COMMAND_RESPONSE:
        raise ValueError(f"not a COMMAND_RESPONSE inner ({len(inner)} bytes, type {inner[:1].hex() or 'none'})")
    return groups.response_from_inner(bytes(inner))
