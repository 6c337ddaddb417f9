"""Share links (clinical.md §1.7): frozen scope, expiry, revocation, access counters; never the raw token.

Only the HMAC-SHA256 of a token is stored (`token_hash`, unique); looking a link up by that hash is the
comparison. Times are UTC ISO strings 'YYYY-MM-DDTHH:MM:SSZ' (text order = time order). Scope columns are
written once at creation; there is no update path that widens them. `ReadOnlyStore` opens one read-only
SQLite connection per use (file URI mode=ro) for the share server, which never writes data.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import Boolean, Connection, Integer, String, create_engine, insert, inspect, select, update
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.pool import NullPool

from healthdesk.store.base import Base

ACTIVE, EXPIRED, REVOKED = "active", "expired", "revoked"


class ShareLinkRow(Base):
    __tablename__ = "share_links"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    label: Mapped[str] = mapped_column(String(200))
    start_day: Mapped[str] = mapped_column(String(10))
    end_day: Mapped[str] = mapped_column(String(10))
    timezone: Mapped[str] = mapped_column(String(64))
    sections: Mapped[str] = mapped_column(String(200))  # comma-separated, sorted
    fhir: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[str] = mapped_column(String(20))
    expires_at: Mapped[str] = mapped_column(String(20))
    revoked_at: Mapped[str | None] = mapped_column(String(20))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    access_count: Mapped[int] = mapped_column(Integer, default=0)
    last_access_at: Mapped[str | None] = mapped_column(String(20))


_T = ShareLinkRow.__table__


def utc_text(when: datetime) -> str:
    if when.tzinfo is None:
        raise ValueError("share-link times must be timezone-aware")
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_utc(text: str) -> datetime:
    return datetime.fromisoformat(text[:-1]).replace(tzinfo=UTC)  # 'YYYY-MM-DDTHH:MM:SSZ' (strptime is slow)


@dataclass(frozen=True)
class ShareLink:
    """One link as stored (no token). `sections` is the frozen selection; empty means nothing is shared."""

    id: int
    label: str
    start: date
    end: date
    timezone: str
    sections: frozenset[str]
    fhir: bool
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    token_hash: str
    access_count: int
    last_access_at: datetime | None

    def status(self, now: datetime) -> str:
        if self.revoked_at is not None:
            return REVOKED
        return ACTIVE if now < self.expires_at else EXPIRED

    def usable(self, now: datetime) -> bool:
        return self.status(now) == ACTIVE


@dataclass(frozen=True)
class NewLink:
    label: str
    start: date
    end: date
    timezone: str
    sections: frozenset[str]
    fhir: bool
    created_at: datetime
    expires_at: datetime
    token_hash: str


def _from_row(row) -> ShareLink:
    try:
        sections = frozenset(s for s in row.sections.split(",") if s)
    except AttributeError:  # an unreadable stored selection shares nothing (fail closed)
        sections = frozenset()
    return ShareLink(
        id=row.id, label=row.label, start=date.fromisoformat(row.start_day), end=date.fromisoformat(row.end_day),
        timezone=row.timezone, sections=sections, fhir=bool(row.fhir), created_at=parse_utc(row.created_at),
        expires_at=parse_utc(row.expires_at),
        revoked_at=parse_utc(row.revoked_at) if row.revoked_at else None, token_hash=row.token_hash,
        access_count=int(row.access_count or 0),
        last_access_at=parse_utc(row.last_access_at) if row.last_access_at else None,
    )


def insert_link(conn: Connection, link: NewLink) -> int:
    result = conn.execute(insert(_T).values(
        label=link.label, start_day=link.start.isoformat(), end_day=link.end.isoformat(),
        timezone=link.timezone, sections=",".join(sorted(link.sections)), fhir=link.fhir,
        created_at=utc_text(link.created_at), expires_at=utc_text(link.expires_at), revoked_at=None,
        token_hash=link.token_hash, access_count=0, last_access_at=None,
    ))
    return int(result.inserted_primary_key[0])


def list_links(conn: Connection) -> list[ShareLink]:
    if not inspect(conn).has_table("share_links"):
        return []
    return [_from_row(r) for r in conn.execute(select(_T).order_by(_T.c.id))]


def get_link(conn: Connection, link_id: int) -> ShareLink | None:
    row = conn.execute(select(_T).where(_T.c.id == link_id)).first()
    return _from_row(row) if row else None


def link_by_hash(conn: Connection, token_hash: str) -> ShareLink | None:
    row = conn.execute(select(_T).where(_T.c.token_hash == token_hash)).first()
    return _from_row(row) if row else None


def revoke_link(conn: Connection, link_id: int, when: datetime) -> ShareLink | None:
    """Revoke at `when` (a second revoke keeps the first time). None when no link has that id."""
    conn.execute(update(_T).where(_T.c.id == link_id, _T.c.revoked_at.is_(None))
                 .values(revoked_at=utc_text(when)))
    return get_link(conn, link_id)


def record_access(conn: Connection, link_id: int, when: datetime) -> None:
    conn.execute(update(_T).where(_T.c.id == link_id)
                 .values(access_count=_T.c.access_count + 1, last_access_at=utc_text(when)))


_COLUMNS = [c.name for c in _T.columns]
_BY_HASH_SQL = f"SELECT {', '.join(_COLUMNS)} FROM share_links WHERE token_hash = ?"


class _Row:
    def __init__(self, values: tuple) -> None:
        self.__dict__.update(zip(_COLUMNS, values, strict=True))


class ReadOnlyStore:
    """The database opened read-only: every `read()` is a fresh sqlite connection (mode=ro) in one snapshot."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path).resolve()
        self._uri = f"{self.path.as_uri()}?mode=ro"
        self._engine = create_engine("sqlite://", poolclass=NullPool, creator=self._connect)

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self._uri, uri=True, check_same_thread=False, timeout=10)

    def link_by_hash(self, token_hash: str) -> ShareLink | None:
        """The per-request lookup, on its own read-only connection without the ORM layer (it runs on every
        request, hits and misses alike)."""
        conn = self._connect()
        try:
            row = conn.execute(_BY_HASH_SQL, (token_hash,)).fetchone()
        finally:
            conn.close()
        return _from_row(_Row(row)) if row else None

    @contextmanager
    def read(self) -> Iterator[Connection]:
        with self._engine.connect() as conn:
            conn.exec_driver_sql("BEGIN")  # one consistent snapshot for everything this request reads
            try:
                yield conn
            finally:
                conn.exec_driver_sql("ROLLBACK")

    def close(self) -> None:
        self._engine.dispose()
