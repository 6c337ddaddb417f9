"""Band clock checks and re-dating of records stamped by an unset clock (docs/band-protocol.md §5.4, §12.4-12.5).

Pure functions over numbers and wire frames; the session and the drain job call them.

* A clock reading is *plausible* from 2024-01-01 up to one day past the host's now. The band's unset RTC counts
  from 1971-01-01, so a record dated before 2024 was written while the clock was unset (or lost).
* SET_CLOCK is sent only when the host clock is itself plausible and does not contradict a plausible band clock
  by more than a day; otherwise neither clock is touched and the user is told (§12.4).
* `RecordDating` re-dates implausibly dated v12/v24 records from counter continuity: the tick counter advances by
  one per 31504/32768 s (§7.1), so a record `d` counters after a correctly dated anchor happened exactly
  `d * 31504` RTC ticks after it. Anchors: the nearest plausibly dated record of the drain (by counter, the
  newest one already stored counting too), else the band's own unset clock at hello matched to the host's time (the records were stamped by that same running
  clock). With no anchor a record stays undated: its raw frame is archived, it is not put on any day.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass, field

from .constants import RECORD_PERIOD_TICKS, SUBSEC_PER_SECOND, PacketType
from .framing import crc8

PLAUSIBLE_FROM_UNIX = 1_704_067_200  # 2024-01-01 00:00 UTC: no WHOOP 4.0 record of ours is older
MAX_FUTURE_S = 86_400
MAX_DRIFT_S = 86_400  # host vs a plausible band clock: more than this and we ask instead of overwriting
LATCH_TOLERANCE_S = 30.0  # after SET_CLOCK the band's clock must be this close to the host's
MAX_REDATE_TICKS = 400 * 86_400  # an anchor further away than ~400 days in counters is not trusted
DATED_VERSIONS = frozenset({12, 24})  # the 1 Hz versions whose counter runs with the RTC (§7.1)


def plausible(unix: float, host_now: float) -> bool:
    return PLAUSIBLE_FROM_UNIX <= unix <= host_now + MAX_FUTURE_S


@dataclass(frozen=True)
class ClockDecision:
    set_clock: bool
    warning: str | None = None  # message for CLOCK_IMPLAUSIBLE, when the clocks were left alone


def decide_clock(band_unix: float, host_now: float) -> ClockDecision:
    """Whether to SET_CLOCK from the host, given the band's clock at hello (§12.4)."""
    host_ok = host_now >= PLAUSIBLE_FROM_UNIX
    band_ok = band_unix >= PLAUSIBLE_FROM_UNIX
    if not host_ok:
        return ClockDecision(False, "This computer's clock reads a date before 2024, so the band's clock was "
                                    "not set from it; correct the computer's date and sync again.")
    if band_ok and abs(band_unix - host_now) > MAX_DRIFT_S:
        days = abs(band_unix - host_now) / 86_400
        return ClockDecision(False, f"The band's clock and this computer's differ by {days:.0f} days, so "
                                    "neither was changed; check the computer's date and sync again.")
    return ClockDecision(True)


def latched(band_after: float, host_now: float) -> bool:
    return abs(band_after - host_now) <= LATCH_TOLERANCE_S


# --- re-dating ------------------------------------------------------------------------------------------------
def record_header(frame: bytes) -> tuple[int, int, int, int] | None:
    """(version, counter, unix, subsec) of a 0x2F record wire frame, None for anything else or too short."""
    if len(frame) < 4 + 13 + 4 or frame[4] != PacketType.HISTORICAL_DATA:
        return None
    counter, unix, subsec = struct.unpack_from("<IIH", frame, 7)
    return frame[5], counter, unix, subsec


def restamp(frame: bytes, ticks: int) -> bytes:
    """The same record frame with unix/subsec set to `ticks` (1/32768 s since 1970) and its CRC-32 redone."""
    unix, subsec = divmod(ticks, SUBSEC_PER_SECOND)
    inner = bytearray(frame[4:-4])
    struct.pack_into("<IH", inner, 7, unix, subsec)
    length = frame[1:3]
    return (b"\xaa" + length + bytes((crc8(length),)) + bytes(inner)
            + (zlib.crc32(inner) & 0xFFFFFFFF).to_bytes(4, "little"))


@dataclass
class DatingPlan:
    """Frames to decode (re-dated copies in place of the originals, undated records left out)."""

    decode_frames: list[bytes]
    redated: int = 0
    undated: int = 0

    @property
    def untouched(self) -> bool:
        return self.redated == 0 and self.undated == 0


@dataclass
class RecordDating:
    """Carries the last correctly dated record across the batches of one drain job."""

    host_now: float
    hello_anchor: tuple[float, float] | None = None  # (band unset-clock unix at hello, host unix at hello)
    _anchor: tuple[int, int] | None = field(default=None, repr=False)  # (counter, ticks)
    redated: int = 0
    undated: int = 0

    def seed_anchor(self, counter: int, unix: int, subsec: int) -> None:
        """The newest record stored by an earlier drain, so re-dating survives app restarts (§12.5)."""
        if self._anchor is None and plausible(unix, self.host_now):
            self._anchor = (counter, unix * SUBSEC_PER_SECOND + subsec)

    def plan(self, frames: list[bytes]) -> DatingPlan:
        headers = [record_header(f) for f in frames]
        good = [(h[1], h[2] * SUBSEC_PER_SECOND + h[3]) for h in headers
                if h is not None and h[0] in DATED_VERSIONS and plausible(h[2], self.host_now)]
        out: list[bytes] = []
        plan = DatingPlan(out)
        for frame, h in zip(frames, headers, strict=True):
            if h is None or h[0] not in DATED_VERSIONS or plausible(h[2], self.host_now):
                if h is not None and h[0] in DATED_VERSIONS:
                    self._anchor = (h[1], h[2] * SUBSEC_PER_SECOND + h[3])
                out.append(frame)
                continue
            ticks = self._redate(h, good)
            if ticks is None:
                plan.undated += 1  # archived by the caller, stored on no day
                continue
            out.append(restamp(frame, ticks))
            plan.redated += 1
        self.redated += plan.redated
        self.undated += plan.undated
        return plan

    def _redate(self, header: tuple[int, int, int, int], good: list[tuple[int, int]]) -> int | None:
        _, counter, unix, subsec = header
        candidates = list(good) + ([self._anchor] if self._anchor is not None else [])
        if candidates:
            a_counter, a_ticks = min(candidates, key=lambda c: abs(c[0] - counter))
            delta = (counter - a_counter) * RECORD_PERIOD_TICKS
            if abs(delta) <= MAX_REDATE_TICKS * SUBSEC_PER_SECOND:
                ticks = a_ticks + delta
                if plausible(ticks / SUBSEC_PER_SECOND, self.host_now):
                    return ticks
        if self.hello_anchor is not None:
            band_then, host_then = self.hello_anchor
            ticks = round((unix + subsec / SUBSEC_PER_SECOND + host_then - band_then) * SUBSEC_PER_SECOND)
            if plausible(ticks / SUBSEC_PER_SECOND, self.host_now):
                return ticks
        return None
