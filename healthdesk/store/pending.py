"""The pending-derive marker: spans of band data stored but not yet derived into daily values.

An import or drain adds its span in the SAME transaction as the records (services/ingest.py), and the span
is removed only after a derive covering it has committed - so a crash between the two (kill -9, power cut)
leaves the marker, and the next start or command derives what is pending (docs/architecture.md,
"Pending derive").
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection, Float, Integer, delete, func, insert, select
from sqlalchemy.orm import Mapped, mapped_column

from healthdesk.store.base import Base


class PendingDerive(Base):
    __tablename__ = "pending_derive"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    t0: Mapped[float] = mapped_column(Float)  # unix s of the earliest new record
    t1: Mapped[float] = mapped_column(Float)  # unix s just after the latest new record
    added_at: Mapped[float] = mapped_column(Float)


@dataclass(frozen=True)
class PendingSpan:
    t0: float
    t1: float
    through_id: int  # clear_pending(through_id) forgets exactly the rows this span covered


def mark_pending(conn: Connection, t0: float, t1: float, added_at: float) -> None:
    conn.execute(insert(PendingDerive).values(t0=float(t0), t1=float(t1), added_at=float(added_at)))


def pending_span(conn: Connection) -> PendingSpan | None:
    row = conn.execute(select(func.min(PendingDerive.t0), func.max(PendingDerive.t1),
                              func.max(PendingDerive.id))).one()
    return None if row[2] is None else PendingSpan(float(row[0]), float(row[1]), int(row[2]))


def clear_pending(conn: Connection, through_id: int) -> None:
    """Only the rows seen before the derive: a span added meanwhile by another writer stays pending."""
    conn.execute(delete(PendingDerive).where(PendingDerive.id <= through_id))


def has_pending(database: Path) -> bool:
    """A cheap look (plain sqlite3, read-only, no SQLAlchemy import cost) at whether anything is pending."""
    if not database.is_file():
        return False
    try:
        conn = sqlite3.connect(f"{database.resolve().as_uri()}?mode=ro", uri=True, timeout=1.0)
    except sqlite3.Error:
        return False
    try:
        return conn.execute("SELECT 1 FROM pending_derive LIMIT 1").fetchone() is not None
    except sqlite3.Error:  # no such table (an older file not migrated yet), locked, not a database
        return False
    finally:
        conn.close()
