"""Whole-file operations on the database for backup and restore (services/backup.py): an online consistent copy,
the schema revision and integrity of a file, and a check that a file opens as healthdesk's database."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable
from pathlib import Path

PAGES_PER_STEP = 1024  # 4 MiB per step with 4 KiB pages: progress on large databases


def snapshot_database(source: Path, target: Path, progress: Callable[[int, int], None] | None = None) -> int:
    """An online, consistent copy of `source`: the sqlite3 backup API inside one read transaction, so the copy
    is that transaction's snapshot (WAL: a writer elsewhere neither blocks nor restarts it). `progress(done,
    total)` pages. Returns the page count; the copy is 0600."""
    src = sqlite3.connect(source, timeout=10, isolation_level=None)
    try:
        src.execute("BEGIN")
        src.execute("SELECT count(*) FROM sqlite_master").fetchone()  # the snapshot starts here
        dst = sqlite3.connect(target)
        pages = [0]

        def step(_status: int, remaining: int, total: int) -> None:
            pages[0] = total
            if progress:
                progress(total - remaining, total)

        try:
            src.backup(dst, pages=PAGES_PER_STEP, progress=step)
        finally:
            dst.close()
        src.execute("COMMIT")
    finally:
        src.close()
    os.chmod(target, 0o600)
    return pages[0]


def _read_only(db_file: Path) -> sqlite3.Connection:
    # immutable: a file nobody else has open; reading it leaves no -wal/-shm behind
    return sqlite3.connect(f"file:{db_file}?mode=ro&immutable=1", uri=True)


def schema_revision(db_file: Path) -> str:
    conn = _read_only(db_file)
    try:
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.Error:
        row = None
    finally:
        conn.close()
    return row[0] if row else ""


def integrity(db_file: Path) -> str:
    """'ok' or SQLite's first complaint."""
    conn = _read_only(db_file)
    try:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]
    except sqlite3.Error as exc:
        return str(exc)
    finally:
        conn.close()


def opens_as_healthdesk(db_file: Path) -> None:
    """Open (and upgrade) like the app does and read the core table; raises on any failure."""
    from healthdesk.store.database import open_database

    with open_database(db_file) as db, db.read() as conn:
        conn.exec_driver_sql("SELECT count(*) FROM daily_values").fetchone()
