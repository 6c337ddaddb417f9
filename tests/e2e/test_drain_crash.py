"""Issue 3 Must-show: the app SIGKILLed around a commit loses nothing and counts nothing twice.

A real subprocess drains the data dir's simulated band over bleak -> bumble and kills itself from its commit
wrapper (tests/e2e/drain_child.py); the band's flash and cursor survive in the data dir like a real band's. The
final drain is the real CLI, `healthdesk-cli band drain --sim`, in another process.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from healthdesk.band.sim.firmware import SimulatedBand
from healthdesk.band.sim.flash import compose_flash, generate, is_record
from healthdesk.config import resolve_paths
from healthdesk.store.database import open_database

from .drain_helpers import START_UNIX, assert_exact_record_set, band_folder, stored_records

CHILD = Path(__file__).with_name("drain_child.py")
CLI = str(Path(sys.executable).with_name("healthdesk-cli"))
KILL_AT_BATCH = 7
BATCH = 50


@pytest.fixture(scope="session")
def half_hour():
    records = generate(1, seed=31, start_unix=START_UNIX).records[:2000]
    return records, compose_flash(records, seed=31)


def _records_in_batches(flash: list[bytes], batches: int) -> int:
    return sum(1 for f in flash[: batches * BATCH] if is_record(f))


@pytest.mark.parametrize("mode", ["before_commit", "after_commit"])
def test_sigkill_around_commit_then_cli_drain_gives_exact_truth(tmp_path, half_hour, mode):
    truth, flash = half_hour
    home = tmp_path / "home"
    paths = resolve_paths(home).ensure()
    SimulatedBand.create(flash, serial="4C4000001", seed=6, folder=str(band_folder(paths.data_dir)))

    child = subprocess.run([sys.executable, str(CHILD), str(home), mode, str(KILL_AT_BATCH)],
                           capture_output=True, text=True, timeout=120)
    assert child.returncode == -signal.SIGKILL, child.stderr

    committed_batches = KILL_AT_BATCH if mode == "after_commit" else KILL_AT_BATCH - 1
    with open_database(paths.database) as db:
        assert len(stored_records(db)) == _records_in_batches(flash, committed_batches)
    band = SimulatedBand.load(str(band_folder(paths.data_dir)))
    # the band never got the ACK of the killed batch: its flash still holds it
    assert band.state.freed_frames == (KILL_AT_BATCH - 1) * BATCH

    done = subprocess.run([CLI, "--home", str(home), "band", "drain", "--sim", "--no-derive"],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    resent = _records_in_batches(flash, KILL_AT_BATCH) - _records_in_batches(flash, KILL_AT_BATCH - 1)
    assert summary["records_duplicate"] == (resent if mode == "after_commit" else 0)
    assert summary["records_new"] == len(truth) - _records_in_batches(flash, committed_batches)
    assert summary["complete"] is True and summary["frames_invalid"] == 0
    with open_database(paths.database) as db:
        assert_exact_record_set(stored_records(db), truth)
    assert SimulatedBand.load(str(band_folder(paths.data_dir))).pending_frames == []
