"""Child process for the SIGKILL tests: drain the data dir's simulated band and die around one commit.

    python drain_child.py HOME before_commit|after_commit BATCH

The ingest wrapper is the commit of the drain job; on the BATCH-th call it SIGKILLs this very process either
before the batch reaches SQLite or after it is committed but before the session could send the ACK.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

from healthdesk.band.sim.firmware import SimulatedBand
from healthdesk.config import resolve_paths
from healthdesk.services.ingest import ingest_frames
from healthdesk.store.database import open_database

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from tests.e2e.drain_helpers import band_folder, drain_over_ble  # noqa: E402


def main(home: str, mode: str, batch: int) -> int:
    paths = resolve_paths(home).ensure()
    band = SimulatedBand.load(str(band_folder(paths.data_dir)))
    calls = 0

    def ingest_then_maybe_die(db, device, frames, received_at):
        nonlocal calls
        calls += 1
        if calls == batch and mode == "before_commit":
            os.kill(os.getpid(), signal.SIGKILL)
        report = ingest_frames(db, device, frames, received_at)
        if calls == batch and mode == "after_commit":
            os.kill(os.getpid(), signal.SIGKILL)
        return report

    with open_database(paths.database) as db:
        asyncio.run(drain_over_ble(db, band, ingest=ingest_then_maybe_die))
    return 0  # only reached when BATCH is beyond the last batch


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2], int(sys.argv[3])))
