"""Fault injection for the simulated band: what can go wrong between a real band's flash and the app.

Two kinds (docs/band-protocol.md §14):
* wire faults (`Faults` fields set on a running band): damaged frames, lost ACKs, dropped links, and the field
  behaviours of real bands — a running raw stream, batch counts off by one, a clock that acks without latching,
  unanswered optional commands, silence until a confirmed write bonds the link, firmware-bound pacing, a flaky
  link, a link dropped by charging;
* flash faults (`apply_flash_faults`, when the band is made): records stamped by an unset clock, v25 records.

`FIELD_FAULTS` names the faults `band drain --sim --sim-faults` and `band simulate --faults` accept.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass, field

from healthdesk.band.whoop4.constants import (
    SUBSEC_PER_SECOND,
    UNSET_CLOCK_EPOCH,
    PacketType,
)
from healthdesk.band.whoop4.framing import build_frame, crc8

FLASH_FAULTS = ("unset_clock", "v25")
WIRE_FAULTS = ("raw_stream", "count_mismatch", "clock_not_latched", "ignore_optional", "needs_bond", "slow",
               "flaky", "charging_drop")
FIELD_FAULTS = WIRE_FAULTS[:2] + FLASH_FAULTS + WIRE_FAULTS[2:]
SLOW_RECORDS_PER_S = 10.0  # a real offload (docs/band-protocol.md §12.7)
RAW_EVERY_FRAMES = 50  # ~2 raw frames/s (2 x 1.9 KB/s) against a real band's ~100 history frames/s (§12.1)
COUNT_MISMATCH_EVERY = 7  # batches whose first offer has a HISTORY_END count off by one
FLAKY_EVERY_BATCHES = 5
CHARGING_DROP_AT_BATCH = 3
UNSET_CLOCK_SHARE = 1 / 3  # the newest third of the records was stamped after the band lost its clock
V25_EVERY = 9  # one stored record in nine is v25


def parse_faults(text: str | None) -> list[str]:
    """'raw_stream,slow' -> ['raw_stream', 'slow']; 'all' -> every fault. ValueError names an unknown one."""
    if not text:
        return []
    names = [n.strip() for n in text.split(",") if n.strip()]
    if names == ["all"]:
        return list(FIELD_FAULTS)
    unknown = [n for n in names if n not in FIELD_FAULTS]
    if unknown:
        raise ValueError(f"unknown fault {unknown[0]!r}; choose from {', '.join(FIELD_FAULTS)} or 'all'")
    return names


@dataclass
class Faults:
    """Frame numbers count history frames (records/events/logs) the band emitted since it was made, resends too."""

    drop_link_at_frame: int | None = None  # the band hangs up just before sending this frame (one shot)
    corrupt_frames: set[int] = field(default_factory=set)  # flip one payload byte of these frames
    truncate_frames: set[int] = field(default_factory=set)  # send only the first half of these frames
    swallow_acks: int = 0  # this many success ACKs are lost on air: no response, the END is re-offered
    # --- field behaviours (docs/band-protocol.md §12) ---
    raw_stream: bool = False  # 0x2B frames interleaved with everything until `3F 00`
    raw_stream_sticky: bool = False  # ... and `3F 00` does not stop it (for counting tests and the bench)
    count_mismatch_every: int = 0  # every Nth batch's first HISTORY_END count is off by one
    count_mismatch_sticky: bool = False  # ... on every offer of that batch (drives the NACK cap)
    clock_not_latched: bool = False  # SET_CLOCK is acknowledged, the RTC keeps its time
    ignore_optional: bool = False  # REPORT_VERSION and GET_BATTERY get no answer
    needs_bond: bool = False  # commands are ignored until one arrives as a confirmed write
    flaky_every_batches: int = 0  # the link drops in the middle of every Nth batch of a connection
    charging_drop_at_batch: int | None = None  # CHARGING_ON, then the link drops, once

    def drops_link(self, n: int) -> bool:
        if self.drop_link_at_frame == n:
            self.drop_link_at_frame = None
            return True
        return False

    def damage(self, n: int, frame: bytes) -> bytes:
        """The frame as it goes on air: corrupted (CRC-32 then fails) and/or cut short."""
        if n in self.corrupt_frames:
            frame = frame[:20] + bytes((frame[20] ^ 0x5A,)) + frame[21:]
        if n in self.truncate_frames:
            frame = frame[: len(frame) // 2]
        return frame

    def ack_lost(self) -> bool:
        if self.swallow_acks > 0:
            self.swallow_acks -= 1
            return True
        return False

    def miscount(self, batch_number: int, offer: int) -> int:
        """How much the HISTORY_END count of this offer (0 = first) of batch `batch_number` is off by."""
        every = self.count_mismatch_every
        if every and batch_number % every == every - 1 and (offer == 0 or self.count_mismatch_sticky):
            return 1
        return 0


def wire_faults(names: list[str], *, time_scale: float = 1.0) -> tuple[Faults, float | None]:
    """(Faults, frame interval in s or None) for the named wire faults; `time_scale` > 1 runs pacing faster."""
    faults = Faults(
        raw_stream="raw_stream" in names,
        count_mismatch_every=COUNT_MISMATCH_EVERY if "count_mismatch" in names else 0,
        clock_not_latched="clock_not_latched" in names,
        ignore_optional="ignore_optional" in names,
        needs_bond="needs_bond" in names,
        flaky_every_batches=FLAKY_EVERY_BATCHES if "flaky" in names else 0,
        charging_drop_at_batch=CHARGING_DROP_AT_BATCH if "charging_drop" in names else None,
    )
    interval = 1.0 / SLOW_RECORDS_PER_S / time_scale if "slow" in names else None
    return faults, interval


# --- flash faults ----------------------------------------------------------------------------------------------
def _restamp(frame: bytes, mutate) -> bytes:
    inner = bytearray(frame[4:-4])
    mutate(inner)
    length = len(inner) + 4
    head = length.to_bytes(2, "little")
    return b"\xaa" + head + bytes((crc8(head),)) + bytes(inner) + (zlib.crc32(inner) & 0xFFFFFFFF).to_bytes(4, "little")


def _is_record(frame: bytes) -> bool:
    return len(frame) > 17 and frame[4] == PacketType.HISTORICAL_DATA


def unset_clock_flash(frames: list[bytes], share: float = UNSET_CLOCK_SHARE) -> list[bytes]:
    """The newest `share` of the records as a band that lost its clock stamps them: counting from 1971-01-01
    (docs/band-protocol.md §12.5) from the moment of the loss; counters run on. Events/logs are left alone."""
    positions = [i for i, f in enumerate(frames) if _is_record(f)]
    if not positions:
        return list(frames)
    first = positions[int(len(positions) * (1 - share))]
    unix0, sub0 = struct.unpack_from("<IH", frames[first], 11)
    loss_ticks = unix0 * SUBSEC_PER_SECOND + sub0
    out = list(frames)
    for i in positions:
        if i < first:
            continue
        unix, sub = struct.unpack_from("<IH", frames[i], 11)
        ticks = UNSET_CLOCK_EPOCH * SUBSEC_PER_SECOND + (unix * SUBSEC_PER_SECOND + sub - loss_ticks)
        out[i] = _restamp(frames[i], lambda inner, t=ticks: struct.pack_into(
            "<IH", inner, 7, t // SUBSEC_PER_SECOND, t % SUBSEC_PER_SECOND))
    return out


def v25_flash(frames: list[bytes], every: int = V25_EVERY) -> list[bytes]:
    """Every `every`th record rewritten as a v25 record (newer firmware, §12.6): version 25, byte 2 zero, its
    own counter sequence, no heart rate or motion this version of the app can read."""
    out, k = [], 0
    for f in frames:
        if _is_record(f):
            k += 1
            if k % every == 0:
                def as_v25(inner: bytearray, n: int = k) -> None:
                    inner[1], inner[2] = 25, 0
                    struct.pack_into("<I", inner, 3, 5_000_000 + n)
                    inner[13:] = bytes(len(inner) - 13)  # fields unknown: zero, so no v24 guess can apply
                out.append(_restamp(f, as_v25))
                continue
        out.append(f)
    return out


def apply_flash_faults(frames: list[bytes], names: list[str]) -> list[bytes]:
    if "unset_clock" in names:
        frames = unset_clock_flash(frames)
    if "v25" in names:
        frames = v25_flash(frames)
    return frames


def raw_frame(counter: int, unix: int, subsec: int) -> bytes:
    """A live R10 raw-stream frame (0x2B, 1920-byte inner, §12.1): header like a record, sensor bytes zero."""
    inner = bytes((PacketType.REALTIME_RAW_DATA, 10, 0x29)) + struct.pack("<IIH", counter, unix, subsec)
    return build_frame(inner + bytes(1920 - len(inner)))

