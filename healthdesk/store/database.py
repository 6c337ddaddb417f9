"""Open the SQLite database: PRAGMAs, one serialised writer, separate readers, Alembic upgrade at start.

Durability: WAL with synchronous=FULL. With NORMAL a power cut may lose the last committed transactions
(never corrupting the file); the BLE drain ACKs a batch to the band - which then frees its flash - as soon as
`Database.write()` has committed, so a commit must survive a power cut: FULL syncs the WAL on every commit.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.pool import QueuePool

from healthdesk.store import tables  # noqa: F401  (registers every table on Base.metadata)

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
BUSY_TIMEOUT_MS = 10_000


class StoreError(Exception):
    """The database cannot be opened or upgraded; the message says why in one line."""


def _make_engine(path: Path, *, begin: str, pool_size: int) -> Engine:
    engine = create_engine(
        f"sqlite:///{path}",
        poolclass=QueuePool,
        pool_size=pool_size,
        max_overflow=0 if pool_size == 1 else 4,
        connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_MS / 1000},
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, _record: object) -> None:
        # Own the transactions (pysqlite's implicit BEGIN comes too late for a read-then-write merge).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        connection.exec_driver_sql(begin)

    return engine


@dataclass
class MigrationResult:
    before: str | None  # revision the file had (None: new or never migrated)
    after: str
    backup: Path | None


class Database:
    """One SQLite file. Writes go through `write()` (one at a time, BEGIN IMMEDIATE); reads use `read()`."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._writer = _make_engine(path, begin="BEGIN IMMEDIATE", pool_size=1)
        self._reader = _make_engine(path, begin="BEGIN", pool_size=2)
        self._write_lock = threading.RLock()
        self._writing = threading.local()
        self.migration: MigrationResult | None = None

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """One all-or-nothing transaction on the single writer connection; committed (durably) on exit."""
        if getattr(self._writing, "active", False):  # the one writer connection is already in use here
            raise RuntimeError("Database.write() inside Database.write(): use the outer connection")
        with self._write_lock, self._writer.begin() as connection:
            self._writing.active = True
            try:
                yield connection
            finally:
                self._writing.active = False

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A consistent snapshot on a reader connection (WAL readers never block the writer)."""
        with self._reader.begin() as connection:
            yield connection

    def checkpoint(self) -> None:
        """Fold the WAL back into the main file (used by benchmarks before measuring size)."""
        with self._write_lock:
            raw = self._writer.raw_connection()  # outside any transaction: a checkpoint cannot run inside one
            try:
                raw.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").close()
            finally:
                raw.close()

    def close(self) -> None:
        self._writer.dispose()
        self._reader.dispose()

    def __enter__(self) -> Database:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


def alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("path_separator", "os")
    return cfg


def head_revision() -> str:
    return ScriptDirectory.from_config(alembic_config()).get_current_head() or ""


BACKUPS_KEPT = 2  # pre-upgrade copies: at ~1.2 GB a year of data, more would cost the user real disk


def _backup(path: Path, revision: str | None) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    target = path.with_name(f"{path.stem}.backup-{stamp}-{revision or 'unversioned'}{path.suffix}")
    n = 1
    while target.exists():
        target = path.with_name(f"{path.stem}.backup-{stamp}-{revision or 'unversioned'}-{n}{path.suffix}")
        n += 1
    source = sqlite3.connect(path)
    try:
        destination = sqlite3.connect(target)
        try:
            source.backup(destination)  # consistent even with a WAL next to the file
        finally:
            destination.close()
    finally:
        source.close()
    _prune_backups(path)
    return target


def _prune_backups(path: Path) -> None:
    """Keep the newest BACKUPS_KEPT pre-upgrade copies (names sort by their UTC stamp)."""
    backups = sorted(path.parent.glob(f"{path.stem}.backup-*{path.suffix}"),
                     key=lambda p: (p.stat().st_mtime_ns, p.name))
    for old in backups[:-BACKUPS_KEPT]:
        old.unlink(missing_ok=True)
        log.info("removed old pre-upgrade backup %s", old.name)


def _upgrade(db: Database, existed: bool) -> MigrationResult:
    cfg = alembic_config()
    script = ScriptDirectory.from_config(cfg)
    head = script.get_current_head() or ""
    with db.write() as connection:
        before = MigrationContext.configure(connection).get_current_revision()
    if before == head:
        return MigrationResult(before, head, None)
    if before is not None and _unknown_revision(script, before):
        # Checked before any backup: a newer file is neither copied nor touched.
        raise StoreError(f"the database {db.path} was written by a newer healthdesk (schema {before}); "
                         "update healthdesk to open it")
    backup = _backup(db.path, before) if existed else None
    with db._write_lock, db._writer.connect() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "head")
        connection.commit()
    log.info("database %s upgraded %s -> %s (backup: %s)", db.path, before, head, backup)
    return MigrationResult(before, head, backup)


def _unknown_revision(script: ScriptDirectory, revision: str) -> bool:
    try:
        return script.get_revision(revision) is None
    except Exception:  # noqa: BLE001 - alembic raises its own errors for ids it does not know
        return True


def open_database(path: str | Path) -> Database:
    """Open (creating folders and file if needed) and upgrade to the newest schema, backing up first."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        existed = path.exists() and path.stat().st_size > 0
        db = Database(path)
        try:
            db.migration = _upgrade(db, existed)
        except BaseException:
            db.close()
            raise
    except (OSError, sqlite3.Error) as exc:
        raise StoreError(f"cannot open database {path}: {exc}") from exc
    except Exception as exc:  # SQLAlchemy wraps sqlite errors (not a database, disk I/O, locked)
        if type(exc).__module__.startswith(("sqlalchemy", "alembic")):
            cause = getattr(exc, "orig", None) or exc  # the sqlite3 error, without SQLAlchemy's SQL dump
            reason = (str(cause).splitlines() or [cause.__class__.__name__])[0]
            raise StoreError(f"cannot open database {path}: {reason}") from exc
        raise
    return db
