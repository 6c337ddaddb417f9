"""Order independence (issue 12): the same frames imported in any order, in one file or many, from one device or
two, derived after every import or once at the end, store identical values, sleeps and workouts.

A hypothesis test over splits, orders, device assignment and derive mode on three simulated days (a real SQLite
file per example; few examples, so the whole module stays within a few tens of seconds).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from healthdesk.band.sim.physiology import generate_history
from healthdesk.band.whoop4.decode import DecodedBatch
from healthdesk.core.metrics.features import record_time
from healthdesk.services.derive import derive
from healthdesk.services.ingest import ingest_decoded
from healthdesk.store.database import open_database

TZ = 3600
START = 1_699_988_400  # 2023-11-14 19:00 UTC (20:00 local): the band goes on in the evening
DEVICES = ("band-a", "band-b")


@pytest.fixture(scope="module")
def records() -> np.ndarray:
    recs = generate_history(3, seed=31, start_unix=START, tz_offset_s=TZ).records
    return recs[np.argsort(record_time(recs), kind="stable")]


def stored(path: Path) -> dict[str, list[tuple]]:
    """What derive stored, without row ids and computation times (they may differ; values may not)."""
    queries = {
        "daily_values": "SELECT day, metric, source, value, unit, confidence, detail, algorithm_version "
                        "FROM daily_values",
        "band_sleeps": 'SELECT day, start, "end", main, tib_min, asleep_min, efficiency, waso_min, disturbances, '
                       "confidence, detail FROM band_sleeps",
        "band_workouts": 'SELECT day, start, "end", strain, trimp, avg_hr, max_hr, zone_minutes, kind '
                         "FROM band_workouts",
    }
    with sqlite3.connect(path) as conn:
        return {t: sorted(conn.execute(q).fetchall(), key=repr) for t, q in queries.items()}


def build(path: Path, pieces: list[tuple[str, np.ndarray]], incremental: bool) -> dict[str, list[tuple]]:
    with open_database(path) as db:
        for device, part in pieces:
            ingest_decoded(db, device, DecodedBatch(records=part), received_at=1_800_000_000)
            if incremental:  # what a drain or an import does: derive the span it brought
                t = record_time(part)
                derive(db, float(t.min()), float(t.max()) + 1, tz_offset_s=TZ)
        if not incremental:
            derive(db, tz_offset_s=TZ)
    return stored(path)


@pytest.fixture(scope="module")
def reference_db(records, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("order") / "reference.db"
    with open_database(path) as db:
        ingest_decoded(db, DEVICES[0], DecodedBatch(records=records), received_at=1_800_000_000)
        derive(db, tz_offset_s=TZ)
    return path


@pytest.fixture(scope="module")
def reference(reference_db) -> dict[str, list[tuple]]:
    got = stored(reference_db)
    assert len({d for d, *_ in got["daily_values"]}) >= 3 and any(s[3] for s in got["band_sleeps"])
    return got


@st.composite
def arrivals(draw, n: int):
    cuts = sorted(draw(st.lists(st.integers(1, n - 1), min_size=0, max_size=3, unique=True)))
    bounds = [0, *cuts, n]
    spans = [(a, b) for a, b in zip(bounds, bounds[1:], strict=False)]
    order = draw(st.permutations(range(len(spans))))
    devices = [draw(st.sampled_from(["a", "b", "both"])) for _ in spans]
    return [spans[i] for i in order], [devices[i] for i in order], draw(st.booleans())


@settings(max_examples=6, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_any_order_split_and_device_stores_the_same_values(data, records, reference, tmp_path_factory):
    n_hours = len(records) // 3600
    spans, devices, incremental = data.draw(arrivals(n_hours))
    pieces = []
    for (a, b), dev in zip(spans, devices, strict=True):
        part = records[a * 3600 : (b * 3600 if b < n_hours else len(records))]
        # 'both': the same frames reach the store twice, once per band name (two devices' overlapping histories)
        pieces += [(DEVICES[0], part), (DEVICES[1], part)] if dev == "both" else [
            (DEVICES[0] if dev == "a" else DEVICES[1], part)]
    path = tmp_path_factory.mktemp("order") / "example.db"
    got = build(path, pieces, incremental)
    for table in reference:
        assert got[table] == reference[table], (table, spans, devices, incremental)


def test_read_ahead_workers_cut_the_same_pieces(reference_db, records, monkeypatch):
    """A long re-derive reads days in worker processes; the pieces must equal the in-process ones bit for bit."""
    from healthdesk.services import derive_prefetch

    t = record_time(records)
    t0, t1 = float(t.min()), float(t.max()) + 1
    spans = [(t0 + k * 15 * 3600, min(t1, t0 + k * 15 * 3600 + 30 * 3600)) for k in range(4)]
    with open_database(reference_db) as db:
        monkeypatch.setattr(derive_prefetch, "POOL_MIN_PIECES", 99)
        alone = list(derive_prefetch.pieces(db, None, spans))
        monkeypatch.setattr(derive_prefetch, "POOL_MIN_PIECES", 1)
        pooled = list(derive_prefetch.pieces(db, None, spans))
    assert len(alone) == len(pooled) == 4
    for a, b in zip(alone, pooled, strict=True):
        assert (a.span0, a.span1) == (b.span0, b.span1)
        assert a.minutes is not None and a.minutes.tobytes() == b.minutes.tobytes()
        assert a.minutes["minute"][0] == int(a.span0 // 60 * 60) and len(a.minutes) > 1000
