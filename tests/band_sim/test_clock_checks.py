"""Clock checks and re-dating (docs/band-protocol.md §12.4, §12.5): the decisions, then the session and the drain
job against the simulated band over the in-process link."""

from __future__ import annotations

import asyncio
import struct

import numpy as np

from healthdesk.band.sim.faults import unset_clock_flash
from healthdesk.band.sim.firmware import SimulatedBand
from healthdesk.band.sim.flash import compose_flash, steady_records
from healthdesk.band.whoop4.clock import PLAUSIBLE_FROM_UNIX, RecordDating, decide_clock, record_header
from healthdesk.band.whoop4.constants import UNSET_CLOCK_EPOCH, Opcode
from healthdesk.band.whoop4.framing import parse_frame
from healthdesk.band.whoop4.session import Whoop4Session
from healthdesk.services.drain import DrainJob
from healthdesk.store.band_reads import records_between
from healthdesk.store.database import open_database

from .inprocess import InProcessLink

NOW = 1_790_000_000.0  # 2026-09
START = 1_789_000_000


def test_clock_decisions():
    assert decide_clock(UNSET_CLOCK_EPOCH + 500, NOW).set_clock  # unset band, sane host: set it
    assert decide_clock(NOW - 3, NOW).set_clock
    host_2020 = decide_clock(NOW, 1_590_000_000)
    assert not host_2020.set_clock and "before 2024" in host_2020.warning
    far = decide_clock(NOW - 5 * 86400, NOW)
    assert not far.set_clock and "differ by 5 days" in far.warning


def test_host_clock_from_2020_never_overwrites_a_plausible_band_clock():
    band = SimulatedBand.create([], seed=1, clock=lambda: NOW)
    band.state.rtc_offset = 0.0  # the band's clock is right

    async def go():
        async with Whoop4Session(InProcessLink(band), host_clock=lambda: 1_590_000_000.0) as session:
            return await session.handshake()

    info = asyncio.run(asyncio.wait_for(go(), 30))
    assert not info.clock_set and [w.code for w in info.warnings] == ["clock_implausible"]
    assert Opcode.SET_CLOCK not in [parse_frame(w)[2] for w in band.commands_written]
    assert band.state.rtc_offset == 0.0


def test_unset_clock_records_are_redated_exactly_from_counter_continuity():
    records = steady_records(600, seed=4, start_unix=START)
    flash = unset_clock_flash(compose_flash(records))
    dating = RecordDating(NOW)
    plan = dating.plan(flash)
    assert plan.redated == 200 and plan.undated == 0
    dated = [record_header(f) for f in plan.decode_frames if record_header(f)]
    got = np.array([(c, u, s) for _, c, u, s in dated])
    want = np.array([(c, u, s) for c, u, s in zip(records["counter"], records["unix"], records["subsec"],
                                                     strict=True)])
    np.testing.assert_array_equal(got, want)
    assert all(f in plan.decode_frames for f in flash if record_header(f) and record_header(f)[2] > PLAUSIBLE_FROM_UNIX)


def test_records_with_no_anchor_stay_undated_but_archived(tmp_path):
    records = steady_records(120, seed=5, start_unix=START)
    flash = unset_clock_flash(compose_flash(records), share=1.0)  # every record from 1971, no anchor anywhere
    band = SimulatedBand.create(flash, seed=5)
    band.state.rtc_offset = 0.0  # its clock is right now (so hello offers no unset-clock anchor either)

    async def connect():
        return InProcessLink(band)

    async def go():
        with open_database(tmp_path / "hd.db") as db:
            summary = await DrainJob(db, connect, derive=False).run()
            return summary, records_between(db, None, 0, 2**32)

    summary, stored = asyncio.run(asyncio.wait_for(go(), 60))
    assert summary.complete and summary.records_undated == 120 and len(stored) == 0
    assert [w.code for w in summary.warnings] == ["undated_records"]
    assert band.pending_frames == []  # acked: the raw frames are archived, said so in the warning
    assert struct.unpack_from("<I", flash[0], 11)[0] < PLAUSIBLE_FROM_UNIX


def test_redating_after_an_app_restart_anchors_on_the_newest_stored_record(tmp_path):
    """The correctly dated part was drained by an earlier run; the unset-clock part arrives in a later one."""
    records = steady_records(600, seed=6, start_unix=START)
    flash = unset_clock_flash(compose_flash(records))
    cut = next(i for i, f in enumerate(flash) if record_header(f) and record_header(f)[2] < PLAUSIBLE_FROM_UNIX)

    def drain(frames):
        band = SimulatedBand.create(frames, serial="4C5550001", seed=7)
        band.state.rtc_offset = 0.0  # clock right: hello offers no unset-clock anchor

        async def connect():
            return InProcessLink(band)

        async def go():
            with open_database(tmp_path / "hd.db") as db:
                return await DrainJob(db, connect, derive=False).run()

        return asyncio.run(asyncio.wait_for(go(), 60))

    first, second = drain(flash[:cut]), drain(flash[cut:])
    assert first.records_redated == 0 and second.records_redated == 200 and second.records_undated == 0
    with open_database(tmp_path / "hd.db") as db:
        stored = records_between(db, None, 0, 2**32)
    key = ["counter", "unix", "subsec"]
    np.testing.assert_array_equal(np.sort(stored, order="counter")[key], np.sort(records, order="counter")[key])
