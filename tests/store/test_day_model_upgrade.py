"""Upgrading a v0.1 database (schema 0004, days named by the evening before) keeps every record and relabels every
day by its morning (docs/metrics.md §1); the first derive re-derives what the older algorithm made.

The v0.1 file is built the way v0.1 built it: Alembic up to 0004 only, records through the store's band writer,
and derived rows written with v0.1's labels (the evening before each morning date) by plain SQL, because the
current ORM tables already carry the 0005 columns.
"""

from __future__ import annotations

import sqlite3
from datetime import date, timedelta
from pathlib import Path

import pytest
from alembic import command

from healthdesk.band.sim.physiology import generate_history
from healthdesk.core.metrics.version import ALGORITHM_VERSION
from healthdesk.services.derive import derive
from healthdesk.store import band_writes
from healthdesk.store.database import Database, alembic_config, open_database

TZ = 0
START = 1_699_988_400  # 2023-11-14 19:00 UTC: the band goes on in the evening
USER_WORKOUT = ("Tennis (edited)", 1_700_150_400.0)  # 2023-11-16 16:00 UTC, confirmed by the user


@pytest.fixture(scope="module")
def records():
    return generate_history(4, seed=12, start_unix=START, tz_offset_s=TZ).records


def _store_records(db: Database, records) -> None:
    with db.write() as conn:
        device = band_writes.device_id_for(conn, "sim")
        merged = band_writes.merge_samples(conn, device, records)
        band_writes.recompute_rollups(conn, device, merged.new, merged.cache)
        band_writes.touch_device(conn, device, int(records["unix"].min()), int(records["unix"].max()), 1.0)


def _table(path: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(path) as conn:
        return sorted(conn.execute(sql).fetchall(), key=repr)


@pytest.fixture(scope="module")
def fresh(tmp_path_factory, records) -> Path:
    """The same records in a database made by this release: the labels and values an upgrade must reach."""
    path = tmp_path_factory.mktemp("fresh") / "healthdesk.db"
    with open_database(path) as db:
        _store_records(db, records)
        derive(db, tz_offset_s=TZ)
    return path


@pytest.fixture
def v01(tmp_path, records, fresh) -> Path:
    path = tmp_path / "v01.db"
    db = Database(path)
    try:
        cfg = alembic_config()
        with db._write_lock, db._writer.connect() as connection:
            cfg.attributes["connection"] = connection
            command.upgrade(cfg, "0004_share")
            connection.commit()
        _store_records(db, records)
    finally:
        db.close()
    evening = "date(day, '-1 day')"  # v0.1 named each cycle by the evening before its morning date
    with sqlite3.connect(path) as conn, sqlite3.connect(fresh) as src:
        conn.executemany(
            "INSERT INTO daily_values (day, metric, source, value, unit, confidence, detail, computed_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            src.execute(f"SELECT {evening}, metric, source, value + 1, unit, confidence, detail, computed_at "
                        "FROM daily_values").fetchall())  # value + 1: the old algorithm's numbers differ
        conn.executemany(
            'INSERT INTO band_sleeps (source, day, start, "end", main, tib_min, asleep_min, efficiency, waso_min, '
            "disturbances, confidence, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            src.execute(f'SELECT source, {evening}, start, "end", main, tib_min, asleep_min, efficiency, waso_min, '
                        "disturbances, confidence, detail FROM band_sleeps").fetchall())
        kind, start = USER_WORKOUT
        conn.execute(
            'INSERT INTO band_workouts (source, day, start, "end", strain, trimp, avg_hr, max_hr, zone_minutes, '
            "user_edited, kind) VALUES ('band', '2023-11-15', ?, ?, 9.5, 60.0, 131.0, 160.0, NULL, 1, ?)",
            (start, start + 3600, kind))
        conn.execute(
            "INSERT INTO daily_values (day, metric, source, value, unit, confidence, detail, computed_at) "
            "VALUES ('2023-11-15', 'recovery', 'whoop_cloud', 61.0, '%', 1.0, NULL, 1.0)")
    return path


def test_upgrade_keeps_every_record_and_relabels_every_day(v01, fresh):
    samples_before = _table(v01, "SELECT * FROM sample_chunks")
    rollups_before = _table(v01, "SELECT * FROM minute_rollups")
    days_before = {d for (d,) in _table(v01, "SELECT day FROM daily_values WHERE source = 'band'")}
    assert len(days_before) >= 4
    with open_database(v01) as db:
        assert db.migration is not None and db.migration.before == "0004_share"
        # the migration alone: every label one day later, nothing dropped, v0.1's rows marked version 1
        assert {d for (d,) in _table(v01, "SELECT day FROM daily_values WHERE source = 'band'")} == {
            (date.fromisoformat(d) + timedelta(days=1)).isoformat() for d in days_before}
        assert set(_table(v01, "SELECT algorithm_version FROM daily_values WHERE source = 'band'")) == {(1,)}
        assert _table(v01, "SELECT day, value FROM daily_values WHERE source = 'whoop_cloud'") == [
            ("2023-11-16", 61.0)]  # WHOOP's own value: relabelled exactly, never re-derived
        report = derive(db, tz_offset_s=TZ)
    assert report.upgraded_from_older_algorithm
    assert _table(v01, "SELECT * FROM sample_chunks") == samples_before  # every record kept
    assert _table(v01, "SELECT * FROM minute_rollups") == rollups_before
    band = "SELECT day, metric, value, unit, confidence FROM daily_values WHERE source = 'band'"
    assert _table(v01, band) == _table(fresh, band)  # the days and numbers this release makes from the records
    assert set(_table(v01, "SELECT algorithm_version FROM daily_values WHERE source = 'band'")) == {
        (ALGORITHM_VERSION,)}
    sleeps = 'SELECT day, start, "end", main, asleep_min FROM band_sleeps'
    assert _table(v01, sleeps) == _table(fresh, sleeps)
    kind, start = USER_WORKOUT
    assert _table(v01, "SELECT day, kind FROM band_workouts WHERE user_edited = 1") == [("2023-11-16", kind)]
    assert _table(v01, "SELECT day, value FROM daily_values WHERE source = 'whoop_cloud'") == [("2023-11-16", 61.0)]
    # the evening the band went on (before the first detected sleep) keeps its own date, 2023-11-14
    assert min(d for (d,) in _table(v01, "SELECT day FROM daily_values")) == "2023-11-14"


def test_deriving_again_after_the_upgrade_changes_nothing(v01):
    with open_database(v01) as db:
        derive(db, tz_offset_s=TZ)
        before = _table(v01, "SELECT * FROM daily_values")
        again = derive(db, tz_offset_s=TZ)
    assert not again.upgraded_from_older_algorithm
    assert _table(v01, "SELECT * FROM daily_values") == before


def test_the_first_start_rederives_without_any_pending_import(v01, fresh, monkeypatch):
    import time

    from healthdesk.services.ingest import derive_pending  # what the app and the CLI run at start

    monkeypatch.setenv("TZ", "UTC")  # derive_pending uses the machine's zone; the reference used UTC
    time.tzset()
    with open_database(v01) as db:
        assert derive_pending(db) >= 4  # nothing was imported: the older algorithm's days alone trigger it
        assert derive_pending(db) == 0  # and only once
    monkeypatch.undo()
    time.tzset()
    band = "SELECT day, metric, value FROM daily_values WHERE source = 'band'"
    assert _table(v01, band) == _table(fresh, band)
