"""The `whoop_export` source: rows imported from WHOOP's "Export my data" files, kept apart from band and
WHOOP-cloud rows (docs/architecture.md, "WHOOP export and corrections").

Each table keeps the file's values as canonical JSON (`fields`) next to the columns we query by, so a re-import
can tell exactly which rows changed and `export whoop-csv` can write them back unchanged. Daily values of this
source go to `daily_values` with source "whoop_export" (written here, not through derived.put_daily_values,
whose source list belongs to the band/cloud pipeline).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import Boolean, Float, Index, Integer, String, Text, and_, bindparam, select, update
from sqlalchemy.dialects.sqlite import insert
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapped, mapped_column

from healthdesk.store.base import Base
from healthdesk.store.derived import DailyValue, put_daily_values

SOURCE = "whoop_export"


class ExportCycleRow(Base):
    __tablename__ = "whoop_export_cycles"
    __table_args__ = (Index("ix_whoop_export_cycles_day", "day"),)

    start: Mapped[float] = mapped_column(Float, primary_key=True)  # unix s
    end: Mapped[float | None] = mapped_column(Float)  # None: the open cycle
    tz_offset_s: Mapped[int] = mapped_column(Integer)
    day: Mapped[str] = mapped_column(String(10))  # morning date (metrics.md §1)
    fields: Mapped[str] = mapped_column(Text)


class ExportSleepRow(Base):
    __tablename__ = "whoop_export_sleeps"
    __table_args__ = (Index("ix_whoop_export_sleeps_day", "day"),)

    start: Mapped[float] = mapped_column(Float, primary_key=True)
    end: Mapped[float] = mapped_column(Float)
    tz_offset_s: Mapped[int] = mapped_column(Integer)
    cycle_start: Mapped[float] = mapped_column(Float)
    nap: Mapped[bool] = mapped_column(Boolean)
    day: Mapped[str] = mapped_column(String(10))
    fields: Mapped[str] = mapped_column(Text)


class ExportWorkoutRow(Base):
    __tablename__ = "whoop_export_workouts"
    __table_args__ = (Index("ix_whoop_export_workouts_day", "day"),)

    start: Mapped[float] = mapped_column(Float, primary_key=True)
    end: Mapped[float] = mapped_column(Float)
    tz_offset_s: Mapped[int] = mapped_column(Integer)
    cycle_start: Mapped[float] = mapped_column(Float)
    day: Mapped[str] = mapped_column(String(10))
    activity: Mapped[str] = mapped_column(String(128))
    strain: Mapped[float | None] = mapped_column(Float)
    fields: Mapped[str] = mapped_column(Text)


class ExportJournalRow(Base):
    __tablename__ = "whoop_export_journal"
    __table_args__ = (Index("ix_whoop_export_journal_day", "day"),)

    cycle_start: Mapped[float] = mapped_column(Float, primary_key=True)
    question: Mapped[str] = mapped_column(String(512), primary_key=True)
    tz_offset_s: Mapped[int] = mapped_column(Integer)
    day: Mapped[str] = mapped_column(String(10))
    fields: Mapped[str] = mapped_column(Text)


TABLES = {"cycles": ExportCycleRow, "sleeps": ExportSleepRow, "workouts": ExportWorkoutRow,
          "journal": ExportJournalRow}


@dataclass(frozen=True)
class Counts:
    new: int = 0
    updated: int = 0
    unchanged: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"new": self.new, "updated": self.updated, "unchanged": self.unchanged}


def dumps(fields: dict[str, Any]) -> str:
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _key_columns(model: type[Base]) -> list[str]:
    return [c.name for c in model.__table__.primary_key.columns]


def upsert(conn: Connection, kind: str, rows: Sequence[dict[str, Any]]) -> tuple[Counts, list[dict[str, Any]]]:
    """Insert new rows, rewrite changed ones, leave identical ones untouched. Returns counts and the rows that
    were new or changed (what needs re-deriving)."""
    model = TABLES[kind]
    keys = _key_columns(model)
    columns = [c.name for c in model.__table__.columns]
    existing = {
        tuple(r[:len(keys)]): tuple(r[len(keys):])
        for r in conn.execute(select(*[model.__table__.c[k] for k in keys + [c for c in columns if c not in keys]]))
    }
    others = [c for c in columns if c not in keys]
    new, changed = [], []
    unchanged = 0
    for row in rows:
        key = tuple(row[k] for k in keys)
        old = existing.get(key)
        if old is None:
            new.append(row)
        elif old != tuple(row[c] for c in others):
            changed.append(row)
        else:
            unchanged += 1
    for i in range(0, len(new), 500):
        conn.execute(insert(model), new[i : i + 500])
    if changed:
        table = model.__table__
        stmt = (
            update(table)
            .where(and_(*[table.c[k] == bindparam(f"k_{k}") for k in keys]))
            .values({c: bindparam(f"v_{c}") for c in others})
        )
        conn.execute(stmt, [{**{f"k_{k}": r[k] for k in keys}, **{f"v_{c}": r[c] for c in others}} for r in changed])
    return Counts(len(new), len(changed), unchanged), new + changed


def put_export_values(conn: Connection, values: Iterable[DailyValue]) -> int:
    """Insert or replace whoop_export daily values (the one daily-value writer); unchanged rows keep computed_at."""
    return put_daily_values(conn, [replace(v, source=SOURCE) for v in values])


def rows_between(conn: Connection, kind: str, day0: str, day1: str) -> list[dict[str, Any]]:
    """Stored rows of one file kind with day0 <= day <= day1, `fields` decoded, in time order."""
    model = TABLES[kind]
    table = model.__table__
    order = table.c["cycle_start"] if kind == "journal" else table.c["start"]
    out = []
    for r in conn.execute(select(table).where(table.c.day >= day0, table.c.day <= day1).order_by(order)):
        row = dict(r._mapping)
        row["fields"] = json.loads(row["fields"])
        out.append(row)
    return out


def cycle_labels(conn: Connection) -> dict[float, str]:
    """Stored cycle start -> morning-date label (to name naps, workouts and journal rows of a later import)."""
    return {s: d for s, d in conn.execute(select(ExportCycleRow.start, ExportCycleRow.day))}
