"""The simulated band's secondary commands: flash range and trim, live heart rate, records written while worn.

A mixin of `SimulatedBand` (firmware.py), kept apart so the history state machine stays readable. GET_DATA_RANGE's
"used" field counts pages as on real bands (docs/band-protocol.md §12.9); FORCE_TRIM implements the §5.6 sentinels.
"""

from __future__ import annotations

import asyncio
import math
import struct

import numpy as np

from healthdesk.band.whoop4.constants import (
    DATA_FROM_STRAP_UUID,
    EVENTS_FROM_STRAP_UUID,
    RECORD_PERIOD_S,
    TRIM_ERASE_ALL,
    TRIM_PROBE,
    TRIM_RESET_POINTERS,
    EventId,
    Opcode,
    ResultCode,
)

from . import frames as fb
from .flash import is_record, steady_records

RECORDS_PER_PAGE = 10


class SecondaryCommands:
    """Handlers used by `SimulatedBand._handlers`; `self` is the SimulatedBand."""

    def _data_range(self, seq: int, payload: bytes) -> None:
        pending = self.pending_frames
        records = [f for f in pending if is_record(f)]
        oldest = struct.unpack_from("<I", records[0], 11)[0] if records else 0
        newest = struct.unpack_from("<I", records[-1], 11)[0] if records else 0
        pages = math.ceil(len(records) / RECORDS_PER_PAGE)
        write_page = self.state.cursor_page + pages
        # The "used" field counts pages, not records, as on real bands (§12.9).
        body = fb.data_range_body(write_page, self.state.cursor_page, self.state.second_word, 1 << 20,
                                  pages, (1 << 20) - pages, oldest, newest)
        self._respond(Opcode.GET_DATA_RANGE, seq, 1, body)

    def _toggle_realtime(self, seq: int, payload: bytes) -> None:
        on = payload[:1] == b"\x01"
        self._respond(Opcode.TOGGLE_REALTIME_HR, seq, 1)
        if on and self._realtime is None:
            self._realtime = asyncio.get_running_loop().create_task(self._stream_realtime())
        elif not on and self._realtime is not None:
            self._realtime.cancel()
            self._realtime = None
        self._live_event(EventId.BLE_REALTIME_HR_ON if on else EventId.BLE_REALTIME_HR_OFF)

    def _toggle_hr_profile(self, seq: int, payload: bytes) -> None:
        self.hr_profile = payload[:1] == b"\x01"
        self._respond(Opcode.TOGGLE_GENERIC_HR_PROFILE, seq, 1)

    def _force_trim(self, seq: int, payload: bytes) -> None:
        """Destructive flash trim with the §5.6 sentinels; any other value is refused."""
        if len(payload) < 8:
            self._respond(Opcode.FORCE_TRIM, seq, ResultCode.FAILURE)
            return
        first, second = struct.unpack_from("<II", payload)
        self._stop_history()
        if first == TRIM_PROBE:
            self._respond(Opcode.FORCE_TRIM, seq, 1)
            return
        if first == second == TRIM_ERASE_ALL:
            self._live_event(EventId.TRIM_ALL_DATA)
            records = sum(1 for f in self.pending_frames if is_record(f))
            self.state.cursor_page += math.ceil(records / RECORDS_PER_PAGE)
            self.state.freed_frames = len(self._flash)
        elif first == second == TRIM_RESET_POINTERS:
            self.state.freed_frames = 0  # everything still physically in flash is served again
        else:
            self._respond(Opcode.FORCE_TRIM, seq, ResultCode.FAILURE)
            return
        self._save()
        self._respond(Opcode.FORCE_TRIM, seq, 1)
        if first == TRIM_ERASE_ALL:
            self._live_event(EventId.TRIM_ALL_DATA_ENDED)

    async def _stream_realtime(self) -> None:
        rng = np.random.default_rng(self.state.tx_seq)
        while self._notify is not None:
            hr = int(np.clip(round(64 + rng.normal(0, 2)), 40, 200))
            rr = [int(60000 / hr + rng.normal(0, 20)) for _ in range(int(rng.integers(0, 3)))]
            self._notify(DATA_FROM_STRAP_UUID, fb.realtime_frame(*self.now(), hr, rr))
            await asyncio.sleep(self.realtime_period_s)

    def _live_event(self, event_id: int) -> None:
        if self._notify is not None:
            self._notify(EVENTS_FROM_STRAP_UUID, fb.event_frame(self._tx(), event_id, *self.now()))

    def _record_elapsed(self) -> None:
        """Write the records of the ticks that passed since the last look, stamped from the RTC (§5.4)."""
        now = self.clock()
        if not (self.live_recording and self.worn):
            self._last_tick_time = now
            return
        ticks = int((now - self._last_tick_time) / RECORD_PERIOD_S)
        if ticks <= 0:
            return
        self._last_tick_time += ticks * RECORD_PERIOD_S
        unix, _ = self.now()
        records = steady_records(ticks, self.state.next_counter, unix - int(ticks * RECORD_PERIOD_S),
                                 start_counter=self.state.next_counter)
        new = fb.record_frames(records)
        self._flash.extend(new)
        self.state.next_counter += ticks
        if self._storage:
            self._storage.append_frames(new)
        self._save()

