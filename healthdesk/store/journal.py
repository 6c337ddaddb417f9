"""Journal: yes/no answers to tags per cycle, keyed by the cycle's morning date (docs/insights.md §1).

`journal_tags` holds the starter set (seeded by migration 0007) and every tag a user or a WHOOP export
added; `name` is the stable key (lower-case slug), `label` the words shown. `journal_entries` has one row per
(morning date, tag): `answered_yes` plus an optional note. A tag on cycle D is what happened during day D;
the insights engine pairs it with the outcomes of the morning D+1 (docs/insights.md §2).

Writes are upserts: answering the same question for the same day again replaces the answer, never adds a
second row. Times are UTC ISO strings.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import Boolean, Connection, ForeignKey, Integer, String, Text, delete, func, select
from sqlalchemy.dialects.sqlite import insert
from sqlalchemy.orm import Mapped, mapped_column

from healthdesk.store.base import Base

# An open transaction from Database.read()/write(): code outside store/ only passes it through to a store
# function (e.g. the WHOOP export importer writing journal rows in its own transaction), never runs SQL on it.
Transaction = Connection

TAG_SOURCES = ("starter", "user", "whoop")
ENTRY_SOURCES = ("app", "cli", "whoop_export")

# (name, label): the starter set, in the order the journal panel shows it. Migration 0007 seeds these.
STARTER_TAGS: tuple[tuple[str, str], ...] = (
    ("alcohol", "Alcohol"),
    ("caffeine_after_2pm", "Caffeine after 2 pm"),
    ("late_meal", "Late meal"),
    ("screen_in_bed", "Screen in bed"),
    ("high_stress", "High stress"),
    ("feeling_ill", "Feeling ill"),
    ("travel", "Travel"),
    ("sauna", "Sauna"),
    ("shared_bed", "Shared bed"),
    ("medication", "Medication"),
)
MAX_NAME = 64
MAX_LABEL = 200
MAX_NOTE = 2000


class JournalTagRow(Base):
    __tablename__ = "journal_tags"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(MAX_NAME), unique=True)
    label: Mapped[str] = mapped_column(String(MAX_LABEL))
    source: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[str] = mapped_column(String(20))


class JournalEntryRow(Base):
    __tablename__ = "journal_entries"

    day: Mapped[str] = mapped_column(String(10), primary_key=True)  # the cycle's morning date
    tag_id: Mapped[int] = mapped_column(ForeignKey("journal_tags.id", ondelete="CASCADE"), primary_key=True)
    answered_yes: Mapped[bool] = mapped_column(Boolean)
    note: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(16))
    updated_at: Mapped[str] = mapped_column(String(20))


_TAGS = JournalTagRow.__table__
_ENTRIES = JournalEntryRow.__table__


@dataclass(frozen=True)
class JournalTag:
    name: str
    label: str
    source: str


@dataclass(frozen=True)
class JournalEntry:
    day: date
    tag: str  # tag name
    answered_yes: bool
    note: str | None = None
    source: str = "app"


def tag_name(text: str) -> str:
    """The stable key of a tag from any wording: lower-case, words joined by '_', at most 64 characters.

    'Caffeine after 2 pm' -> 'caffeine_after_2_pm'. Raises ValueError for text with no letters or digits.
    """
    slug = re.sub(r"[^0-9a-z]+", "_", text.strip().lower()).strip("_")[:MAX_NAME].rstrip("_")
    if not slug:
        raise ValueError(f"a tag needs letters or digits: {text!r}")
    return slug


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def list_tags(conn: Connection) -> list[JournalTag]:
    """Every tag: the starter set first (in its order), then the others by when they were added."""
    rows = conn.execute(select(_TAGS.c.name, _TAGS.c.label, _TAGS.c.source).order_by(_TAGS.c.id)).all()
    starter_order = {name: i for i, (name, _) in enumerate(STARTER_TAGS)}
    tags = [JournalTag(r.name, r.label, r.source) for r in rows]
    return sorted(tags, key=lambda t: (t.name not in starter_order, starter_order.get(t.name, 0)))


def ensure_tag(conn: Connection, name: str, label: str | None = None, source: str = "user") -> int:
    """The id of tag `name`, creating it (with `label`, default: the name) if it does not exist yet."""
    if source not in TAG_SOURCES:
        raise ValueError(f"unknown tag source {source!r}")
    if name != tag_name(name):
        raise ValueError(f"not a tag name: {name!r} (use tag_name() first)")
    found = conn.execute(select(_TAGS.c.id).where(_TAGS.c.name == name)).scalar_one_or_none()
    if found is not None:
        return int(found)
    text = (label or name).strip()[:MAX_LABEL] or name
    result = conn.execute(insert(_TAGS).values(name=name, label=text, source=source, created_at=_now()))
    return int(result.inserted_primary_key[0])


def ensure_starter_tags(conn: Connection) -> None:
    """Seed the starter set (idempotent; migration 0007 already does it for a migrated file)."""
    for name, label in STARTER_TAGS:
        ensure_tag(conn, name, label, "starter")


def record_answers(conn: Transaction, tags: Mapping[str, tuple[str, str]], entries: Iterable[JournalEntry]) -> int:
    """Ensure the tags (name -> (label, source)) and upsert the answers, in the caller's transaction; returns
    the entries written. Re-recording the same answers writes the same rows."""
    for name, (label, source) in tags.items():
        ensure_tag(conn, name, label, source)
    return upsert_entries(conn, entries)


def upsert_entries(conn: Connection, entries: Iterable[JournalEntry]) -> int:
    """Insert or replace (day, tag) answers; each tag must exist. Returns the number of rows written."""
    ids = {r.name: r.id for r in conn.execute(select(_TAGS.c.name, _TAGS.c.id))}
    now = _now()
    payload = []
    for e in entries:
        if e.tag not in ids:
            raise ValueError(f"unknown tag {e.tag!r}")
        if e.source not in ENTRY_SOURCES:
            raise ValueError(f"unknown entry source {e.source!r}")
        note = (e.note or "").strip()[:MAX_NOTE] or None
        payload.append({"day": e.day.isoformat(), "tag_id": ids[e.tag], "answered_yes": bool(e.answered_yes),
                        "note": note, "source": e.source, "updated_at": now})
    if not payload:
        return 0
    stmt = insert(_ENTRIES)
    stmt = stmt.on_conflict_do_update(
        index_elements=["day", "tag_id"],
        set_={c: stmt.excluded[c] for c in ("answered_yes", "note", "source", "updated_at")},
    )
    for i in range(0, len(payload), 500):
        conn.execute(stmt, payload[i : i + 500])
    return len(payload)


def delete_entry(conn: Connection, day: date, tag: str) -> bool:
    """Forget one answer (the day goes back to 'not answered'). True when a row was removed."""
    tag_id = conn.execute(select(_TAGS.c.id).where(_TAGS.c.name == tag)).scalar_one_or_none()
    if tag_id is None:
        return False
    result = conn.execute(delete(_ENTRIES).where(_ENTRIES.c.day == day.isoformat(), _ENTRIES.c.tag_id == tag_id))
    return bool(result.rowcount)


def entries_between(conn: Connection, first: date, last: date) -> list[JournalEntry]:
    """Answers with first <= day <= last (inclusive), ordered by day then tag name."""
    q = (
        select(_ENTRIES.c.day, _TAGS.c.name, _ENTRIES.c.answered_yes, _ENTRIES.c.note, _ENTRIES.c.source)
        .join(_TAGS, _TAGS.c.id == _ENTRIES.c.tag_id)
        .where(_ENTRIES.c.day >= first.isoformat(), _ENTRIES.c.day <= last.isoformat())
        .order_by(_ENTRIES.c.day, _TAGS.c.name)
    )
    return [JournalEntry(date.fromisoformat(r.day), r.name, bool(r.answered_yes), r.note, r.source)
            for r in conn.execute(q).all()]


def journal_span(conn: Connection) -> tuple[date, date] | None:
    """First and last day with any answer, or None for an empty journal."""
    lo, hi = conn.execute(select(func.min(_ENTRIES.c.day), func.max(_ENTRIES.c.day))).one()
    return (date.fromisoformat(lo), date.fromisoformat(hi)) if lo else None
