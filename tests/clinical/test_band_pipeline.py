"""The whole band path into the export: simulated physiology -> store -> derive job -> PDF and FHIR bundle."""

from __future__ import annotations

import io
import json
import sqlite3
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from pypdf import PdfReader

from healthdesk.band.sim.flash import generate
from healthdesk.cli import main
from healthdesk.services.derive import derive
from healthdesk.store import band_writes
from healthdesk.store.database import open_database
from healthdesk.store.derived import daily_values_between, sleeps_between

from .fhir_checks import conformance_problems, structural_r4

DAYS = 7
FIRST = date(2026, 9, 20)
GEN = "2026-10-01T08:00:00+00:00"


@pytest.fixture(scope="session")
def derived_band_store(tmp_path_factory) -> Path:
    """A week of 1 Hz records from the band simulator, stored and derived like after a drain (~6 s)."""
    path = tmp_path_factory.mktemp("band") / "healthdesk.db"
    start = int(datetime.combine(FIRST, datetime.min.time(), UTC).timestamp())
    records = generate(DAYS, 11, start).records
    with open_database(path) as db:
        with db.write() as conn:
            device = band_writes.device_id_for(conn, "WHOOP 4C0000042")
            merged = band_writes.merge_samples(conn, device, records)
            band_writes.recompute_rollups(conn, device, merged.new, merged.cache)
            band_writes.touch_device(conn, device, int(records["unix"].min()), int(records["unix"].max()), time.time())
        derive(db, tz_offset_s=0)
    return path


def _copy(src: Path, home: Path) -> Path:
    target = home / "healthdesk.db"
    a, b = sqlite3.connect(src), sqlite3.connect(target)
    try:
        a.backup(b)
    finally:
        a.close()
        b.close()
    return target


def test_band_only_week_exports_the_derived_values(derived_band_store, home, tmp_path, capsys):
    db_path = _copy(derived_band_store, home)
    last = FIRST + timedelta(days=DAYS - 1)
    period = ["--from", FIRST.isoformat(), "--to", last.isoformat(), "--timezone", "UTC", "--generated-at", GEN]
    assert main(["export", "fhir", *period, "--out", str(tmp_path / "b.json")]) == 0
    assert main(["export", "pdf", *period, "--out", str(tmp_path / "r.pdf")]) == 0
    capsys.readouterr()

    bundle = json.loads((tmp_path / "b.json").read_text("utf-8"))
    structural_r4(bundle)
    assert conformance_problems(bundle) == []

    with open_database(db_path) as db, db.read() as conn:
        stored = {r.day: r.value for r in daily_values_between(conn, FIRST, last, metrics=["resting_hr"],
                                                                  source="band")
                  if r.value is not None and r.confidence > 0}
        t0 = datetime.combine(FIRST, datetime.min.time(), UTC).timestamp()
        sleeps = [s for s in sleeps_between(conn, t0 - 86400, t0 + (DAYS + 1) * 86400)
                  if FIRST.isoformat() <= s.day <= last.isoformat()]
    mains = [s for s in sleeps if s.main]
    assert len(stored) >= DAYS - 2  # the simulator's week gives a resting HR for nearly every cycle
    observations = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Observation"]
    # a cycle day's Observation spans its night, [D-1 12:00, D 12:00): its end names the morning date D
    rhr = {o["effectivePeriod"]["end"][:10]: o["valueQuantity"]["value"] for o in observations
           if o["code"]["coding"][0]["code"] == "40443-4"}
    assert rhr == {day: round(value, 1) for day, value in stored.items()}
    sessions = [o for o in observations if o["code"]["coding"][0]["code"] == "93832-4"]
    assert len(sessions) == len(mains) > 0  # one sleep-duration Observation per night's main sleep
    naps = [o for o in observations if o["code"]["coding"][0]["code"] == "nap-duration"]
    assert len(naps) == len(sleeps) - len(mains)
    assert {o["meta"]["tag"][0]["code"] for o in observations} == {"band"}

    text = " ".join(" ".join(p.extract_text().split())
                    for p in PdfReader(io.BytesIO((tmp_path / "r.pdf").read_bytes())).pages)
    assert f"Resting heart rate bpm Band {len(stored)}" in text
    assert "WHOOP cloud: no data recorded" in text
    assert f"{len(mains)} nights with sleep" in text
