"""The drain report's "not a success" cases (docs/band-protocol.md §13) over the in-process link."""

from __future__ import annotations

import asyncio

from healthdesk.band.sim import frames as fb
from healthdesk.band.sim.firmware import SimulatedBand
from healthdesk.band.whoop4.constants import Opcode
from healthdesk.services.drain import DrainJob
from healthdesk.store.database import open_database

from .inprocess import InProcessLink

START = 1_767_225_600


def test_a_complete_drain_that_received_nothing_while_a_backlog_was_reported_is_a_warning(tmp_path):
    band = SimulatedBand.create([], seed=6)  # serves nothing ...
    band._handlers[Opcode.GET_DATA_RANGE] = lambda seq, _p: band._respond(  # ... but claims an hour of records
        Opcode.GET_DATA_RANGE, seq, 1, fb.data_range_body(1375, 1000, 3, 1 << 20, 375, 1 << 19, START,
                                                          START + 3600))

    async def connect():
        return InProcessLink(band)

    async def go():
        with open_database(tmp_path / "hd.db") as db:
            return await DrainJob(db, connect, derive=False).run()

    summary = asyncio.run(asyncio.wait_for(go(), 30))
    assert summary.complete and summary.records_received == 0 and summary.records_estimated == 3745  # 3600 s * 32768 / 31504 + 1
    warning = [w for w in summary.warnings if w.code == "empty_drain_with_backlog"]
    assert warning and "3745" in warning[0].message and warning[0].message.endswith(".")
    assert summary.as_json()["warnings"][-1]["code"] == "empty_drain_with_backlog"
