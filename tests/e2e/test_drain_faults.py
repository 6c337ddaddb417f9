"""Issue 3 Must-show, faults over the real bleak API: each ends with the exact ground truth and no duplicates."""

from __future__ import annotations

import asyncio

import pytest

from healthdesk.band.sim.firmware import SimulatedBand
from healthdesk.band.sim.flash import compose_flash, generate
from healthdesk.band.whoop4.constants import Opcode
from healthdesk.band.whoop4.framing import parse_frame
from healthdesk.ble.bumble_backend import simulated_air
from healthdesk.services.drain import DrainJob
from healthdesk.store.database import open_database

from .drain_helpers import START_UNIX, assert_exact_record_set, ble_connector, drain, stored_records

RECORDS = 4000  # about 64 minutes: long enough for dozens of batches, short enough to stay fast


@pytest.fixture(scope="session")
def hour_of_band():
    records = generate(1, seed=21, start_unix=START_UNIX).records[:RECORDS]
    return records, compose_flash(records, seed=21)


@pytest.fixture
def db(tmp_path):
    with open_database(tmp_path / "hd.db") as database:
        yield database


def test_link_dropped_mid_batch_resumes_from_the_unacked_batch(db, hour_of_band):
    truth, flash = hour_of_band
    band = SimulatedBand.create(flash, serial="4C3000001", seed=1)
    band.faults.drop_link_at_frame = 1234  # 34 frames into the 25th batch
    summary = drain(db, band)
    assert summary.reconnects == 1 and summary.complete
    assert summary.records_duplicate == 0  # the cut batch was never committed, so nothing arrives twice
    assert_exact_record_set(stored_records(db), truth)
    assert band.pending_frames == []


def test_corrupted_and_truncated_notifications_are_refused_and_resent(db, hour_of_band):
    truth, flash = hour_of_band
    band = SimulatedBand.create(flash, serial="4C3000002", seed=2, reoffer_s=0.2)
    band.faults.corrupt_frames = {10, 777, 3001}
    band.faults.truncate_frames = {300, 2000, 2001}
    summary = drain(db, band)
    assert summary.complete and summary.nacks >= 5 and summary.frames_invalid >= 6
    assert summary.records_duplicate == 0
    assert_exact_record_set(stored_records(db), truth)
    assert band.pending_frames == []


def test_ack_lost_on_air_is_reoffered_and_acked_again_without_a_second_commit(db, hour_of_band):
    truth, flash = hour_of_band
    band = SimulatedBand.create(flash, serial="4C3000003", seed=3, reoffer_s=0.2)
    band.faults.swallow_acks = 3
    summary = drain(db, band)
    assert summary.complete and summary.reacks == 3 and summary.records_duplicate == 0
    assert_exact_record_set(stored_records(db), truth)
    assert band.pending_frames == []


def test_strict_band_rejecting_unaligned_commands_drains_completely(db, hour_of_band):
    truth, flash = hour_of_band
    band = SimulatedBand.create(flash, serial="4C3000004", seed=4, strict=True)
    summary = drain(db, band)
    assert summary.complete and summary.nacks == 0
    assert_exact_record_set(stored_records(db), truth)
    assert all(len(parse_frame(w)) % 4 == 0 for w in band.commands_written)


def test_cancelled_drain_aborts_and_a_later_drain_completes(db, hour_of_band):
    truth, flash = hour_of_band
    band = SimulatedBand.create(flash, serial="4C3000005", seed=5)

    async def cancel_after_some_batches():
        air = simulated_air()
        await air.power_on(band)
        job: DrainJob | None = None

        def progress(event):
            if event.kind == "progress" and event.summary.records_new >= 1000 and job is not None:
                job.cancel()

        job = DrainJob(db, ble_connector(band), progress=progress, derive=False)
        try:
            with pytest.raises(asyncio.CancelledError):
                await job.run()
        finally:
            await air.close()
        return job.summary

    partial = asyncio.run(asyncio.wait_for(cancel_after_some_batches(), 120))
    assert 1000 <= partial.records_new < len(truth)
    assert Opcode.ABORT_HISTORICAL_TRANSMITS in [parse_frame(w)[2] for w in band.commands_written]
    assert len(stored_records(db)) == partial.records_new
    rest = drain(db, band)
    assert rest.complete and rest.records_new + partial.records_new == len(truth)
    assert_exact_record_set(stored_records(db), truth)
