"""One simulated band history derived once per session (corrections, backup and round-trip tests copy it)."""

from __future__ import annotations

from pathlib import Path

import pytest

from healthdesk.band.sim.physiology import generate_history
from healthdesk.band.whoop4.decode import DecodedBatch
from healthdesk.services.derive import derive
from healthdesk.services.ingest import ingest_decoded
from healthdesk.store.database import open_database

TZ = 3600
START = 1_699_988_400  # 2023-11-14 19:00 UTC


@pytest.fixture(scope="session")
def derived_db(tmp_path_factory) -> Path:
    sim = generate_history(9, seed=77, start_unix=START, tz_offset_s=TZ)
    path = tmp_path_factory.mktemp("band") / "healthdesk.db"
    with open_database(path) as db:
        ingest_decoded(db, "sim", DecodedBatch(records=sim.records))
        derive(db, tz_offset_s=TZ)
    return path
