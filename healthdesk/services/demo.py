"""The demo band: its own data folder, 30 seeded days, and a simulated band holding the last 24 hours.

On first start the physiology generator makes 31 days of 1 Hz records ending now (a month of slowly improving
resting HR and HRV, so Trends has a projection to show). The first 30 days become
stored-flash frames and go through the same decoder and store as `healthdesk-cli import-frames` (as if they had
been drained earlier); the last 24 hours stay on a simulated band (in `<demo>/simulated-band`, the folder
`healthdesk-cli band --sim` uses too) that the app then pairs and drains over the in-process BLE link.
A second start reuses the folder: nothing is generated again and the band holds whatever it has not yet given.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from healthdesk.band.sim import band_folder
from healthdesk.band.sim.firmware import SimulatedBand
from healthdesk.band.sim.flash import compose_flash
from healthdesk.band.sim.physiology import generate_history
from healthdesk.band.whoop4.decode import RECORD_DTYPE
from healthdesk.config import Paths
from healthdesk.core.timeutil import system_tz_offset
from healthdesk.services.ingest import IngestReport, ingest_frames
from healthdesk.store.database import Database

log = logging.getLogger(__name__)

DEMO_SERIAL = "4C00DE001"  # nine characters, like a real band's serial (the hello answer carries no more)
DEMO_SEED = 20240411
SEEDED_DAYS = 30
BAND_HOURS = 24
MARKER = "demo-seeded.json"
IMPORT_CHUNK_FRAMES = 20_000  # one transaction each, like a file of import-frames
# A month of getting fitter, so the Trends page has something to project: resting HR drifts down and HRV up
# (start -> end of the simulated span); the physiology generator adds its own night-to-night noise.
TREND_RESTING_HR = (58.0, 52.5)
TREND_RMSSD_MS = (40.0, 70.0)
CHUNK_DAYS = 3  # the generator takes one resting HR / HRV level per call: a new level every 3 days
# The demo band sends as fast as the link carries (a real offload runs ~10 records/s, docs/band-protocol.md
# §12.7: the demo's 24 h would take over two hours).
DEMO_FRAME_INTERVAL_S = 0.0


@dataclass
class DemoSeed:
    days: int
    records_imported: int
    records_on_band: int
    seconds: float


def demo_paths(paths: Paths) -> Paths:
    """`<home>/demo` when a home is given (one folder for everything), else `<platform data dir>/demo`."""
    root = paths.data_dir / "demo"
    return Paths(root, root, root / "logs")


def sim_band_folder(paths: Paths) -> Path:
    """The same folder `healthdesk-cli band --sim` uses (band/sim/band_folder.py), so the CLI sees the demo band."""
    return band_folder.sim_band_folder(paths.data_dir)


def is_seeded(paths: Paths) -> bool:
    return (paths.data_dir / MARKER).is_file() and band_folder.band_exists(sim_band_folder(paths))


@dataclass
class DemoPlan:
    """What the first start still has to import once the band is on the air."""

    history: np.ndarray  # RECORD_DTYPE records of the seeded days
    days: int
    records_on_band: int
    seed: int


def prepare_demo_band(
    paths: Paths,
    *,
    days: int = SEEDED_DAYS,
    band_hours: int = BAND_HOURS,
    seed: int = DEMO_SEED,
    now: float | None = None,
) -> DemoPlan | None:
    """Make the simulated band (the last `band_hours`) and return the older history still to import.

    None when the folder is fully seeded. Deterministic: an interrupted first start regenerates the same
    records from the parameters kept with the band, and re-importing them only counts duplicates.
    """
    if is_seeded(paths):
        return None
    folder = sim_band_folder(paths)
    made_from = band_folder.made_from(folder)
    if made_from.get("demo"):
        end, days, band_hours, seed = (int(made_from[k]) for k in ("end", "days", "band_hours", "seed"))
    else:
        end = int(now if now is not None else time.time()) // 60 * 60
    total_days = days + (band_hours + 23) // 24
    records = demo_records(end, total_days, seed)
    split = int(np.searchsorted(records["unix"], end - band_hours * 3600))
    history, on_band = records[:split], records[split:]
    if not made_from.get("demo"):
        band_folder.make_band(folder, compose_flash(on_band, seed=seed + 1), serial=DEMO_SERIAL, seed=seed,
                              made_from={"demo": True, "end": end, "days": days, "band_hours": band_hours,
                                         "seed": seed})
    return DemoPlan(history, days, len(on_band), seed)


def demo_records(end: int, total_days: int, seed: int) -> np.ndarray:
    """`total_days` of 1 Hz records ending at `end`, generated in 3-day pieces from local noon to local noon
    (so no night is cut in two) with resting HR and HRV following the demo's trend."""
    tz = system_tz_offset(end)
    first = (end - total_days * 86400 + tz) // 86400 * 86400 - tz + 12 * 3600  # local noon on/before the start
    if first > end - total_days * 86400:
        first -= 86400
    pieces, counter, t, k = [], 1_000_000, first, 0
    while t < end:
        span = min(CHUNK_DAYS, -(-(end - t) // 86400))
        f = (t - first) / max(end - first, 1)
        records = generate_history(
            span, seed + k, t, tz,
            resting_hr=TREND_RESTING_HR[0] + f * (TREND_RESTING_HR[1] - TREND_RESTING_HR[0]),
            rmssd_ms=TREND_RMSSD_MS[0] + f * (TREND_RMSSD_MS[1] - TREND_RMSSD_MS[0]),
            counter_start=counter,
        ).records
        records = records[records["unix"] < end]  # the band has recorded up to now, not beyond
        pieces.append(records)
        counter = int(records["counter"][-1]) + 1
        t += span * 86400
        k += 1
    return np.asarray(np.concatenate(pieces), RECORD_DTYPE)


def import_demo_history(
    paths: Paths, db: Database, plan: DemoPlan, progress: Callable[[str], None] | None = None
) -> DemoSeed:
    """The seeded days as stored-flash frames through the decoder and store, then derived. Blocking."""
    started = time.monotonic()
    say = progress or (lambda _msg: None)
    report = IngestReport()
    frames = compose_flash(plan.history, seed=plan.seed)
    shown = -1
    for i in range(0, len(frames), IMPORT_CHUNK_FRAMES):
        report.add(ingest_frames(db, DEMO_SERIAL, frames[i : i + IMPORT_CHUNK_FRAMES], time.time()))
        percent = min(i + IMPORT_CHUNK_FRAMES, len(frames)) * 100 // len(frames)
        if percent // 10 != shown:
            shown = percent // 10
            say(f"Importing {plan.days} days of demo history through the frame decoder: {percent} %")
    _derive(db, report)
    result = DemoSeed(plan.days, report.records_new, plan.records_on_band, time.monotonic() - started)
    (paths.data_dir / MARKER).write_text(json.dumps(asdict(result), indent=2))
    log.info("demo seeded: %s", result)
    return result


def load_demo_band(paths: Paths, *, frame_interval_s: float = DEMO_FRAME_INTERVAL_S) -> SimulatedBand:
    return band_folder.load_band(sim_band_folder(paths), frame_interval_s=frame_interval_s)


def _derive(db: Database, report: IngestReport) -> None:
    """Derive metrics for the imported days when the metrics service is installed (as the drain does)."""
    if importlib.util.find_spec("healthdesk.services.derive") is None or report.first_ts is None:
        return
    from healthdesk.services import derive as derive_service

    derive_service.derive(db, report.first_ts, report.last_ts)
