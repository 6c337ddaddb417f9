"""Issue 3 Must-show: drains over the real bleak API to the simulated band on bumble's in-process link."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from healthdesk.band.sim.firmware import SimulatedBand
from healthdesk.band.sim.flash import compose_flash, generate
from healthdesk.band.sim.replay import load_capture
from healthdesk.band.whoop4.constants import DESTRUCTIVE_OPCODES, Opcode
from healthdesk.band.whoop4.framing import parse_frame
from healthdesk.band.whoop4.session import Whoop4Session
from healthdesk.ble.bumble_backend import simulated_air
from healthdesk.config import resolve_paths
from healthdesk.services.pairing import load_paired_band, pair_band
from healthdesk.store.database import open_database

from .drain_helpers import START_UNIX, assert_exact_record_set, ble_connector, drain, stored_records

CLI = str(Path(sys.executable).with_name("healthdesk-cli"))


@pytest.fixture(scope="session")
def two_days():
    history = generate(2, seed=11, start_unix=START_UNIX)
    return history.records, compose_flash(history.records, seed=11)


def test_two_days_drain_equals_ground_truth_then_nothing_new(tmp_path, two_days):
    truth, flash = two_days
    # 250-frame batches: here the length and realism of the history is the point, and the real band's 50-frame
    # batches would only add ~3,600 more SQLite commits to the suite. The replay and fault tests use 50.
    band = SimulatedBand.create(flash, serial="4C2000002", seed=2, folder=str(tmp_path / "band"), batch_frames=250)
    with open_database(tmp_path / "hd.db") as db:
        first = drain(db, band)
        assert first.complete and first.records_new == len(truth) and first.records_duplicate == 0
        assert first.frames_invalid == 0 and first.nacks == 0 and first.batches == -(-len(flash) // 250)
        assert_exact_record_set(stored_records(db), truth)
        assert band.pending_frames == [] and SimulatedBand.load(str(tmp_path / "band")).pending_frames == []
        second = drain(db, band)
        assert second.complete and second.batches == 0 and second.records_new == 0
        assert_exact_record_set(stored_records(db), truth)


def test_replay_of_real_overnight_capture_stores_what_import_frames_stores(tmp_path, overnight_capture):
    capture = load_capture(overnight_capture)
    band = SimulatedBand.create(capture.flash, serial="4C2000003", seed=3)
    with open_database(tmp_path / "ble.db") as db:
        summary = drain(db, band)
        over_ble = stored_records(db)
    assert summary.complete and summary.records_new == 12_984 and len(over_ble) == 12_984
    home = tmp_path / "import-home"
    done = subprocess.run([CLI, "--home", str(home), "import-frames", str(overnight_capture)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["records_new"] == 12_984
    with open_database(resolve_paths(home).database) as db:
        imported = stored_records(db)
    assert_exact_record_set(over_ble, imported)


def test_pairing_drain_and_live_hr_write_no_destructive_opcode(tmp_path, home):
    flash = compose_flash(generate(1, seed=4, start_unix=START_UNIX).records[:3000])
    band = SimulatedBand.create(flash, serial="4C2000004", seed=4, realtime_period_s=0.05)
    paths = resolve_paths(home).ensure()

    async def go():
        air = simulated_air()
        await air.power_on(band)
        try:
            paired, info = await pair_band(paths, ble_connector(band), simulated=True)
            link = await ble_connector(band)()
            async with Whoop4Session(link) as session:
                samples = [s async for s in session.live_hr(seconds=0.5)]
            await link.disconnect()
            return paired, samples
        finally:
            await air.close()

    paired, samples = asyncio.run(asyncio.wait_for(go(), 60))
    assert load_paired_band(paths) == paired and paired.serial == "4C2000004" and paired.simulated
    assert len(samples) >= 3
    with open_database(tmp_path / "hd.db") as db:
        summary = drain(db, band, derive=True)
        assert summary.records_new == 3000 and summary.derived  # metrics recomputed for the drained span
    opcodes = [parse_frame(w)[2] for w in band.commands_written]
    assert {Opcode.GET_HELLO_HARVARD, Opcode.SET_CLOCK, Opcode.SEND_HISTORICAL_DATA,
            Opcode.HISTORICAL_DATA_RESULT, Opcode.TOGGLE_REALTIME_HR} <= set(opcodes)
    assert not set(opcodes) & DESTRUCTIVE_OPCODES
    assert np.all([len(parse_frame(w)) % 4 == 0 for w in band.commands_written])  # all padded like the app
