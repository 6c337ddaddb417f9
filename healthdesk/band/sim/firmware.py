"""The simulated WHOOP 4.0 firmware: the band-protocol §6.4 state machine behind the `SimulatedFirmware` seam.

A first-class device, not a test mock: it answers the handshake commands with the §5.3 layouts, serves its flash
in batches (HISTORY_START / ~50 frames / HISTORY_END(count, token)), frees flash only on an ACK carrying the
offered token, re-sends a batch after a failure result, re-offers an un-ACKed HISTORY_END every `reoffer_s`, keeps
its cursor across disconnects and restarts (band folder, see storage.py), streams 0x28 live HR on demand and
implements FORCE_TRIM's sentinels so the client's guard can be tested. Test knobs and the field behaviours of
real bands (docs/band-protocol.md §12, §14) live in `faults`.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import math
import struct
import time
from collections.abc import Callable
from typing import cast

import numpy as np

from healthdesk.band.base import NotifyFn
from healthdesk.band.whoop4.constants import (
    CMD_FROM_STRAP_UUID,
    DATA_FROM_STRAP_UUID,
    RECORD_PERIOD_S,
    SUBSEC_PER_SECOND,
    UNSET_CLOCK_EPOCH,
    EventId,
    Opcode,
    PacketType,
    ResultCode,
)
from healthdesk.band.whoop4.framing import FrameError, parse_frame

from . import frames as fb
from .faults import RAW_EVERY_FRAMES, Faults, raw_frame
from .firmware_commands import RECORDS_PER_PAGE, SecondaryCommands
from .flash import is_record
from .storage import BandState, BandStorage

log = logging.getLogger(__name__)
BATCH_FRAMES = 50
REALTIME_PERIOD_S = RECORD_PERIOD_S  # live HR frames come at the record cadence (docs/band-protocol.md §8.1)


class SimulatedBand(SecondaryCommands):
    """Implements healthdesk.band.base.SimulatedFirmware."""

    def __init__(
        self,
        state: BandState,
        flash: list[bytes],
        *,
        storage: BandStorage | None = None,
        strict: bool = False,
        frame_interval_s: float = 0.0,
        reoffer_s: float = 5.0,
        realtime_period_s: float = REALTIME_PERIOD_S,
        batch_frames: int = BATCH_FRAMES,
        live_recording: bool = False,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.state = state
        self._flash = flash
        self._storage = storage
        self.strict = strict
        self.frame_interval_s = frame_interval_s  # pacing: 0.01 is the real band's ~100 frames/s, 0 is off
        self.reoffer_s = reoffer_s
        self.realtime_period_s = realtime_period_s
        self.batch_frames = batch_frames
        self.live_recording = live_recording  # write a record every tick while worn, stamped from the RTC
        self.worn = True
        self.clock = clock
        self.faults = Faults()
        self.link_dropper: Callable[[], None] | None = None  # set by whoever hosts the band (peripheral)
        self.commands_written: list[bytes] = []  # every ATT write on CMD_TO_STRAP, verbatim
        self.frames_emitted = 0
        self.hr_profile = False
        self._notify: NotifyFn | None = None
        self._task: asyncio.Task[None] | None = None
        self._realtime: asyncio.Task[None] | None = None
        self._reoffer: asyncio.TimerHandle | None = None
        self._offer: tuple[int, bytes, int] | None = None  # (batch end index, token, frame count) awaiting an ACK
        self._last_tick_time = clock()
        self.bonded = False  # for faults.needs_bond: a confirmed write bonds the link (§12.3)
        self.raw_on: bool | None = None  # the raw stream's switch; None = as faults.raw_stream says
        self._pace_debt = 0.0
        self._conn_batches = 0  # batches started on this connection (faults.flaky_every_batches)
        self._served_batches = 0  # distinct batches freed so far (faults.count_mismatch_every)
        self._offers = 0  # offers of the current batch (0 = first)
        self._freed_token: bytes | None = None

    # --- identity (SimulatedFirmware attributes) ------------------------------------------------------------
    @property
    def serial(self) -> str:
        return self.state.serial

    @property
    def advertised_name(self) -> str:
        return "WHOOP " + self.state.serial

    @property
    def firmware_version(self) -> str:
        return fb.firmware_string()

    @property
    def battery_percent(self) -> int:
        return round(self.state.battery_percent)

    # --- construction --------------------------------------------------------------------------------------
    @classmethod
    def create(cls, frames: list[bytes], *, serial: str = "4C0000001", seed: int = 0,
               folder: str | None = None, **options: object) -> SimulatedBand:
        """A new band holding `frames`; with a folder, its flash and cursor persist there."""
        rng = np.random.default_rng(seed)
        clock = cast(Callable[[], float], options.get("clock", time.time))
        state = BandState(serial=serial, second_word=int(rng.integers(1, 17)),
                          cursor_page=int(rng.integers(1_000, 40_000)), tx_seq=int(rng.integers(0, 256)),
                          rtc_unset_base=clock() - float(rng.integers(20_000, 90_000)),
                          next_counter=_next_counter(frames))
        storage = BandStorage(folder) if folder else None
        if storage:
            storage.create(state, frames)
        return cls(state, list(frames), storage=storage, **options)  # type: ignore[arg-type]

    @classmethod
    def load(cls, folder: str, **options: object) -> SimulatedBand:
        storage = BandStorage(folder)
        state, frames = storage.load()
        return cls(state, frames, storage=storage, **options)  # type: ignore[arg-type]

    # --- observable state ----------------------------------------------------------------------------------
    @property
    def pending_frames(self) -> list[bytes]:
        """Stored frames not yet freed by an ACK."""
        return self._flash[self.state.freed_frames :]

    @property
    def pending_records(self) -> int:
        return sum(1 for f in self.pending_frames if is_record(f))

    def now(self) -> tuple[int, int]:
        """The band's RTC as (unix, subsec)."""
        host = self.clock()
        t = host + self.state.rtc_offset if self.state.rtc_offset is not None else (
            UNSET_CLOCK_EPOCH + host - self.state.rtc_unset_base)
        return int(t), int((t % 1) * SUBSEC_PER_SECOND)

    # --- SimulatedFirmware -----------------------------------------------------------------------------------
    def connected(self, notify: NotifyFn) -> None:
        self._notify = notify
        self._conn_batches = 0
        if self._raw_running():
            for _ in range(2):  # the stream is already flowing when the app connects (§12.1)
                self._send_raw()

    def _raw_running(self) -> bool:
        return self.faults.raw_stream if self.raw_on is None else self.raw_on

    def _send_raw(self) -> None:
        if self._notify is not None:
            self._notify(DATA_FROM_STRAP_UUID, raw_frame(self.state.next_counter, *self.now()))

    def disconnected(self) -> None:
        """Stop sending; the cursor stays where the last ACK put it, so an un-ACKed batch is served again."""
        self._notify = None
        self._stop_history()
        if self._realtime:
            self._realtime.cancel()
            self._realtime = None

    def command_written(self, data: bytes, with_response: bool) -> None:
        self.commands_written.append(bytes(data))
        try:
            inner = parse_frame(bytes(data))
        except FrameError as exc:
            log.info("ignoring a malformed command write (%s)", exc.reason)
            return
        if len(inner) < 3 or inner[0] != PacketType.COMMAND:
            return
        seq, opcode, payload = inner[1], inner[2], inner[3:]
        if self.faults.needs_bond and not self.bonded:
            if not with_response:
                return  # unbonded: commands are silently dropped (§12.3)
            self.bonded = True  # the Write Request made the stack bond; the command is then served
        if self.strict and len(inner) % 4:
            self._respond(opcode, seq, ResultCode.FAILURE)  # strict firmware: unaligned commands are refused
            return
        self._record_elapsed()
        handler = self._handlers.get(opcode)
        if handler is None:
            self._respond(opcode, seq, ResultCode.UNSUPPORTED)
        else:
            handler(seq, payload)

    # --- command handlers ------------------------------------------------------------------------------------
    @functools.cached_property
    def _handlers(self) -> dict[int, Callable[[int, bytes], None]]:
        return {
            Opcode.GET_HELLO_HARVARD: self._hello,
            Opcode.REPORT_VERSION_INFO: lambda s, p: self._optional(Opcode.REPORT_VERSION_INFO, s,
                                                                   fb.version_body()),
            Opcode.GET_BATTERY_LEVEL: lambda s, p: self._optional(Opcode.GET_BATTERY_LEVEL, s,
                                                                 fb.battery_body(self.state.battery_percent)),
            Opcode.SEND_R10_R11_REALTIME: self._raw_switch,
            Opcode.GET_CLOCK: lambda s, p: self._respond(Opcode.GET_CLOCK, s, 1, fb.clock_body(*self.now())),
            Opcode.SET_CLOCK: self._set_clock,
            Opcode.GET_DATA_RANGE: self._data_range,
            Opcode.SEND_HISTORICAL_DATA: self._send_history,
            Opcode.HISTORICAL_DATA_RESULT: self._history_result,
            Opcode.ABORT_HISTORICAL_TRANSMITS: self._abort,
            Opcode.TOGGLE_REALTIME_HR: self._toggle_realtime,
            Opcode.TOGGLE_GENERIC_HR_PROFILE: self._toggle_hr_profile,
            Opcode.FORCE_TRIM: self._force_trim,
        }

    def _optional(self, opcode: int, seq: int, body: bytes) -> None:
        if not self.faults.ignore_optional:  # some firmware never answers these (§12.11)
            self._respond(opcode, seq, 1, body)

    def _raw_switch(self, seq: int, payload: bytes) -> None:
        if not self.faults.raw_stream_sticky:
            self.raw_on = payload[:1] == b"\x01"
        self._respond(Opcode.SEND_R10_R11_REALTIME, seq, 1)

    def _hello(self, seq: int, payload: bytes) -> None:
        body = fb.hello_body(self.state.battery_percent, False, *self.now(), self.serial, self.worn)
        self._respond(Opcode.GET_HELLO_HARVARD, seq, 1, body)

    def _set_clock(self, seq: int, payload: bytes) -> None:
        if len(payload) < 6:
            self._respond(Opcode.SET_CLOCK, seq, ResultCode.FAILURE)
            return
        unix, subsec = struct.unpack_from("<IH", payload)
        if not self.faults.clock_not_latched:  # that firmware acks without latching (§12.4)
            self.state.rtc_offset = unix + subsec / SUBSEC_PER_SECOND - self.clock()
            self._save()
        self._respond(Opcode.SET_CLOCK, seq, 1)
        self._live_event(EventId.SET_RTC)

    def _send_history(self, seq: int, payload: bytes) -> None:
        self._respond(Opcode.SEND_HISTORICAL_DATA, seq, ResultCode.PENDING, fb.SEND_HISTORY_PENDING_BODY)
        self._stop_history()
        self._start_batch()

    def _history_result(self, seq: int, payload: bytes) -> None:
        success = payload[:1] == b"\x01"
        if success and self.faults.ack_lost():
            return  # lost on air: no response, the END will be re-offered
        # Real bands echo seq 0 here and answer `00 01 00 00 00` (band-protocol §5.1, BW-RE captures).
        self._respond(Opcode.HISTORICAL_DATA_RESULT, 0, 1, b"\x00\x00\x00")
        if self._offer is None or (success and bytes(payload[1:9]) == self._freed_token):
            return  # nothing offered, or a late second ACK of the batch freed last: ignore
        end, token, _count = self._offer
        self._cancel_reoffer()
        if success and bytes(payload[1:9]) == token:
            self._offer = None
            self._freed_token = token
            self._served_batches += 1
            self._offers = 0
            self.state.freed_frames = end
            self.state.cursor_page = int.from_bytes(token[:4], "little")
            self._save()  # durable before the next frame goes out
        else:
            self._offer = None  # failure result or a mangled token: the same batch again
            self._offers += 1
        self._start_batch()

    def _abort(self, seq: int, payload: bytes) -> None:
        self._stop_history()
        self._respond(Opcode.ABORT_HISTORICAL_TRANSMITS, seq, 1)

    # --- history batches ---------------------------------------------------------------------------------
    def _start_batch(self) -> None:
        if self._notify is None:
            return
        self._task = asyncio.get_running_loop().create_task(self._emit_batch())

    def _next_batch(self) -> tuple[int, int]:
        """(end index, records) of the batch starting at the cursor."""
        start = self.state.freed_frames
        end = min(start + self.batch_frames, len(self._flash))
        return end, sum(1 for f in self._flash[start:end] if is_record(f))

    async def _emit_batch(self) -> None:
        start = self.state.freed_frames
        end, records = self._next_batch()
        if end == start:
            self._send_meta(fb.history_complete(self._tx(), *self.now()))
            return
        token = ((self.state.cursor_page + math.ceil(records / RECORDS_PER_PAGE)).to_bytes(4, "little")
                 + self.state.second_word.to_bytes(4, "little"))
        self._conn_batches += 1
        cut = self._cut_at(start, end)
        self._send_meta(fb.history_start(self._tx(), *self.now()))
        if cut is not None:
            self._charging_event_if_due()  # put on the charger: the event goes out, then the link drops
        for i in range(start, end):
            if i == cut:
                self._drop_link()
                return
            if not await self._emit_history_frame(self._flash[i]):
                return
        self._offer = (end, token, end - start + self.faults.miscount(self._served_batches, self._offers))
        self._send_end()

    def _cut_at(self, start: int, end: int) -> int | None:
        """Where this batch loses the link: mid-batch on every Nth batch of a connection (flaky), or once when
        the band is put on its charger (charging_drop, §12.12)."""
        f = self.faults
        if f.charging_drop_at_batch is not None and self._served_batches >= f.charging_drop_at_batch:
            return (start + end) // 2
        if f.flaky_every_batches and self._conn_batches % f.flaky_every_batches == 0:
            return (start + end) // 2
        return None

    def _charging_event_if_due(self) -> None:
        if self.faults.charging_drop_at_batch is not None and self._served_batches >= self.faults.charging_drop_at_batch:
            self.faults.charging_drop_at_batch = None
            self._live_event(EventId.CHARGING_ON)

    def _drop_link(self) -> None:
        if self.link_dropper is not None:
            self.link_dropper()
        self.disconnected()

    async def _emit_history_frame(self, frame: bytes) -> bool:
        n = self.frames_emitted = self.frames_emitted + 1
        if self.faults.drops_link(n):
            self._drop_link()
            return False
        if self._notify is None:
            return False
        self._notify(DATA_FROM_STRAP_UUID, self.faults.damage(n, frame))
        if n % RAW_EVERY_FRAMES == 0 and self._raw_running():
            self._send_raw()  # the raw stream interleaves with history on the same characteristic (§12.1)
        if self.frame_interval_s > 0:
            # Firmware-bound pacing (§12.7); slept in slices of >= 5 ms so fast time-scaled tests stay cheap.
            self._pace_debt += self.frame_interval_s
            if self._pace_debt >= 0.005:
                debt, self._pace_debt = self._pace_debt, 0.0
                await asyncio.sleep(debt)
        elif n % 10 == 0:
            await asyncio.sleep(0)  # pacing off: let the link drain now and then
        return self._notify is not None

    def _send_end(self) -> None:
        if self._offer is None or self._notify is None:
            return
        _, token, count = self._offer
        self._send_meta(fb.history_end(self._tx(), *self.now(), count, token))
        self._reoffer = asyncio.get_running_loop().call_later(self.reoffer_s, self._send_end)

    def _cancel_reoffer(self) -> None:
        if self._reoffer is not None:
            self._reoffer.cancel()
            self._reoffer = None

    def _stop_history(self) -> None:
        self._cancel_reoffer()
        self._offer = None
        if self._task is not None and not self._task.done():
            self._task.cancel()
        self._task = None

    # --- plumbing ------------------------------------------------------------------------------------------
    def _tx(self) -> int:
        self.state.tx_seq = (self.state.tx_seq + 1) & 0xFF
        return self.state.tx_seq

    def _respond(self, opcode: int, request_seq: int, result: int, body: bytes = b"") -> None:
        if self._notify is not None:
            self._notify(CMD_FROM_STRAP_UUID, fb.response(self._tx(), opcode, request_seq, result, body))

    def _send_meta(self, frame: bytes) -> None:
        if self._notify is not None:
            self._notify(DATA_FROM_STRAP_UUID, frame)

    def _save(self) -> None:
        if self._storage is not None:
            self._storage.save_state(self.state)


def _next_counter(frames: list[bytes]) -> int:
    counters = [int.from_bytes(f[7:11], "little") for f in frames if is_record(f)]
    return max(counters) + 1 if counters else 1_000_000
