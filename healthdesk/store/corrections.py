"""User corrections of detected sleeps and workouts, stored apart from the detections (docs/architecture.md,
"WHOOP export and corrections").

A correction names the record it corrects by that record's detected window (`ref_start`, `ref_end`), so it can
be matched again after any re-detection (a new algorithm version moves edges by minutes, not hours). One
correction per record: a later one replaces the earlier (rejecting an edited sleep keeps only the rejection).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from sqlalchemy import Float, Integer, String, UniqueConstraint, delete, select, update
from sqlalchemy.dialects.sqlite import insert
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapped, mapped_column

from healthdesk.store.base import Base
from healthdesk.store.derived import BandSleepRow, BandWorkoutRow

TARGETS = ("sleep", "workout")
MATCH_START_S = 20 * 60
ACTIONS = ("reject", "edit", "label", "add")


class CorrectionRow(Base):
    __tablename__ = "user_corrections"
    __table_args__ = (UniqueConstraint("target", "ref_start"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    target: Mapped[str] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(16))
    ref_start: Mapped[float] = mapped_column(Float)
    ref_end: Mapped[float] = mapped_column(Float)
    new_start: Mapped[float | None] = mapped_column(Float)
    new_end: Mapped[float | None] = mapped_column(Float)
    label: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[float] = mapped_column(Float)


@dataclass(frozen=True)
class Correction:
    target: str
    action: str
    ref_start: float
    ref_end: float
    new_start: float | None = None
    new_end: float | None = None
    label: str | None = None
    created_at: float = 0.0
    id: int | None = None


def put_correction(conn: Connection, c: Correction) -> None:
    if c.target not in TARGETS or c.action not in ACTIONS:
        raise ValueError(f"unknown correction {c.target}/{c.action}")
    row = {"target": c.target, "action": c.action, "ref_start": float(c.ref_start), "ref_end": float(c.ref_end),
           "new_start": c.new_start, "new_end": c.new_end, "label": c.label,
           "created_at": c.created_at or time.time()}
    stmt = insert(CorrectionRow).values(row)
    stmt = stmt.on_conflict_do_update(index_elements=["target", "ref_start"],
                                      set_={k: stmt.excluded[k] for k in row if k not in ("target", "ref_start")})
    conn.execute(stmt)


def corrections_between(conn: Connection, t0: float, t1: float, target: str | None = None) -> list[Correction]:
    """Corrections whose record (original or moved window) overlaps [t0, t1)."""
    q = select(CorrectionRow.__table__).where(CorrectionRow.ref_start < t1 + 86400, CorrectionRow.ref_end > t0 - 86400)
    if target:
        q = q.where(CorrectionRow.target == target)
    out = []
    for r in conn.execute(q.order_by(CorrectionRow.ref_start)):
        m = r._mapping
        out.append(Correction(m["target"], m["action"], m["ref_start"], m["ref_end"], m["new_start"], m["new_end"],
                              m["label"], m["created_at"], m["id"]))
    return out


def delete_correction(conn: Connection, target: str, ref_start: float) -> int:
    return conn.execute(delete(CorrectionRow).where(CorrectionRow.target == target,
                                                    CorrectionRow.ref_start == ref_start)).rowcount


# --- the stored detections a new correction applies to at once (a later derive re-applies it from the table) --
def _table(target: str):
    return BandSleepRow if target == "sleep" else BandWorkoutRow


def stored_windows(conn: Connection, target: str, t0: float, t1: float) -> list[tuple[int, float, float]]:
    """(row id, start, end) of stored sleeps or workouts overlapping [t0, t1)."""
    table = _table(target)
    return [(r.id, r.start, r.end) for r in conn.execute(
        select(table.id, table.start, table.end).where(table.start < t1, table.end > t0))]


def delete_stored(conn: Connection, target: str, ids: list[int]) -> None:
    table = _table(target)
    conn.execute(delete(table).where(table.id.in_(ids)))


def relabel_stored(conn: Connection, ids: list[int], label: str) -> None:
    conn.execute(update(BandWorkoutRow).where(BandWorkoutRow.id.in_(ids)).values(kind=label))


def move_stored_sleep(conn: Connection, row_id: int, start: float, end: float, tib_min: float, asleep_min: float,
                      efficiency: float | None, detail: str) -> None:
    conn.execute(update(BandSleepRow).where(BandSleepRow.id == row_id).values(
        start=start, end=end, tib_min=tib_min, asleep_min=asleep_min, efficiency=efficiency, detail=detail))


def insert_manual_workout(conn: Connection, source: str, day: str, start: float, end: float, label: str) -> None:
    conn.execute(insert(BandWorkoutRow).values(source=source, day=day, start=start, end=end, user_edited=True,
                                               kind=label).on_conflict_do_nothing())


def overlaps(a0: float, a1: float, b0: float, b1: float) -> bool:
    """Same record: starts within MATCH_START_S, or the overlap is at least half the shorter one."""
    if abs(a0 - b0) <= MATCH_START_S:
        return True
    shared = min(a1, b1) - max(a0, b0)
    return shared > 0 and shared >= 0.5 * min(a1 - a0, b1 - b0)


def edited_workout_windows(conn: Connection, t0: float, t1: float) -> list[tuple[float, float]]:
    """Detected windows of workouts the user relabelled or added (what 'edited' marks in lists and reports)."""
    return [(c.ref_start, c.ref_end) for c in corrections_between(conn, t0, t1, "workout") if c.action != "reject"]
