"""A WHOOP 4.0 protocol session over any BandLink: handshake, history drain (ack after commit), live HR.

No bleak here: the link is the `BandLink` seam (a radio through healthdesk.ble, or the simulated band).
The behaviour follows docs/band-protocol.md: §6.1 (handshake), §6.2-6.3 (history drain), §8 (live HR), §12 (the real-band
behaviours: raw stream stopped with `3F 00`, live types never counted, NACK cap, confirmed writes, clock
read-back, optional commands, 60 s watchdog reset by history frames only, length checks before indexing).

The drain: SEND_HISTORICAL_DATA, then per batch HISTORY_START / frames / HISTORY_END(count, token). A batch is
handed to the caller's `commit(frames)` coroutine and only AFTER it returns is the token echoed verbatim in a
success ACK, so the band frees flash only for what is durably stored (architecture invariant 1). A frame-count
mismatch or a CRC failure inside the batch gets the official app's failure result and the band sends the batch
again, at most NACK_LIMIT times per token. An END re-offered for a batch we already committed (our ACK was lost)
is ACKed again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import struct
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable

from healthdesk.band.whoop4 import clock as band_clock
from healthdesk.band.whoop4 import commands
from healthdesk.band.whoop4.constants import (
    DATA_FROM_STRAP_UUID,
    RECORD_PERIOD_TICKS,
    SUBSEC_PER_SECOND,
    TRIM_ERASE_ALL,
    UNSET_CLOCK_EPOCH,
    MetadataType,
    Opcode,
    PacketType,
    ResultCode,
)
from healthdesk.band.whoop4.session_link import (  # noqa: F401 - re-exported
    DAMAGE,
    HISTORY_TYPES,
    IDLE_TIMEOUT_S,
    LIVE_HR_REARM_S,
    LIVE_TYPES,
    POLL_S,
    RESPONSE_TIMEOUT_S,
    SessionLink,
)
from healthdesk.band.whoop4.session_types import (  # noqa: F401 - re-exported: the session's public names
    CLOCK_IMPLAUSIBLE,
    CLOCK_NOT_LATCHED,
    OPTIONAL_COMMAND_SKIPPED,
    RAW_STREAM_WAS_ON,
    BandDisconnected,
    BandError,
    BandInfo,
    BandTimeout,
    ClockNotLatched,
    CommandRefused,
    CommitFailed,
    DrainProgress,
    DrainResult,
    DrainStalled,
    DrainWarning,
    LiveSample,
    NackLimitReached,
)

log = logging.getLogger(__name__)
NACK_LIMIT = 3  # failure results per HISTORY_END token before the drain is aborted (§12.2)
_KNOWN_TYPES = HISTORY_TYPES | LIVE_TYPES | {PacketType.COMMAND_RESPONSE}
_END_INNER_MIN = 21  # HISTORY_END: count at inner[9..12], token at inner[13..20] (§7.9)

CommitFn = Callable[[list[bytes]], Awaitable[object]]


class Whoop4Session(SessionLink):
    """One connected band. Use `async with Whoop4Session(link) as s:`; it reads notifications in the background."""

    # --- handshake -------------------------------------------------------------------------------------------
    async def hello(self) -> tuple[bytes, float]:
        """GET_HELLO_HARVARD, confirmed; returns (body, band clock). Length-checked before any field is read."""
        hello = await self.request(commands.get_hello, Opcode.GET_HELLO_HARVARD, confirmed=True)
        body = hello.body  # inner[5:]
        if hello.result != ResultCode.SUCCESS or len(body) < 24:
            raise BandError(f"the band's hello answer is not a WHOOP 4.0 one ({len(body)} bytes, "
                            f"result {hello.result}); is this a WHOOP 5.0/MG?")
        band_unix, band_subsec = struct.unpack_from("<II", body, 6)
        return body, band_unix + band_subsec / SUBSEC_PER_SECOND

    async def handshake(self, set_clock: bool = True) -> BandInfo:
        """Hello (confirmed), raw stream off, version, clock check + SET_CLOCK + read-back, battery (§6.1)."""
        warnings: list[DrainWarning] = []
        skipped: list[str] = []
        body, band_clock_at_hello = await self.hello()
        host_now = self.host_clock()
        battery = struct.unpack_from("<I", body, 1)[0] / 10
        serial = body[14:24].split(b"\x00", 1)[0].decode("ascii", "replace")
        # `3F 00`: the raw sensor stream may be running and its off switch persists (§12.1). Written, not awaited:
        # whether every firmware answers it is unknown, and whether the stream ran is told by the 0x2B frames seen.
        await self._write(commands.stop_raw_stream(self._next_seq()))
        version = await self.optional(commands.report_version, Opcode.REPORT_VERSION_INFO, "firmware version",
                                      skipped)
        firmware = (".".join(str(v) for v in struct.unpack_from("<4I", version.body, 1))
                    if version is not None and len(version.body) >= 17 else "unknown")
        clock_set = False
        if set_clock:
            clock_set = await self._set_clock_checked(band_clock_at_hello, warnings)
        battery_answer = await self.optional(commands.get_battery, Opcode.GET_BATTERY_LEVEL, "battery level",
                                             skipped)
        if skipped:
            what = " and ".join(skipped)
            it = "them" if len(skipped) > 1 else "it"
            warnings.append(DrainWarning(OPTIONAL_COMMAND_SKIPPED, f"The band did not answer when asked for its "
                                         f"{what}, so the sync went on without {it}."))
        if (battery_answer is not None and battery_answer.result == ResultCode.SUCCESS
                and len(battery_answer.body) >= 2):
            battery = struct.unpack_from("<H", battery_answer.body)[0] / 10
        raw_on = self.live_frames[PacketType.REALTIME_RAW_DATA] > 0
        if raw_on:
            warnings.append(DrainWarning(RAW_STREAM_WAS_ON, "The band's raw sensor stream was running; it was "
                                         "switched off, which also saves the band's battery."))
        return BandInfo(serial=serial, firmware=firmware, battery_percent=battery,
                        charging=len(body) > 5 and bool(body[5]),
                        on_wrist=len(body) > 114 and body[114] == 1, band_clock_unix=band_clock_at_hello,
                        clock_drift_s=band_clock_at_hello - host_now, clock_set=clock_set,
                        clock_was_unset=band_clock_at_hello < band_clock.PLAUSIBLE_FROM_UNIX,
                        warnings=warnings, raw_stream_was_on=raw_on)

    async def _set_clock_checked(self, band_before: float, warnings: list[DrainWarning]) -> bool:
        """SET_CLOCK (confirmed, the app's 9-byte form) unless the clocks disagree implausibly, then read the
        band's clock back through hello: an acknowledged but not latched clock is reported (§12.4)."""
        now = self.host_clock()
        decision = band_clock.decide_clock(band_before, now)
        if not decision.set_clock:
            warnings.append(DrainWarning(CLOCK_IMPLAUSIBLE, decision.warning or "The clocks disagree."))
            return False
        subsec = int((now % 1) * SUBSEC_PER_SECOND)
        answer = await self.request(lambda s: commands.set_clock(s, int(now), subsec), Opcode.SET_CLOCK,
                                    confirmed=True)
        if answer.result != ResultCode.SUCCESS:
            raise BandError(f"the band refused SET_CLOCK (result {answer.result})")
        _, band_after = await self.hello()
        if not band_clock.latched(band_after, self.host_clock()):
            warnings.append(DrainWarning(CLOCK_NOT_LATCHED, "The band acknowledged the new time but its clock did "
                                         "not change, so nothing was drained; restart the band and sync again."))
            return False
        return True

    async def records_waiting(self) -> int | None:
        """Backlog estimate from GET_DATA_RANGE's oldest/newest record times (its 'used' field counts pages,
        §12.9); None when the band does not answer or the times are not usable."""
        try:
            answer = await self.request(commands.get_data_range, Opcode.GET_DATA_RANGE)
        except BandTimeout:
            return None
        body = answer.body
        if answer.result != ResultCode.SUCCESS or len(body) < 61 or body[0] != 1:
            return None
        oldest, newest = struct.unpack_from("<I", body, 33)[0], struct.unpack_from("<I", body, 57)[0]
        if oldest == 0 and newest == 0:
            return 0
        if newest < oldest or oldest < UNSET_CLOCK_EPOCH:
            return None
        return round((newest - oldest) * SUBSEC_PER_SECOND / RECORD_PERIOD_TICKS) + 1

    async def band_clock(self) -> tuple[int, int]:
        answer = await self.request(commands.get_clock, Opcode.GET_CLOCK)
        if answer.result != ResultCode.SUCCESS or len(answer.body) < 8:
            raise BandError(f"the band did not tell its clock (result {answer.result})")
        return struct.unpack_from("<II", answer.body)  # type: ignore[return-value]

    # --- history drain -----------------------------------------------------------------------------------
    async def drain(self, commit: CommitFn, progress: Callable[[DrainProgress], None] | None = None,
                    records_reported: int | None = None, result: DrainResult | None = None) -> DrainResult:
        """Drain the band's flash until HISTORY_COMPLETE. Raises BandDisconnected / DrainStalled /
        NackLimitReached on failure; pass `result` to keep the counts of the batches committed before it."""
        result = result if result is not None else DrainResult()
        result.records_reported = records_reported
        started = time.monotonic()
        damage_mark = self.damage_count()
        live_mark = Counter(self.live_frames)
        batch: list[bytes] = []
        last_acked: bytes | None = None
        nacks: Counter[bytes] = Counter()
        await self._write(commands.send_historical_data(self._next_seq()), confirmed=True)
        watchdog = asyncio.get_running_loop().create_task(self._watchdog())
        try:
            while True:
                frame = await self._next_data_frame()
                ptype = frame[4]
                if ptype != PacketType.METADATA:
                    batch.append(frame)  # records, events, logs and unknown types: counted and archived (§12.2)
                    if ptype not in _KNOWN_TYPES:
                        result.unknown_types[ptype] += 1
                    continue
                kind = frame[6] if len(frame) >= 4 + 3 + 4 else None
                if kind == MetadataType.HISTORY_START:
                    batch, damage_mark = [frame], self.damage_count()
                elif kind == MetadataType.HISTORY_END:
                    acked = await self._on_end(frame, batch, damage_mark, last_acked, nacks, commit, result,
                                               started, progress)
                    last_acked = acked or last_acked
                    batch, damage_mark = [], self.damage_count()
                elif kind == MetadataType.HISTORY_COMPLETE:
                    result.complete = True
                    return result
        except BaseException:
            # cancelled, stalled, or the commit failed: tell the band to stop; what was not ACKed stays on it
            await self._abort_quietly()
            raise
        finally:
            watchdog.cancel()
            dropped = self._reassemblers[DATA_FROM_STRAP_UUID].dropped
            result.damage = {r: dropped[r] for r in DAMAGE if dropped[r]}
            result.frames_invalid = sum(result.damage.values())
            result.live_frames_ignored.update(self.live_frames - live_mark)

    async def _on_end(self, frame: bytes, batch: list[bytes], damage_mark: int, last_acked: bytes | None,
                      nacks: Counter[bytes], commit: CommitFn, result: DrainResult, started: float,
                      progress: Callable[[DrainProgress], None] | None) -> bytes | None:
        """One HISTORY_END: commit + ACK, re-ACK a re-offer, or NACK (capped per token). Returns the token ACKed."""
        body = [f for f in batch if f[4] != PacketType.METADATA]
        if len(frame) - 8 < _END_INNER_MIN:  # a HISTORY_END too short to hold count and token
            await self._nack(b"", nacks, result, "a HISTORY_END too short to read", body, None)
            return None
        count = int.from_bytes(frame[13:17], "little")
        token = bytes(frame[17:25])
        damaged = self.damage_count() - damage_mark
        if not body and token == last_acked:
            result.reacks += 1  # our ACK was lost and the band re-offers the END: ACK again
            await self._write(commands.history_ack(self._next_seq(), token), confirmed=True)
            return token
        elif len(body) == count and not damaged:
            await commit(batch + [frame])
            await self._write(commands.history_ack(self._next_seq(), token), confirmed=True)
            self._count_batch(result, body, started, progress)
            return token
        if not damaged:
            result.count_mismatches += 1
        why = f"{damaged} damaged frames" if damaged else "a frame count that did not match"
        await self._nack(token, nacks, result, why, body, count)
        return None

    async def _nack(self, token: bytes, nacks: Counter[bytes], result: DrainResult, why: str,
                    body: list[bytes], expected: int | None) -> None:
        nacks[token] += 1
        if nacks[token] > NACK_LIMIT:
            by_type = Counter(f[4] for f in body)
            got = ", ".join(f"0x{t:02X}: {n}" for t, n in sorted(by_type.items())) or "none"
            raise NackLimitReached(
                f"the band sent the same batch wrongly {NACK_LIMIT + 1} times ({why}; expected "
                f"{expected if expected is not None else 'unknown'} frames, received {len(body)} by type {got}); "
                "the drain was stopped and the band keeps that batch")
        log.info("batch rejected (%s): %d frames", why, len(body))
        result.nacks += 1
        await self._write(commands.history_nack(self._next_seq()))

    def _count_batch(self, result: DrainResult, body: list[bytes], started: float,
                     progress: Callable[[DrainProgress], None] | None) -> None:
        result.batches += 1
        result.frames += len(body)
        result.records += sum(1 for f in body if f[4] == PacketType.HISTORICAL_DATA)
        if progress is None:
            return
        elapsed = max(time.monotonic() - started, 1e-6)
        rate = result.records / elapsed
        remaining = (max(result.records_reported - result.records, 0)
                     if result.records_reported is not None else None)
        eta = remaining / rate if remaining is not None and rate > 0 else None
        progress(DrainProgress(result.frames, result.records, result.batches, remaining, rate, eta))

    async def _next_data_frame(self) -> bytes:
        """The next frame on DATA_FROM_STRAP; the watchdog wakes us with an empty frame on silence or link loss."""
        frame = await self._data.get()
        if frame:
            return frame
        if not self.link.is_connected:
            raise BandDisconnected("the band disconnected during the drain")
        raise DrainStalled(f"the band sent no history for {self.idle_timeout:g} s; drain aborted")

    async def _watchdog(self) -> None:
        """Idle watchdog: no history frame for `idle_timeout` s, or the link gone -> wake the drain (§12.8)."""
        loop = asyncio.get_running_loop()
        self._last_history = loop.time()
        while True:
            await asyncio.sleep(min(POLL_S, self.idle_timeout))
            if not self.link.is_connected or loop.time() - self._last_history > self.idle_timeout:
                self._data.put_nowait(b"")
                return

    async def _abort_quietly(self) -> None:
        with contextlib.suppress(Exception):
            if self.link.is_connected:
                await self._write(commands.abort_history(self._next_seq()))

    # --- live heart rate -------------------------------------------------------------------------------------
    async def live_hr(self, seconds: float | None = None) -> AsyncIterator[LiveSample]:
        """Turn the band's realtime HR on, yield samples for `seconds` (forever if None), turn it off again.
        The switch is re-sent every `live_rearm_s` because the firmware lets it lapse (§12.10)."""
        answer = await self.request(lambda s: commands.toggle_realtime_hr(s, True), Opcode.TOGGLE_REALTIME_HR)
        if answer.result != ResultCode.SUCCESS:
            raise BandError(f"the band refused realtime HR (result {answer.result})")
        loop = asyncio.get_running_loop()
        end = loop.time() + seconds if seconds is not None else None
        rearm_at = loop.time() + self.live_rearm_s
        try:
            while end is None or loop.time() < end:
                if not self.link.is_connected:
                    raise BandDisconnected("the band disconnected")
                if loop.time() >= rearm_at:
                    rearm_at = loop.time() + self.live_rearm_s
                    await self._write(commands.toggle_realtime_hr(self._next_seq(), True))
                wait = POLL_S if end is None else max(min(end - loop.time(), POLL_S), 0.0)
                try:
                    frame = await asyncio.wait_for(self._realtime.get(), wait)
                except TimeoutError:
                    continue
                if len(frame) < 4 + 18 + 4:
                    continue  # too short for HR and four RR slots
                unix, subsec, hr, n = struct.unpack_from("<IHBB", frame, 6)
                rr = struct.unpack_from("<4H", frame, 14)[: min(n, 4)]
                yield LiveSample(unix, subsec, hr, tuple(rr))
        finally:
            if self.link.is_connected:
                with contextlib.suppress(BandError):
                    await self._write(commands.toggle_realtime_hr(self._next_seq(), False))

    # --- the one destructive action ------------------------------------------------------------------------
    async def erase_band(self, *, confirm: bool) -> None:
        """FORCE_TRIM erase-all (§5.6): frees every record on the band. Only with an explicit user confirmation."""
        if confirm is not True:
            raise CommandRefused("erasing the band needs explicit confirmation")
        self._allow_destructive = True
        try:
            answer = await self.request(lambda s: commands.force_trim(s, TRIM_ERASE_ALL, TRIM_ERASE_ALL),
                                        Opcode.FORCE_TRIM)
        finally:
            self._allow_destructive = False
        if answer.result != ResultCode.SUCCESS:
            raise BandError(f"the band refused to erase (result {answer.result})")
