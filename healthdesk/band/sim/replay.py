"""Replay mode: a capture file (one hex frame per line, e.g. a real overnight drain) becomes the band's flash.

Only what a band keeps in flash is served again: historical records (0x2F), stored events (0x30) and console
logs (0x32). Metadata, responses and realtime frames of the capture are dropped (the simulated band makes its own
batches); lines that are not CRC-valid frames are skipped and counted.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from healthdesk.band.whoop4.constants import PacketType
from healthdesk.band.whoop4.framing import FrameError, parse_frame

STORED_TYPES = frozenset({PacketType.HISTORICAL_DATA, PacketType.EVENT, PacketType.CONSOLE_LOGS})


@dataclass
class Capture:
    flash: list[bytes]  # frames to serve, in capture order
    skipped_invalid: int  # lines that are not hex or not CRC-valid frames
    skipped_other: int  # valid frames a band does not store (metadata, responses, realtime)


def load_capture(path: str | Path) -> Capture:
    """Read a capture file; raises ValueError with a one-line reason when it holds no storable frame."""
    path = Path(path)
    try:
        text = path.read_bytes()
    except OSError as exc:
        raise ValueError(f"{path}: cannot read ({exc.strerror or exc})") from None
    if b"\0" in text or not text.isascii():
        raise ValueError(f"{path}: binary file, not hex frames (expected one hex frame per line)")
    flash: list[bytes] = []
    invalid = other = 0
    for line in text.split():
        try:
            frame = bytes.fromhex(line.decode())
            inner = parse_frame(frame)
        except (ValueError, FrameError):
            invalid += 1
            continue
        if inner[0] in STORED_TYPES:
            flash.append(frame)
        else:
            other += 1
    if not flash:
        raise ValueError(f"{path}: no stored band frames (0x2F/0x30/0x32) in this file")
    return Capture(flash, invalid, other)
