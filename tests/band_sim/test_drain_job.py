"""DrainJob over the in-process link (below the BLE seam) into a real SQLite file: progress, pacing, clock."""

from __future__ import annotations

import asyncio
import time

import pytest

from healthdesk.band.sim.firmware import SimulatedBand
from healthdesk.band.sim.flash import compose_flash, steady_records
from healthdesk.band.whoop4.session import Whoop4Session
from healthdesk.services.drain import DrainJob
from healthdesk.store.band_reads import records_between
from healthdesk.store.database import open_database

from .inprocess import InProcessLink

START = 1_760_000_000


def test_progress_events_count_down_records_remaining(tmp_path):
    records = steady_records(1200, seed=2, start_unix=START)
    band = SimulatedBand.create(compose_flash(records), seed=2)
    events = []

    async def connect():
        return InProcessLink(band)

    async def go():
        with open_database(tmp_path / "hd.db") as db:
            summary = await DrainJob(db, connect, progress=events.append, derive=False).run()
            return summary, records_between(db, None, 0, 2**32)

    summary, stored = asyncio.run(asyncio.wait_for(go(), 60))
    assert summary.records_new == 1200 and len(stored) == 1200 and summary.complete
    kinds = [e.kind for e in events]
    assert kinds[0] == "connected" and kinds[-1] == "finished" and kinds.count("progress") == summary.batches
    remaining = [e.records_remaining for e in events if e.kind == "progress"]
    assert abs(events[0].records_remaining - 1200) <= 2 and remaining[-1] <= 2
    assert remaining == sorted(remaining, reverse=True)
    assert all(e.rate > 0 and e.eta_s is not None for e in events if e.kind == "progress")


def test_pacing_makes_a_batch_take_as_long_as_on_a_real_band():
    band = SimulatedBand.create(compose_flash(steady_records(50, seed=3, start_unix=START)), seed=3,
                                frame_interval_s=0.01)  # ~100 frames/s, band-protocol §6.2

    async def go():
        async with Whoop4Session(InProcessLink(band)) as session:
            t0 = time.perf_counter()
            result = await session.drain(lambda frames: asyncio.sleep(0))
            return time.perf_counter() - t0, result

    seconds, result = asyncio.run(go())
    assert result.records == 50 and seconds >= 0.49


def test_set_clock_sets_the_band_rtc_and_get_clock_reads_it():
    band = SimulatedBand.create([], seed=4)

    async def go():
        async with Whoop4Session(InProcessLink(band)) as session:
            before = await session.band_clock()
            info = await session.handshake(set_clock=True)
            after = await session.band_clock()
            return before, info, after

    before, info, after = asyncio.run(go())
    assert before[0] < 40_000_000  # 1971: never set
    assert after[0] == pytest.approx(time.time(), abs=2) and 0 <= after[1] < 32768
    assert info.clock_set


def test_failing_commit_stops_the_drain_without_ack_and_the_next_drain_completes(tmp_path):
    from healthdesk.band.whoop4.constants import Opcode
    from healthdesk.band.whoop4.framing import parse_frame
    from healthdesk.band.whoop4.session import CommitFailed
    from healthdesk.services.ingest import ingest_frames

    records = steady_records(600, seed=5, start_unix=START)
    flash = compose_flash(records)
    band = SimulatedBand.create(flash, seed=5)
    calls = 0

    def full_disk_on_third_batch(db, device, frames, received_at):
        nonlocal calls
        calls += 1
        if calls == 3:
            raise OSError(28, "No space left on device")
        return ingest_frames(db, device, frames, received_at)

    async def connect():
        return InProcessLink(band)

    with open_database(tmp_path / "hd.db") as db:
        job = DrainJob(db, connect, ingest=full_disk_on_third_batch, derive=False)
        with pytest.raises(CommitFailed, match="No space left on device.*band keeps it"):
            asyncio.run(asyncio.wait_for(job.run(), 60))
        assert band.state.freed_frames == 100  # two ACKed batches; the third stays on the band
        assert parse_frame(band.commands_written[-1])[2] == Opcode.ABORT_HISTORICAL_TRANSMITS
        assert len(records_between(db, None, 0, 2**32)) == sum(1 for f in flash[:100] if f[4] == 0x2F)
        rest = asyncio.run(asyncio.wait_for(DrainJob(db, connect, derive=False).run(), 60))
        assert rest.complete and rest.records_duplicate == 0
        stored = records_between(db, None, 0, 2**32)
        assert len(stored) == 600 and list(stored["counter"]) == list(records["counter"])
