"""open_database: PRAGMAs, Alembic upgrade on a fresh file, no-op re-open, backup only when upgrading."""

from __future__ import annotations

import sqlite3

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from healthdesk.store.database import StoreError, alembic_config, head_revision, open_database
from healthdesk.store.tables import metadata


def _tables(path) -> set[str]:
    with sqlite3.connect(path) as conn:
        return {r[0] for r in conn.execute("select name from sqlite_master where type = 'table'")}


def test_fresh_database_is_created_upgraded_and_in_wal_mode(tmp_path):
    path = tmp_path / "deep" / "er" / "healthdesk.db"
    with open_database(path) as db:
        assert db.migration.before is None and db.migration.after == head_revision()
        assert db.migration.backup is None
        with db.read() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("select version_num from alembic_version").scalar() == head_revision()
    assert {"devices", "raw_frame_batches", "sample_chunks", "band_events", "band_metadata",
            "minute_rollups"} <= _tables(path)
    assert list(tmp_path.joinpath("deep", "er").glob("*backup*")) == []


def test_reopening_a_current_database_changes_nothing(tmp_path):
    path = tmp_path / "healthdesk.db"
    open_database(path).close()
    with open_database(path) as db:
        assert db.migration.before == db.migration.after == head_revision()
        assert db.migration.backup is None
    assert list(tmp_path.glob("*backup*")) == []


def test_upgrading_an_existing_database_backs_it_up_first(tmp_path):
    path = tmp_path / "healthdesk.db"
    with sqlite3.connect(path) as conn:  # an older, unversioned file with data the user cares about
        conn.execute("create table notes (text)")
        conn.execute("insert into notes values ('keep me')")
    with open_database(path) as db:
        backup = db.migration.backup
        assert db.migration.before is None and backup is not None
    assert backup.parent == tmp_path and "backup" in backup.name
    assert _tables(backup) == {"notes"}
    with sqlite3.connect(backup) as conn:
        assert conn.execute("select text from notes").fetchall() == [("keep me",)]
    assert "sample_chunks" in _tables(path) and "notes" in _tables(path)


def test_migration_chain_starts_at_the_foundation_and_has_one_head():
    script = ScriptDirectory.from_config(alembic_config())
    revisions = list(script.walk_revisions())
    assert revisions[-1].revision == "0001_foundation" and revisions[-1].down_revision is None
    assert len(script.get_heads()) == 1


def test_migrated_schema_matches_the_table_classes(tmp_path):
    """The migration chain must build what the table classes declare (every table module in tables.py)."""
    with open_database(tmp_path / "healthdesk.db") as db, db.read() as conn:
        assert compare_metadata(MigrationContext.configure(conn), metadata) == []


def test_a_file_that_is_not_a_database_gives_one_clear_error(tmp_path):
    path = tmp_path / "healthdesk.db"
    path.write_bytes(b"this is not sqlite at all" * 100)
    with pytest.raises(StoreError) as info:
        open_database(path)
    assert str(info.value).startswith(f"cannot open database {path}")
    assert "\n" not in str(info.value)


def test_a_nested_write_is_refused_instead_of_deadlocking(tmp_path):
    with open_database(tmp_path / "healthdesk.db") as db, db.write():
        with pytest.raises(RuntimeError, match="inside Database.write"), db.write():
            pass
