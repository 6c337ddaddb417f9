"""Session behaviours of docs/band-protocol.md §12 that need no BLE: the watchdog ignores live frames, live HR is
re-armed, and a raw stream that never stops is neither counted nor committed."""

from __future__ import annotations

import asyncio

import pytest

from healthdesk.band.sim.firmware import SimulatedBand
from healthdesk.band.sim.flash import compose_flash, steady_records
from healthdesk.band.whoop4 import commands
from healthdesk.band.whoop4.constants import Opcode, PacketType
from healthdesk.band.whoop4.framing import parse_frame
from healthdesk.band.whoop4.session import DrainStalled, Whoop4Session

from .inprocess import InProcessLink

START = 1_760_000_000


@pytest.fixture(scope="module")
def flash() -> list[bytes]:
    return compose_flash(steady_records(600, seed=8, start_unix=START))


def test_watchdog_is_reset_by_history_frames_only(flash):
    """A band that stops serving history but keeps its live HR stream running still trips the watchdog."""
    band = SimulatedBand.create(flash[:100], seed=1, reoffer_s=60, realtime_period_s=0.02)
    band.faults.swallow_acks = 1

    async def go():
        link = InProcessLink(band)
        async with Whoop4Session(link, idle_timeout=0.4) as session:
            await session._write(commands.toggle_realtime_hr(1, True))  # live frames keep flowing on 0005
            with pytest.raises(DrainStalled):
                await session.drain(lambda frames: asyncio.sleep(0))
            return session._realtime.qsize()

    live_frames = asyncio.run(asyncio.wait_for(go(), 30))
    assert live_frames >= 10  # the stream really ran during the stall
    assert parse_frame(band.commands_written[-1])[2] == Opcode.ABORT_HISTORICAL_TRANSMITS


def test_live_hr_is_rearmed_while_it_runs(flash):
    band = SimulatedBand.create([], seed=2, realtime_period_s=0.02)

    async def go():
        async with Whoop4Session(InProcessLink(band), live_rearm_s=0.1) as session:
            return [s async for s in session.live_hr(seconds=0.45)]

    samples = asyncio.run(asyncio.wait_for(go(), 30))
    switches = [parse_frame(w)[3] for w in band.commands_written if parse_frame(w)[2] == Opcode.TOGGLE_REALTIME_HR]
    assert samples and switches[0] == 1 and switches[-1] == 0 and switches.count(1) >= 4


def test_a_raw_stream_that_never_stops_is_not_counted_or_committed(flash):
    band = SimulatedBand.create(flash, seed=3)
    band.faults.raw_stream = band.faults.raw_stream_sticky = True  # ignores `3F 00`
    committed: list[bytes] = []

    async def commit(frames):
        committed.extend(frames)

    async def go():
        async with Whoop4Session(InProcessLink(band)) as session:
            info = await session.handshake()
            return info, await session.drain(commit)

    info, result = asyncio.run(asyncio.wait_for(go(), 60))
    assert info.raw_stream_was_on and [w.code for w in info.warnings] == ["raw_stream_was_on"]
    assert result.complete and result.nacks == 0 and result.records == 600
    assert result.live_frames_ignored[PacketType.REALTIME_RAW_DATA] >= len(flash) // 50
    assert not any(f[4] == PacketType.REALTIME_RAW_DATA for f in committed)
    assert [f for f in committed if f[4] != PacketType.METADATA] == flash
