"""The real overnight capture through ingest -> derive -> summary, and the trailing load refresh."""

from __future__ import annotations

import sqlite3
from datetime import date, timedelta

import numpy as np
import pytest

from healthdesk.cli.frames import read_hex_frames
from healthdesk.core.metrics import load
from healthdesk.core.metrics.version import ALGORITHM_VERSION as V
from healthdesk.services.derive import _refresh_trailing_load, derive
from healthdesk.services.ingest import ingest_frames
from healthdesk.services.summary import summary
from healthdesk.store.database import open_database
from healthdesk.store.derived import DailyValue, daily_values_between, put_daily_values


def test_real_night_stored_once_and_identical_after_reimport(tmp_path, overnight_capture):
    frames = read_hex_frames(overnight_capture).frames
    path = tmp_path / "real.db"
    with open_database(path) as db:
        report = ingest_frames(db, "whoop4", frames, received_at=1_800_000_000)
        assert report.records_new > 10_000
        derive(db, tz_offset_s=0)
        with sqlite3.connect(path) as conn:
            before = sorted(conn.execute("select * from daily_values").fetchall())
            sleeps = conn.execute(
                "select start, end, main, asleep_min from band_sleeps where main = 1"
            ).fetchall()
        assert len(sleeps) == 1
        start, end, _, asleep = sleeps[0]
        assert report.first_ts <= start < end <= report.last_ts + 60 and asleep >= 60
        again = ingest_frames(db, "whoop4", frames, received_at=1_800_000_100)
        assert again.records_new == 0
        derive(db, report.first_ts, report.last_ts, tz_offset_s=0)
        with sqlite3.connect(path) as conn:
            assert sorted(conn.execute("select * from daily_values").fetchall()) == before
        doc = summary(db, date(2024, 4, 10), date(2024, 4, 13))
    nights = [d for d in doc["days"] if any(s["main"] for s in d["sleeps"])]
    assert [d["date"] for d in nights] == ["2024-04-12"]  # the morning the night ends (metrics §1)
    night = nights[0]
    rhr = night["metrics"]["resting_hr"][0]
    hrv = night["metrics"]["hrv_rmssd"][0]
    assert 40 <= rhr["value"] <= 70 and rhr["confidence"] > 0 and rhr["source"] == "band"
    assert 15 <= hrv["value"] <= 150 and hrv["confidence"] > 0
    assert night["metrics"]["recovery"][0]["value"] is None  # one night: no baseline, a dash


def test_trailing_load_metrics_follow_an_earlier_change(tmp_path):
    first = date(2024, 1, 1)
    days = [first + timedelta(days=k) for k in range(40)]
    rows = [
        DailyValue(d.isoformat(), "day_trimp", "band", 50.0 + (k % 3) * 10, "trimp", 1.0, algorithm_version=V)
        for k, d in enumerate(days)
    ]  # band values carry the algorithm version that made them (an older one's never feed history)
    rows += [DailyValue(d.isoformat(), "wear", "band", 0.9, "fraction", 1.0, algorithm_version=V) for d in days]
    with open_database(tmp_path / "load.db") as db:
        with db.write() as conn:
            put_daily_values(conn, rows)
            changed = _refresh_trailing_load(conn, days[9], now=1.0)
        with db.read() as conn:
            stored = {r.day: r for r in daily_values_between(conn, days[0], days[-1], metrics=["acwr"])}
    assert changed == 30  # every later stored day, not only the recomputed ones
    loads = [r.value for r in rows[:40]]
    assert stored[days[-1].isoformat()].value == pytest.approx(load.acwr(loads).value)
    assert stored[days[20].isoformat()].metric == "acwr" and stored[days[20].isoformat()].value is None


def test_strain_calibration_reads_band_trimp_against_cloud_strain(tmp_path):
    from healthdesk.services.derive import strain_calibration

    days = [(date(2024, 3, 1) + timedelta(days=k)).isoformat() for k in range(20)]
    trimps = [30.0 + 7 * k for k in range(20)]
    rows = [DailyValue(d, "day_trimp", "band", t, "trimp", 0.9, algorithm_version=V)
            for d, t in zip(days, trimps, strict=True)]
    rows += [
        DailyValue(d, "day_strain", "whoop_cloud", 21 * np.log1p(t) / np.log1p(4000.0), "strain", 1.0)
        for d, t in zip(days, trimps, strict=True)
    ]
    with open_database(tmp_path / "cal.db") as db:
        with db.write() as conn:
            put_daily_values(conn, rows[:13] + rows[20:33])  # 13 paired days: not enough
        assert strain_calibration(db) is None
        with db.write() as conn:
            put_daily_values(conn, rows)
        assert strain_calibration(db) == pytest.approx(4000.0, rel=1e-9)
