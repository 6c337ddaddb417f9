"""A newer database is refused before any copy; at most two pre-upgrade backups are kept."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import create_engine

from healthdesk.store.database import BACKUPS_KEPT, StoreError, alembic_config, open_database

from .conftest import assert_one_line_error, run_cli


def _database_at(path: Path, revision: str) -> None:
    engine = create_engine(f"sqlite:///{path}")
    cfg = alembic_config()
    with engine.connect() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, revision)
        connection.commit()
    engine.dispose()


def test_a_database_from_a_newer_version_gets_one_line_and_no_copy(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    db = home / "healthdesk.db"
    open_database(db).close()
    with sqlite3.connect(db) as conn:
        conn.execute("update alembic_version set version_num = '0099_from_the_future'")
    before = sorted(p.name for p in home.rglob("*"))
    with pytest.raises(StoreError, match="newer healthdesk"):
        open_database(db)
    run = run_cli(home, "export-records", "--from", "2024-04-11T00:00:00Z", "--to", "2024-04-12T00:00:00Z")
    line = assert_one_line_error(run)
    assert "newer healthdesk" in line and "0099_from_the_future" in line
    after = sorted(p.name for p in home.rglob("*") if p.parent != home / "logs" and p.name != "logs")
    assert after == [n for n in before if n != "logs"]  # no backup, no WAL left behind


def test_only_the_last_two_pre_upgrade_backups_are_kept(tmp_path):
    db = tmp_path / "healthdesk.db"
    made = []
    for _ in range(BACKUPS_KEPT + 2):
        db.unlink(missing_ok=True)
        _database_at(db, "0001_foundation")
        opened = open_database(db)
        made.append(opened.migration.backup)
        opened.close()
        time.sleep(0.01)  # distinct modification times
    kept = sorted(tmp_path.glob("healthdesk.backup-*.db"))
    assert len(kept) == BACKUPS_KEPT == 2
    assert set(kept) == set(made[-2:])
