"""Session <-> simulated firmware over the in-process link (below the BLE seam): the drain protocol itself."""

from __future__ import annotations

import asyncio
import math

import pytest

from healthdesk.band.sim.firmware import SimulatedBand
from healthdesk.band.sim.flash import compose_flash, is_record, steady_records
from healthdesk.band.whoop4 import commands
from healthdesk.band.whoop4.constants import DESTRUCTIVE_OPCODES, UNSET_CLOCK_EPOCH, Opcode
from healthdesk.band.whoop4.framing import parse_frame
from healthdesk.band.whoop4.session import (
    BandDisconnected,
    CommandRefused,
    DrainStalled,
    Whoop4Session,
)

from .inprocess import InProcessLink

START = 1_760_000_000


@pytest.fixture(scope="module")
def flash() -> list[bytes]:
    return compose_flash(steady_records(1800, seed=7, start_unix=START))  # half an hour


def make_band(flash, **options) -> SimulatedBand:
    return SimulatedBand.create(flash, serial="4C1234567", seed=5, **options)


class Sink:
    """Commit target: remembers every committed batch (the store stands in here as a list)."""

    def __init__(self) -> None:
        self.batches: list[list[bytes]] = []

    async def __call__(self, frames: list[bytes]) -> None:
        self.batches.append(frames)

    def stored(self) -> list[bytes]:
        return [f for b in self.batches for f in b if f[4] != 0x31]


def run(coro):
    return asyncio.run(asyncio.wait_for(coro, 60))


async def drain_once(band, sink, **session_options):
    link = InProcessLink(band)
    async with Whoop4Session(link, **session_options) as session:
        info = await session.handshake()
        result = await session.drain(sink)
    await link.disconnect()
    return info, result


def test_full_drain_commits_every_stored_frame_once_and_empties_flash(flash):
    band, sink = make_band(flash), Sink()
    info, result = run(drain_once(band, sink))
    assert sink.stored() == flash  # byte-identical, in order, nothing twice
    assert result.complete and result.nacks == 0 and result.records == 1800
    assert result.batches == math.ceil(len(flash) / 50)
    assert band.pending_frames == []
    assert info.serial == "4C1234567" and info.firmware == "41.16.6.0" and info.clock_set
    assert info.battery_percent == pytest.approx(87.0)
    # second drain: nothing new, straight to COMPLETE
    sink2 = Sink()
    _, again = run(drain_once(band, sink2))
    assert again.complete and again.batches == 0 and sink2.batches == []


def test_tokens_advance_by_pages_of_ten_records_and_second_word_is_constant(flash):
    band, sink = make_band(flash), Sink()
    first_page = band.state.cursor_page
    run(drain_once(band, sink))
    pages, words, prev = [], set(), first_page
    for batch in sink.batches:
        end = parse_frame(batch[-1])
        page, word = int.from_bytes(end[13:17], "little"), int.from_bytes(end[17:21], "little")
        records = sum(1 for f in batch if is_record(f))
        assert page - prev == math.ceil(records / 10)
        assert int.from_bytes(end[9:13], "little") == len(batch) - 2  # END count = frames between START/END
        pages.append(page)
        words.add(word)
        prev = page
    assert words == {band.state.second_word} and band.state.cursor_page == pages[-1]


def test_ack_echoes_token_verbatim_and_only_after_commit(flash):
    band = make_band(flash[:120])
    order: list[str] = []

    async def commit(frames):
        order.append(f"commit {frames[-1][17:25].hex()}")
        # the band must not have freed anything of this batch yet
        assert band.state.freed_frames < len(flash[:120])
        await asyncio.sleep(0.01)

    original = band.command_written

    def spy(data, with_response):
        inner = parse_frame(data)
        if inner[2] == Opcode.HISTORICAL_DATA_RESULT:
            order.append(f"ack {inner[4:12].hex()}")
        original(data, with_response)

    band.command_written = spy
    run(drain_once(band, commit))
    assert len(order) == 6 and all(order[i].split()[1] == order[i + 1].split()[1] for i in range(0, 6, 2))
    assert [o.split()[0] for o in order] == ["commit", "ack"] * 3


def test_corrupted_and_truncated_frames_are_nacked_and_resent(flash):
    band, sink = make_band(flash, reoffer_s=0.1), Sink()
    band.faults.corrupt_frames = {7, 300}
    band.faults.truncate_frames = {120, 121, 1000}
    _, result = run(drain_once(band, sink))
    assert sink.stored() == flash
    assert result.nacks >= 4 and result.frames_invalid == 5 and result.complete
    assert band.pending_frames == []


def test_lost_ack_is_reoffered_and_acked_again(flash):
    band, sink = make_band(flash[:200], reoffer_s=0.05), Sink()
    band.faults.swallow_acks = 2
    _, result = run(drain_once(band, sink))
    assert result.reacks == 2 and sink.stored() == flash[:200] and band.pending_frames == []


def test_link_drop_mid_batch_keeps_cursor_and_resumes_from_unacked_batch(flash, tmp_path):
    folder = str(tmp_path / "band")
    band, sink = make_band(flash, folder=folder), Sink()
    band.faults.drop_link_at_frame = 175  # inside the 4th batch

    async def first():
        link = InProcessLink(band)
        async with Whoop4Session(link) as session:
            await session.handshake()
            with pytest.raises(BandDisconnected):
                await session.drain(sink)

    run(first())
    assert len(sink.batches) == 3 and band.state.freed_frames == 150
    # the app and the band restart from the band folder: the un-ACKed batch comes back
    reborn = SimulatedBand.load(folder)
    assert reborn.state.freed_frames == 150 and reborn.state.cursor_page == band.state.cursor_page
    _, result = run(drain_once(reborn, sink))
    assert result.complete and sink.stored() == flash and reborn.pending_frames == []


def test_strict_band_refuses_unaligned_commands_but_the_session_drains(flash):
    band, sink = make_band(flash[:300], strict=True), Sink()

    async def go():
        link = InProcessLink(band)
        async with Whoop4Session(link) as session:
            refused = await session.request(lambda s: commands.command(s, Opcode.GET_HELLO_HARVARD, b"\x00\x00",
                                                                       pad=False), Opcode.GET_HELLO_HARVARD)
            assert refused.result == 0 and not refused.body.strip(b"\x00")
            await session.handshake()
            return await session.drain(sink)

    result = run(go())
    assert result.complete and sink.stored() == flash[:300]


def test_idle_watchdog_aborts_a_silent_drain(flash):
    band = make_band(flash[:100], reoffer_s=60)
    band.faults.swallow_acks = 1

    async def go():
        link = InProcessLink(band)
        async with Whoop4Session(link, idle_timeout=0.3) as session:
            with pytest.raises(DrainStalled):
                await session.drain(Sink())

    run(go())
    last = parse_frame(band.commands_written[-1])
    assert last[2] == Opcode.ABORT_HISTORICAL_TRANSMITS
    assert band.state.freed_frames == 0  # the swallowed ACK freed nothing


def test_clock_unset_dates_new_records_1971_until_set_clock():
    clock = [1_760_000_000.0]
    band = SimulatedBand.create([], seed=1, live_recording=True, clock=lambda: clock[0])
    sink = Sink()

    async def go():
        link = InProcessLink(band)
        async with Whoop4Session(link, host_clock=lambda: clock[0]) as session:
            info = await session.handshake(set_clock=False)
            clock[0] += 20
            await session.drain(sink)
            assert info.band_clock_unix < UNSET_CLOCK_EPOCH + 200_000 and info.clock_drift_s < -1e9
            await session.handshake(set_clock=True)
            clock[0] += 20
            await session.drain(sink)

    run(go())
    unix = [int.from_bytes(f[11:15], "little") for f in sink.stored() if is_record(f)]
    assert len(unix) >= 38
    assert all(UNSET_CLOCK_EPOCH <= u < UNSET_CLOCK_EPOCH + 200_000 for u in unix[:20])
    assert all(abs(u - clock[0]) < 30 for u in unix[-19:])


def test_live_hr_streams_and_stops(flash):
    band = make_band([], realtime_period_s=0.02)

    async def go():
        link = InProcessLink(band)
        async with Whoop4Session(link) as session:
            samples = [s async for s in session.live_hr(seconds=0.3)]
            await asyncio.sleep(0.05)
            events = []
            while not session.live_events.empty():
                events.append(session.live_events.get_nowait()[6])
            return samples, events

    samples, events = run(go())
    assert len(samples) >= 5 and all(40 <= s.hr <= 200 and len(s.rr_ms) <= 4 for s in samples)
    assert events == [33, 34]  # BLE_REALTIME_HR_ON, _OFF live on EVENTS_FROM_STRAP
    assert band._realtime is None


def test_no_destructive_opcode_is_written_by_handshake_drain_or_live_hr(flash):
    band = make_band(flash[:200], realtime_period_s=0.02)

    async def go():
        link = InProcessLink(band)
        async with Whoop4Session(link) as session:
            await session.handshake()
            await session.records_waiting()
            await session.band_clock()
            await session.drain(Sink())
            async for _ in session.live_hr(seconds=0.1):
                pass
            with pytest.raises(CommandRefused):
                await session.erase_band(confirm=False)

    run(go())
    opcodes = [parse_frame(w)[2] for w in band.commands_written]
    assert Opcode.SEND_HISTORICAL_DATA in opcodes and Opcode.TOGGLE_REALTIME_HR in opcodes
    assert not set(opcodes) & DESTRUCTIVE_OPCODES


def test_erase_band_with_confirmation_and_trim_sentinels(flash):
    band = make_band(flash[:300])

    async def go():
        link = InProcessLink(band)
        async with Whoop4Session(link) as session:
            # an estimate from the oldest/newest record times (whole seconds): within a record or two
            waiting = await session.records_waiting()
            assert abs(waiting - sum(1 for f in flash[:300] if is_record(f))) <= 2
            await session.erase_band(confirm=True)
            assert band.pending_frames == [] and await session.records_waiting() == 0

    run(go())
    # FDFDFDFD puts the read pointer back to the oldest data still in flash
    band.command_written(commands.force_trim(1, 0xFDFDFDFD, 0xFDFDFDFD), False)
    assert band.pending_frames == flash[:300]
    band.command_written(commands.force_trim(2, 0xFFFFFFFF, 0), False)  # probe: no change
    assert band.pending_frames == flash[:300]


def test_a_band_answering_hello_in_another_layout_gives_one_clear_error():
    from healthdesk.band.whoop4.session import BandError

    band = make_band([])
    band._handlers[Opcode.GET_HELLO_HARVARD] = lambda s, p: band._respond(Opcode.GET_HELLO_HARVARD, s, 1, b"\x01")

    async def go():
        async with Whoop4Session(InProcessLink(band)) as session:
            with pytest.raises(BandError, match="not a WHOOP 4.0 one"):
                await session.handshake()

    run(go())
