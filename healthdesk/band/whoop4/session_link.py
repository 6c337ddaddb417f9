"""The transport half of a WHOOP 4.0 session: notification routing, command writes and their answers.

`SessionLink` owns the reassemblers, routes each frame by characteristic and packet type (command responses to
waiting requests, live events, realtime HR, history to the drain queue; the raw sensor stream is only counted),
and sends commands with or without ATT response (docs/band-protocol.md §12.1, §12.3, §12.11). The protocol
flows (handshake, drain, live HR) are in session.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import struct
import time
from collections import Counter
from collections.abc import Callable
from typing import Self

from healthdesk.band.base import BandLink, Notification
from healthdesk.band.whoop4 import commands
from healthdesk.band.whoop4.constants import (
    CMD_FROM_STRAP_UUID,
    DATA_FROM_STRAP_UUID,
    EVENTS_FROM_STRAP_UUID,
    PacketType,
)
from healthdesk.band.whoop4.decode import CommandResponse, parse_response
from healthdesk.band.whoop4.framing import FrameReassembler
from healthdesk.band.whoop4.session_types import BandDisconnected, BandTimeout, CommandRefused

IDLE_TIMEOUT_S = 60.0  # hardware clients' watchdog (docs/band-protocol.md §12.8)
RESPONSE_TIMEOUT_S = 5.0
LIVE_HR_REARM_S = 30.0  # the firmware lets realtime HR lapse; re-send `03 01` this often (§12.10)
POLL_S = 0.2  # how often a waiting session re-checks that the link is still up
# Reassembler reasons that mean "a frame was damaged" (as opposed to zero padding / junk between frames).
DAMAGE = ("bad_crc32", "truncated")
# Live streams on DATA_FROM_STRAP: never part of a batch, never archived, never feed the watchdog (§12.1).
LIVE_TYPES = frozenset({PacketType.REALTIME_DATA, PacketType.REALTIME_RAW_DATA, PacketType.REALTIME_IMU_DATA_STREAM})
# What the band stores in flash and replays in a drain; only these reset the idle watchdog (§12.8).
HISTORY_TYPES = frozenset({PacketType.HISTORICAL_DATA, PacketType.EVENT, PacketType.METADATA,
                           PacketType.CONSOLE_LOGS})


class SessionLink:
    """One connected band's notifications and commands (the base of `Whoop4Session`)."""


    def __init__(self, link: BandLink, *, idle_timeout: float = IDLE_TIMEOUT_S,
                 response_timeout: float = RESPONSE_TIMEOUT_S, host_clock: Callable[[], float] = time.time,
                 first_seq: int = 0, live_rearm_s: float = LIVE_HR_REARM_S) -> None:
        self.link = link
        self.idle_timeout = idle_timeout
        self.response_timeout = response_timeout
        self.host_clock = host_clock
        self.live_rearm_s = live_rearm_s
        self._seq = first_seq & 0xFF
        self._reassemblers = {u: FrameReassembler() for u in (CMD_FROM_STRAP_UUID, DATA_FROM_STRAP_UUID,
                                                              EVENTS_FROM_STRAP_UUID)}
        self._waiters: dict[int, asyncio.Future[CommandResponse]] = {}
        self._data: asyncio.Queue[bytes] = asyncio.Queue()
        self._realtime: asyncio.Queue[bytes] = asyncio.Queue()
        self.live_events: asyncio.Queue[bytes] = asyncio.Queue()  # 0x30 frames from EVENTS_FROM_STRAP
        self.live_frames: Counter[int] = Counter()  # live stream frames seen on DATA_FROM_STRAP, by type
        self._reader: asyncio.Task[None] | None = None
        self._last_history = 0.0  # loop time of the last history frame (idle watchdog, §12.8)
        self._allow_destructive = False

    async def __aenter__(self) -> Self:
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
            if reassembler is None:
                continue  # memfault and others: not ours
            for frame in reassembler.feed(note.data):
                self._route(note.characteristic, frame)

    def _route(self, characteristic: str, frame: bytes) -> None:
        if len(frame) < 9:
            return  # an empty inner: nothing to route on (length checks before indexing, §12)
        ptype = frame[4]
        if ptype == PacketType.COMMAND_RESPONSE:
            try:
                response = parse_response(frame[4:-4])
            except (ValueError, IndexError, struct.error):
                return  # too short to be an answer
            waiter = self._waiters.pop(response.opcode, None)
            if waiter is not None and not waiter.done():
                waiter.set_result(response)
        elif characteristic == EVENTS_FROM_STRAP_UUID:
            self.live_events.put_nowait(frame)
        elif ptype == PacketType.REALTIME_DATA:
            self._realtime.put_nowait(frame)
        elif ptype in LIVE_TYPES:
            self.live_frames[ptype] += 1  # the raw stream: counted for the report, neither batched nor archived
        else:
            if ptype in HISTORY_TYPES:
                self._last_history = asyncio.get_running_loop().time()
            self._data.put_nowait(frame)

    def damage_count(self) -> int:
        dropped = self._reassemblers[DATA_FROM_STRAP_UUID].dropped
        return sum(dropped[r] for r in DAMAGE)

    # --- commands ------------------------------------------------------------------------------------------
    def _next_seq(self) -> int:
        seq = self._seq
        self._seq = (self._seq + 1) & 0xFF
        return seq

    async def _write(self, frame: bytes, *, confirmed: bool = False) -> None:
        if commands.is_destructive(frame) and not self._allow_destructive:
            raise CommandRefused("refusing to send a destructive command without explicit confirmation")
        if not self.link.is_connected:
            raise BandDisconnected("the band disconnected")
        try:
            await self.link.write_command(frame, confirmed=confirmed)
        except Exception as exc:
            if not self.link.is_connected:  # the link went down under the write
                raise BandDisconnected("the band disconnected") from exc
            raise

    async def request(self, build: Callable[[int], bytes], opcode: int, *,
                      confirmed: bool = False) -> CommandResponse:
        """Send a command built with `build(seq)` and wait for its COMMAND_RESPONSE. `confirmed` sends it as
        an ATT Write Request (with response): some stacks bond only on one (§12.3)."""
        waiter: asyncio.Future[CommandResponse] = asyncio.get_running_loop().create_future()
        self._waiters[opcode] = waiter
        try:
            await self._write(build(self._next_seq()), confirmed=confirmed)
            return await self._wait(waiter, self.response_timeout, f"no answer to command 0x{opcode:02x}")
        finally:
            if self._waiters.get(opcode) is waiter:
                self._waiters.pop(opcode, None)

    async def optional(self, build: Callable[[int], bytes], opcode: int, what: str,
                       skipped: list[str]) -> CommandResponse | None:
        """A command the drain can do without: one retry after a timeout, then skipped (§12.11)."""
        for _attempt in range(2):
            try:
                return await self.request(build, opcode)
            except BandTimeout:
                continue
        skipped.append(what)
        return None

    async def _wait(self, fut: asyncio.Future[CommandResponse], timeout: float, what: str) -> CommandResponse:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not fut.done():
            if not self.link.is_connected:
                raise BandDisconnected("the band disconnected")
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise BandTimeout(f"the band did not answer in {timeout:g} s ({what})")
            await asyncio.wait([fut], timeout=min(remaining, POLL_S))
        return fut.result()

