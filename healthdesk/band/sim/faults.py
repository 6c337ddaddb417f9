"""Fault injection for the simulated band: what can go wrong between a real band's flash and the app."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Faults:
    """Frame numbers count history frames (records/events/logs) the band emitted since it was made, resends too."""

    drop_link_at_frame: int | None = None  # the band hangs up just before sending this frame (one shot)
    corrupt_frames: set[int] = field(default_factory=set)  # flip one payload byte of these frames
    truncate_frames: set[int] = field(default_factory=set)  # send only the first half of these frames
    swallow_acks: int = 0  # this many success ACKs are lost on air: no response, the END is re-offered

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
