"""A WHOOP 4.0 protocol session over any BandLink: handshake, history drain (ack after commit), live HR.

No bleak here: the link is the `BandLink` seam (a radio through healthdesk.ble, or the simulated band).

The drain (band-protocol §6): SEND_HISTORICAL_DATA, then per batch HISTORY_START / frames / HISTORY_END(count,
token). A batch is handed to the caller's `commit(frames)` coroutine and only AFTER it returns is the token echoed
verbatim in a success ACK, so the band frees flash only for what is durably stored (architecture invariant 1).
A frame-count mismatch or a CRC failure inside the batch gets the official app's failure result and the band sends
the batch again. An END re-offered for a batch we already committed (our ACK was lost) is ACKed again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import struct
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field

from healthdesk.band.base import BandLink, Notification
from healthdesk.band.whoop4 import commands
from healthdesk.band.whoop4.constants import (
    CMD_FROM_STRAP_UUID,
    DATA_FROM_STRAP_UUID,
    EVENTS_FROM_STRAP_UUID,
    SUBSEC_PER_SECOND,
    TRIM_ERASE_ALL,
    MetadataType,
    Opcode,
    PacketType,
    ResultCode,
)
from healthdesk.band.whoop4.decode import CommandResponse, parse_response
from healthdesk.band.whoop4.framing import FrameReassembler

log = logging.getLogger(__name__)
IDLE_TIMEOUT_S = 30.0
RESPONSE_TIMEOUT_S = 5.0
_POLL_S = 0.2  # how often a waiting session re-checks that the link is still up
# Reassembler reasons that mean "a frame was damaged" (as opposed to zero padding / junk between frames).
_DAMAGE = ("bad_crc32", "truncated")
HISTORY_TYPES = frozenset({PacketType.HISTORICAL_DATA, PacketType.EVENT, PacketType.CONSOLE_LOGS,
                           PacketType.REALTIME_RAW_DATA})

CommitFn = Callable[[list[bytes]], Awaitable[object]]


class BandError(Exception):
    """A band problem a user can act on; the message is one line."""


class BandDisconnected(BandError):
    pass


class BandTimeout(BandError):
    pass


class DrainStalled(BandTimeout):
    pass


class CommandRefused(BandError):
    pass


class CommitFailed(BandError):
    """Storing a batch failed; the batch was not ACKed, so the band still holds it."""


@dataclass
class BandInfo:
    serial: str
    firmware: str
    battery_percent: float
    charging: bool
    on_wrist: bool
    band_clock_unix: float  # the band's RTC when we said hello
    clock_drift_s: float  # band RTC minus host clock at hello (huge when the RTC was never set)
    clock_set: bool


@dataclass
class DrainProgress:
    frames: int
    records: int
    batches: int
    records_remaining: int | None  # None when the band did not say how much it holds
    rate: float  # records per second so far
    eta_s: float | None


@dataclass
class DrainResult:
    batches: int = 0
    frames: int = 0
    records: int = 0
    nacks: int = 0
    reacks: int = 0
    frames_invalid: int = 0
    complete: bool = False
    records_reported: int | None = None  # GET_DATA_RANGE used records before the drain
    damage: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class LiveSample:
    unix: int
    subsec: int
    hr: int
    rr_ms: tuple[int, ...]


class Whoop4Session:
    """One connected band. Use `async with Whoop4Session(link) as s:`; it reads notifications in the background."""

    def __init__(self, link: BandLink, *, idle_timeout: float = IDLE_TIMEOUT_S,
                 response_timeout: float = RESPONSE_TIMEOUT_S, host_clock: Callable[[], float] = time.time,
                 first_seq: int = 0) -> None:
        self.link = link
        self.idle_timeout = idle_timeout
        self.response_timeout = response_timeout
        self.host_clock = host_clock
        self._seq = first_seq & 0xFF
        self._reassemblers = {u: FrameReassembler() for u in (CMD_FROM_STRAP_UUID, DATA_FROM_STRAP_UUID,
                                                              EVENTS_FROM_STRAP_UUID)}
        self._waiters: dict[int, asyncio.Future[CommandResponse]] = {}
        self._data: asyncio.Queue[bytes] = asyncio.Queue()
        self._realtime: asyncio.Queue[bytes] = asyncio.Queue()
        self.live_events: asyncio.Queue[bytes] = asyncio.Queue()  # 0x30 frames from EVENTS_FROM_STRAP
        self._reader: asyncio.Task[None] | None = None
        self._last_heard = 0.0  # loop time of the last notification (idle watchdog)
        self._allow_destructive = False

    async def __aenter__(self) -> Whoop4Session:
        self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    def start(self) -> None:
        if self._reader is None:
            self._reader = asyncio.get_running_loop().create_task(self._read_notifications())

    async def close(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
            self._reader = None

    # --- notifications -------------------------------------------------------------------------------------
    async def _read_notifications(self) -> None:
        queue = self.link.notifications
        while True:
            note = await queue.get()
            if not isinstance(note, Notification):
                continue  # a transport's wake-up sentinel; disconnects are seen through link.is_connected
            reassembler = self._reassemblers.get(note.characteristic)
            self._last_heard = asyncio.get_running_loop().time()
            if reassembler is None:
                continue  # memfault and others: not ours
            for frame in reassembler.feed(note.data):
                self._route(note.characteristic, frame)

    def _route(self, characteristic: str, frame: bytes) -> None:
        ptype = frame[4]
        if ptype == PacketType.COMMAND_RESPONSE:
            try:
                response = parse_response(frame[4:-4])
            except ValueError:
                return  # too short to be an answer
            waiter = self._waiters.pop(response.opcode, None)
            if waiter is not None and not waiter.done():
                waiter.set_result(response)
        elif characteristic == EVENTS_FROM_STRAP_UUID:
            self.live_events.put_nowait(frame)
        elif ptype == PacketType.REALTIME_DATA:
            self._realtime.put_nowait(frame)
        else:
            self._data.put_nowait(frame)

    def damage_count(self) -> int:
        dropped = self._reassemblers[DATA_FROM_STRAP_UUID].dropped
        return sum(dropped[r] for r in _DAMAGE)

    # --- commands ------------------------------------------------------------------------------------------
    def _next_seq(self) -> int:
        seq = self._seq
        self._seq = (self._seq + 1) & 0xFF
        return seq

    async def _write(self, frame: bytes) -> None:
        if commands.is_destructive(frame) and not self._allow_destructive:
            raise CommandRefused("refusing to send a destructive command without explicit confirmation")
        if not self.link.is_connected:
            raise BandDisconnected("the band disconnected")
        try:
            await self.link.write_command(frame)
        except Exception as exc:
            if not self.link.is_connected:  # the link went down under the write
                raise BandDisconnected("the band disconnected") from exc
            raise

    async def request(self, build: Callable[[int], bytes], opcode: int) -> CommandResponse:
        """Send a command built with `build(seq)` and wait for its COMMAND_RESPONSE."""
        waiter: asyncio.Future[CommandResponse] = asyncio.get_running_loop().create_future()
        self._waiters[opcode] = waiter
        await self._write(build(self._next_seq()))
        try:
            return await self._wait(waiter, self.response_timeout, f"no answer to command 0x{opcode:02x}")
        finally:
            self._waiters.pop(opcode, None)

    async def _wait(self, fut: asyncio.Future[CommandResponse], timeout: float, what: str) -> CommandResponse:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not fut.done():
            if not self.link.is_connected:
                raise BandDisconnected("the band disconnected")
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise BandTimeout(f"the band did not answer in {timeout:g} s ({what})")
            await asyncio.wait([fut], timeout=min(remaining, _POLL_S))
        return fut.result()

    # --- handshake -------------------------------------------------------------------------------------------
    async def handshake(self, set_clock: bool = True) -> BandInfo:
        """Hello, version, SET_CLOCK (the official app's 9-byte form), battery."""
        hello = await self.request(commands.get_hello, Opcode.GET_HELLO_HARVARD)
        host_now = self.host_clock()
        body = hello.body  # inner[5:]
        if hello.result != ResultCode.SUCCESS or len(body) < 24:
            raise BandError(f"the band's hello answer is not a WHOOP 4.0 one ({len(body)} bytes, "
                            f"result {hello.result}); is this a WHOOP 5.0/MG?")
        battery = struct.unpack_from("<I", body, 1)[0] / 10
        band_unix, band_subsec = struct.unpack_from("<II", body, 6)
        band_clock = band_unix + band_subsec / SUBSEC_PER_SECOND
        serial = body[14:24].split(b"\x00", 1)[0].decode("ascii", "replace")
        version = await self.request(commands.report_version, Opcode.REPORT_VERSION_INFO)
        firmware = (".".join(str(v) for v in struct.unpack_from("<4I", version.body, 1))
                    if len(version.body) >= 17 else "unknown")
        clock_set = False
        if set_clock:
            now = self.host_clock()
            subsec = int((now % 1) * SUBSEC_PER_SECOND)
            answer = await self.request(lambda s: commands.set_clock(s, int(now), subsec), Opcode.SET_CLOCK)
            if answer.result != ResultCode.SUCCESS:
                raise BandError(f"the band refused SET_CLOCK (result {answer.result})")
            clock_set = True
        battery_answer = await self.request(commands.get_battery, Opcode.GET_BATTERY_LEVEL)
        if battery_answer.result == ResultCode.SUCCESS and len(battery_answer.body) >= 2:
            battery = struct.unpack_from("<H", battery_answer.body)[0] / 10
        return BandInfo(serial=serial, firmware=firmware, battery_percent=battery, charging=bool(body[5]),
                        on_wrist=len(body) > 114 and body[114] == 1, band_clock_unix=band_clock,
                        clock_drift_s=band_clock - host_now, clock_set=clock_set)

    async def records_waiting(self) -> int | None:
        """Used records from GET_DATA_RANGE (OS-P's layout), None when the band does not answer it."""
        try:
            answer = await self.request(commands.get_data_range, Opcode.GET_DATA_RANGE)
        except BandTimeout:
            return None
        if answer.result != ResultCode.SUCCESS or len(answer.body) < 29 or answer.body[0] != 1:
            return None
        return int(struct.unpack_from("<I", answer.body, 25)[0])

    async def band_clock(self) -> tuple[int, int]:
        answer = await self.request(commands.get_clock, Opcode.GET_CLOCK)
        if answer.result != ResultCode.SUCCESS or len(answer.body) < 8:
            raise BandError(f"the band did not tell its clock (result {answer.result})")
        return struct.unpack_from("<II", answer.body)  # type: ignore[return-value]

    # --- history drain -----------------------------------------------------------------------------------
    async def drain(self, commit: CommitFn, progress: Callable[[DrainProgress], None] | None = None,
                    records_reported: int | None = None, result: DrainResult | None = None) -> DrainResult:
        """Drain the band's flash until HISTORY_COMPLETE. Raises BandDisconnected / DrainStalled on failure;
        pass `result` to keep the counts of the batches that were committed before such a failure."""
        result = result if result is not None else DrainResult()
        result.records_reported = records_reported
        started = time.monotonic()
        damage_mark = self.damage_count()
        batch: list[bytes] = []
        last_acked: bytes | None = None
        await self._write(commands.send_historical_data(self._next_seq()))
        watchdog = asyncio.get_running_loop().create_task(self._watchdog())
        try:
            while True:
                frame = await self._next_data_frame()
                ptype = frame[4]
                if ptype != PacketType.METADATA:
                    if ptype in HISTORY_TYPES:
                        batch.append(frame)
                    continue
                kind = frame[6]
                if kind == MetadataType.HISTORY_START:
                    batch, damage_mark = [frame], self.damage_count()
                elif kind == MetadataType.HISTORY_END:
                    count = int.from_bytes(frame[13:17], "little")
                    token = bytes(frame[17:25])
                    body = [f for f in batch if f[4] != PacketType.METADATA]
                    damaged = self.damage_count() - damage_mark
                    if not body and token == last_acked:
                        result.reacks += 1  # our ACK was lost and the band re-offers the END: ACK again
                        await self._write(commands.history_ack(self._next_seq(), token))
                    elif len(body) == count and not damaged:
                        await commit(batch + [frame])
                        await self._write(commands.history_ack(self._next_seq(), token))
                        last_acked = token
                        self._count_batch(result, body, started, progress)
                    else:
                        log.info("batch rejected: %d of %d frames, %d damaged", len(body), count, damaged)
                        result.nacks += 1
                        await self._write(commands.history_nack(self._next_seq()))
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
            result.damage = {r: dropped[r] for r in _DAMAGE if dropped[r]}
            result.frames_invalid = sum(result.damage.values())

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
        raise DrainStalled(f"the band sent nothing for {self.idle_timeout:g} s; drain aborted")

    async def _watchdog(self) -> None:
        """Idle watchdog: no notification for `idle_timeout` s, or the link gone -> wake the drain."""
        loop = asyncio.get_running_loop()
        self._last_heard = loop.time()
        while True:
            await asyncio.sleep(min(_POLL_S, self.idle_timeout))
            if not self.link.is_connected or loop.time() - self._last_heard > self.idle_timeout:
                self._data.put_nowait(b"")
                return

    async def _abort_quietly(self) -> None:
        with contextlib.suppress(Exception):
            if self.link.is_connected:
                await self._write(commands.abort_history(self._next_seq()))

    # --- live heart rate -------------------------------------------------------------------------------------
    async def live_hr(self, seconds: float | None = None) -> AsyncIterator[LiveSample]:
        """Turn the band's realtime HR on, yield samples for `seconds` (forever if None), turn it off again."""
        answer = await self.request(lambda s: commands.toggle_realtime_hr(s, True), Opcode.TOGGLE_REALTIME_HR)
        if answer.result != ResultCode.SUCCESS:
            raise BandError(f"the band refused realtime HR (result {answer.result})")
        loop = asyncio.get_running_loop()
        end = loop.time() + seconds if seconds is not None else None
        try:
            while end is None or loop.time() < end:
                if not self.link.is_connected:
                    raise BandDisconnected("the band disconnected")
                wait = _POLL_S if end is None else max(min(end - loop.time(), _POLL_S), 0.0)
                try:
                    frame = await asyncio.wait_for(self._realtime.get(), wait)
                except TimeoutError:
                    continue
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
