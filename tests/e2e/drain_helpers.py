"""Shared pieces of the drain end-to-end tests: simulated histories, a drain over the real bleak API, checks."""

from __future__ import annotations

import asyncio
from pathlib import Path

import numpy as np

from healthdesk.band.sim.firmware import SimulatedBand
from healthdesk.band.sim.peripheral import address_for_serial
from healthdesk.band.whoop4.decode import RECORD_DTYPE
from healthdesk.ble.bumble_backend import SIMULATED, simulated_air
from healthdesk.services.drain import DrainJob, DrainSummary
from healthdesk.services.pairing import BandConnector
from healthdesk.store.band_reads import records_between
from healthdesk.store.database import Database

ALL_TIME = (0, 2**32)
START_UNIX = 1_767_225_600  # 2026-01-01 00:00 UTC


def ble_connector(band: SimulatedBand) -> BandConnector:
    """The product's connector on the simulated air: bleak's public API with the bumble backend."""
    return BandConnector(SIMULATED, scan_timeout=0.5, address=address_for_serial(band.serial))


async def drain_over_ble(db: Database, band: SimulatedBand, **job_options) -> DrainSummary:
    air = simulated_air()
    await air.power_on(band)
    try:
        job_options.setdefault("derive", False)
        job = DrainJob(db, ble_connector(band), reconnect_delay_s=0.05, **job_options)
        return await job.run()
    finally:
        await air.close()


def drain(db: Database, band: SimulatedBand, timeout: float = 600, **job_options) -> DrainSummary:
    return asyncio.run(asyncio.wait_for(drain_over_ble(db, band, **job_options), timeout))


def stored_records(db: Database) -> np.ndarray:
    return records_between(db, None, *ALL_TIME)


def assert_exact_record_set(stored: np.ndarray, truth: np.ndarray) -> None:
    """Same records, field by field, none missing and none twice."""
    assert len(stored) == len(truth), f"{len(stored)} stored vs {len(truth)} in the ground truth"
    key = ["version", "counter"]
    s = np.sort(stored.astype(RECORD_DTYPE), order=key)
    t = np.sort(truth.astype(RECORD_DTYPE), order=key)
    assert len(np.unique(s[key])) == len(s)
    for name in RECORD_DTYPE.names:
        np.testing.assert_array_equal(s[name], t[name], err_msg=f"field {name}")


def band_folder(home: Path) -> Path:
    """Where `band … --sim` keeps the simulated band of a data dir (HEALTHDESK_HOME)."""
    return home / "simulated-band"
