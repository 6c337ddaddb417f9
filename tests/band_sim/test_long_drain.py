"""Issue 13 Must-show: `slow` + `flaky` over a 3-day backlog completes, shows an ETA all along and loses nothing.

Below the BLE seam (the in-process link) so that 270,000 records stay affordable in the suite; the same faults
run over bleak -> bumble in tests/e2e/test_field_faults.py. A real band offloads ~10 records/s (7.5 h for three
days); the band here is time-scaled 20,000x and drops the link in the middle of every 5th batch of a connection.
"""

from __future__ import annotations

import asyncio

import numpy as np

from healthdesk.band.sim.faults import wire_faults
from healthdesk.band.sim.firmware import SimulatedBand
from healthdesk.band.sim.flash import compose_flash, generate
from healthdesk.services.drain import DrainJob
from healthdesk.store.band_reads import records_between
from healthdesk.store.database import open_database

from .inprocess import InProcessLink

START = 1_767_225_600


def test_slow_and_flaky_three_day_backlog_completes_with_eta_and_nothing_lost(tmp_path):
    records = generate(3, seed=33, start_unix=START).records
    band = SimulatedBand.create(compose_flash(records, seed=33), serial="4C1300033", seed=8, batch_frames=2000)
    band.faults, band.frame_interval_s = wire_faults(["slow", "flaky"], time_scale=20000.0)
    band.faults.flaky_every_batches = 5
    seen = []  # (records received, records remaining, rate, eta) at each progress event

    def progress(event):
        if event.kind == "progress":
            seen.append((event.summary.records_new + event.summary.records_duplicate, event.records_remaining, event.rate, event.eta_s))

    async def connect():
        return InProcessLink(band)

    async def go():
        with open_database(tmp_path / "hd.db") as db:
            job = DrainJob(db, connect, progress=progress, derive=False, reconnect_delay_s=0.0)
            return await job.run(), records_between(db, None, 0, 2**32)

    summary, stored = asyncio.run(asyncio.wait_for(go(), 600))
    assert summary.complete and summary.reconnects >= 20 and summary.records_duplicate == 0
    assert summary.records_new == len(records) == len(stored)
    key = ["version", "counter"]
    assert np.array_equal(np.sort(stored, order=key)[key], np.sort(records, order=key)[key])
    assert seen and all(eta is not None and rate > 0 for _, _, rate, eta in seen)
    # the "records left" estimate (from the band's oldest/newest record times) tracks the truth all along
    assert all(abs(left - (len(records) - got)) <= 2 + 2000 for got, left, _, _ in seen)
    assert seen[-1][1] <= 2
