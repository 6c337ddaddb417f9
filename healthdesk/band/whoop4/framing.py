"""WHOOP 4.0 wire framing (band-protocol.md §3).

    AA | u16 LE L | CRC-8/SMBUS(L bytes) | inner (zero-padded to x4) | CRC-32 LE of inner

L = len(inner) + 4. The reassembler turns BLE notification chunks of any size into whole, CRC-valid frames.
"""

from __future__ import annotations

import zlib
from collections import Counter
from collections.abc import Iterable, Iterator

from .constants import SOF

HEADER_LEN = 4
TRAILER_LEN = 4
# Largest real frame is R11 (1932 bytes on the wire); anything far beyond that is a false header.
MAX_DECLARED_LENGTH = 4096
MIN_DECLARED_LENGTH = 8  # a 4-byte inner + CRC-32


def _crc8_table() -> bytes:
    table = bytearray(256)
    for i in range(256):
        c = i
        for _ in range(8):
            c = ((c << 1) ^ 0x07) & 0xFF if c & 0x80 else (c << 1) & 0xFF
        table[i] = c
    return bytes(table)


CRC8_TABLE = _crc8_table()


def crc8(data: bytes) -> int:
    """CRC-8/SMBUS: poly 0x07, init 0, no reflection, no xorout."""
    c = 0
    for b in data:
        c = CRC8_TABLE[c ^ b]
    return c


def crc32(data: bytes) -> int:
    return zlib.crc32(data) & 0xFFFFFFFF


class FrameError(ValueError):
    """A frame that cannot be trusted; `reason` is one of the counted invalid-frame reasons."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason


def pad_inner(inner: bytes) -> bytes:
    return bytes(inner) + b"\x00" * (-len(inner) % 4)


def build_frame(inner: bytes, *, pad: bool = True) -> bytes:
    """Frame an inner (type byte first). Padding to x4 is what the official app sends (§3.3)."""
    body = pad_inner(inner) if pad else bytes(inner)
    length = (len(body) + TRAILER_LEN).to_bytes(2, "little")
    return b"%c%s%c%s%s" % (SOF, length, crc8(length), body, crc32(body).to_bytes(4, "little"))


def parse_frame(frame: bytes) -> bytes:
    """Return the inner of one whole frame, or raise FrameError with the reason it is invalid."""
    if len(frame) < HEADER_LEN or frame[0] != SOF:
        raise FrameError("truncated" if len(frame) < HEADER_LEN and frame[:1] in (b"", b"\xaa") else "bad_sof")
    if crc8(frame[1:3]) != frame[3]:
        raise FrameError("bad_header_crc")
    declared = int.from_bytes(frame[1:3], "little")
    if declared < MIN_DECLARED_LENGTH:
        raise FrameError("bad_length", f"declared {declared}")
    if len(frame) < HEADER_LEN + declared:
        raise FrameError("truncated", f"{len(frame)} of {HEADER_LEN + declared} bytes")
    if len(frame) > HEADER_LEN + declared:
        raise FrameError("bad_length", f"{len(frame) - HEADER_LEN - declared} trailing bytes")
    inner = frame[HEADER_LEN:-TRAILER_LEN]
    if crc32(inner) != int.from_bytes(frame[-TRAILER_LEN:], "little"):
        raise FrameError("bad_crc32")
    return bytes(inner)


class FrameReassembler:
    """Length-driven stream reassembler.

    Feed notification chunks; get back whole frames whose header CRC-8 *and* CRC-32 are valid. Zero padding
    and garbage between frames are skipped. A candidate header whose CRC-8 fails, whose length is implausible,
    or whose CRC-32 fails is discarded one byte at a time, so a real frame hiding behind a false 0xAA is still
    found. Output depends only on the byte stream, never on how it was chunked.
    """

    def __init__(self) -> None:
        self._buf = bytearray()
        self.dropped: Counter[str] = Counter()  # reason -> count of rejected candidates / skipped bytes

    def feed(self, chunk: bytes) -> list[bytes]:
        self._buf += chunk
        return list(self._drain())

    def _drain(self) -> Iterator[bytes]:
        buf = self._buf
        pos = 0
        while True:
            sof = buf.find(SOF, pos)
            if sof < 0:
                self._skip(buf[pos:])
                pos = len(buf)
                break
            if sof > pos:
                self._skip(buf[pos:sof])
                pos = sof
            if len(buf) - pos < HEADER_LEN:
                break
            declared = buf[pos + 1] | buf[pos + 2] << 8
            if CRC8_TABLE[CRC8_TABLE[buf[pos + 1]] ^ buf[pos + 2]] != buf[pos + 3]:
                self.dropped["bad_header_crc"] += 1
                pos += 1
                continue
            if not MIN_DECLARED_LENGTH <= declared <= MAX_DECLARED_LENGTH or declared % 4:
                self.dropped["bad_length"] += 1
                pos += 1
                continue
            end = pos + HEADER_LEN + declared
            if len(buf) < end:
                break
            inner = bytes(buf[pos + HEADER_LEN : end - TRAILER_LEN])
            if crc32(inner) != int.from_bytes(buf[end - TRAILER_LEN : end], "little"):
                self.dropped["bad_crc32"] += 1
                pos += 1
                continue
            yield bytes(buf[pos:end])
            pos = end
        del buf[:pos]

    def _skip(self, junk: bytes | bytearray) -> None:
        nonzero = len(junk) - junk.count(0)
        if nonzero:
            self.dropped["garbage_bytes"] += nonzero

    def finish(self) -> list[bytes]:
        """End of stream: whole frames still queued behind a false header (one whose declared length reaches past
        the last byte, so it waits for bytes that will never come) are recovered; what is left after that is
        counted truncated once and forgotten. The reassembler is empty and reusable afterwards."""
        recovered: list[bytes] = []
        if self._buf:
            self.dropped["truncated"] += 1
        while self._buf:
            del self._buf[:1]  # the candidate at the front can never complete: skip its SOF and rescan
            recovered.extend(self._drain())
        return recovered

    def flush(self) -> int:
        """End of stream: forget any partial frame; returns how many bytes were left over (counted truncated)."""
        left = len(self._buf)
        if left:
            self.dropped["truncated"] += 1
        self._buf.clear()
        return left

    @property
    def pending(self) -> int:
        return len(self._buf)


def reassemble(chunks: Iterable[bytes], *, finish: bool = False) -> list[bytes]:
    """Whole frames of a chunked stream; finish=True also recovers frames queued behind a false header at the
    end (see FrameReassembler.finish)."""
    r = FrameReassembler()
    out: list[bytes] = []
    for chunk in chunks:
        out.extend(r.feed(chunk))
    if finish:
        out.extend(r.finish())
    return out
