"""User corrections of detected sleeps and workouts: reject, move a sleep's onset/wake, relabel, add.

Corrections live in their own table (store.corrections), never inside the detections, and are re-applied by
every derive, so they survive a re-detection and an ALGORITHM_VERSION bump: `sleep_adjuster` gives the engine
the corrected sleeps before any metric (core.metrics.engine's `adjust_sleeps`), and services.derive calls
`apply_to_detections` just before it stores a span (workouts, "edited" marks). A correction finds its record again by time: the detected window it
was made on, matched to a new detection that starts within MATCH_START_S or overlaps it by half
(docs/architecture.md, "WHOOP export and corrections"). Corrected records carry an "edited" mark.

Records are named for the user as `DAY#N`: the N-th sleep (or workout) of a morning date, in time order.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path

import numpy as np

from healthdesk.core.metrics.sleep import ASLEEP, SleepPeriod
from healthdesk.core.timeutil import day_noon
from healthdesk.services.workout_merge import ACTIVITIES
from healthdesk.store.corrections import (
    Correction,
    corrections_between,
    delete_correction,
    delete_stored,
    insert_manual_workout,
    move_stored_sleep,
    overlaps,
    put_correction,
    relabel_stored,
    stored_windows,
)
from healthdesk.store.database import Database
from healthdesk.store.derived import (
    DailyValue,
    StoredSleep,
    StoredWorkout,
    sleeps_between,
    workouts_between,
)

STAGE_LIGHT = 1  # band stage codes: 0 deep, 1 light, 2 REM, 3 awake (services/derive.py)
SLEEP_METRICS_OF_MAIN = ("sleep_duration", "time_in_bed", "sleep_efficiency")
MANUAL_SOURCE = "manual"


class CorrectionError(Exception):
    """Input the user can fix (unknown record, bad time, activity not in the list): one line."""


def _find(corrections: list[Correction], target: str, start: float, end: float) -> Correction | None:
    for c in corrections:
        if c.target == target and c.action != "add" and overlaps(c.ref_start, c.ref_end, start, end):
            return c
    return None


def _edited_sleep(s: StoredSleep, c: Correction) -> StoredSleep:
    start = c.new_start if c.new_start is not None else s.start
    end = c.new_end if c.new_end is not None else s.end
    tib = max(0.0, (end - start) / 60.0)
    ratio = s.asleep_min / s.tib_min if s.tib_min else 1.0  # keep the detected share asleep
    asleep = min(tib, tib * ratio)
    detected = (s.detail or {}).get("detected") or [s.start, s.end]  # a re-edit keeps the detector's window
    detail = {**(s.detail or {}), "edited": True, "detected": detected}
    return replace(s, start=start, end=end, tib_min=tib, asleep_min=asleep,
                   efficiency=100.0 * asleep / tib if tib else None, detail=detail)


def _minute(t: float) -> float:
    return float(round(t / 60.0) * 60)


def _rewindow(values: np.ndarray, old_start: float, start: float, end: float, pad: int) -> np.ndarray:
    """Per-minute values of [start, end): the detected ones where the windows overlap, `pad` elsewhere."""
    out = np.full(int((end - start) // 60), pad, dtype=values.dtype)
    a = max(start, old_start)
    src, dst = int((a - old_start) // 60), int((a - start) // 60)
    n = max(0, min(len(values) - src, len(out) - dst))
    if n > 0:
        out[dst : dst + n] = values[src : src + n]
    return out


def adjust_periods(periods: list[SleepPeriod], found: list[Correction]) -> list[SleepPeriod]:
    """Detected sleeps with the user's corrections, before any metric sees them (the engine's hook): a rejected
    sleep is gone (a rejected main sleep joins its two cycles); a moved one takes the user's window, its
    detected minutes kept and added minutes counted asleep (the user says so), stage light."""
    out = []
    for p in periods:
        c = _find(found, "sleep", p.start, p.end)
        if c is None or c.action not in ("reject", "edit"):
            out.append(p)
            continue
        if c.action == "reject":
            continue
        start = _minute(c.new_start if c.new_start is not None else p.start)
        end = _minute(c.new_end if c.new_end is not None else p.end)
        if end - start < 60:
            continue
        state = _rewindow(p.state, p.start, start, end, ASLEEP)
        stages = None if p.stages is None else _rewindow(p.stages, p.start, start, end, STAGE_LIGHT)
        out.append(replace(p, start=start, end=end, state=state, stages=stages))
    return sorted(out, key=lambda q: q.start)


def sleep_adjuster(db: Database, t0: float, t1: float) -> Callable[[list[SleepPeriod]], list[SleepPeriod]] | None:
    """What derive hands the engine for [t0, t1): None when the user corrected no sleep there."""
    with db.read() as conn:
        found = [c for c in corrections_between(conn, t0, t1, "sleep") if c.action in ("reject", "edit")]
    return (lambda periods: adjust_periods(periods, found)) if found else None


def apply_to_detections(
    conn, values: list[DailyValue], sleeps: list[StoredSleep], workouts: list[StoredWorkout],
    t0: float, t1: float,
) -> tuple[list[DailyValue], list[StoredSleep], list[StoredWorkout]]:
    """The derive hook after the metrics: rejected workouts dropped, relabelled ones relabelled, moved sleeps
    marked "edited" (the engine already derived them from the user's window through `sleep_adjuster`; a derive
    without that hook gets the records moved and the night's duration values redone here)."""
    found = corrections_between(conn, t0, t1)
    if not found:
        return values, sleeps, workouts
    out_sleeps: list[StoredSleep] = []
    night_fix: dict[str, StoredSleep | None] = {}
    for s in sleeps:
        c = _find(found, "sleep", s.start, s.end)
        if c is None:
            out_sleeps.append(s)
        elif c.action == "reject":
            if s.main:
                night_fix[s.day] = None
        else:
            moved = (_minute(c.new_start if c.new_start is not None else s.start),
                     _minute(c.new_end if c.new_end is not None else s.end))
            if (s.start, s.end) == moved:  # the engine already derived from the user's window: mark it
                fixed = replace(s, detail={**(s.detail or {}), "edited": True, "detected": [c.ref_start, c.ref_end]})
            else:  # a derive without the engine hook: move the record and its night's duration values
                fixed = _edited_sleep(s, c)
                if s.main:
                    night_fix[s.day] = fixed
            out_sleeps.append(fixed)
            # an onset moved earlier than the span's first cycle lies outside what derive replaces: drop the
            # stored copy here so the fresh one never collides with it
            stale = [i for i, a, b in stored_windows(conn, "sleep", fixed.start - 1, fixed.end + 1)
                     if overlaps(c.ref_start, c.ref_end, a, b) or abs(a - fixed.start) < 1]
            if stale:
                delete_stored(conn, "sleep", stale)
    out_workouts: list[StoredWorkout] = []
    for w in workouts:
        c = _find(found, "workout", w.start, w.end)
        if c is None:
            out_workouts.append(w)
        elif c.action == "label":
            out_workouts.append(replace(w, kind=c.label or w.kind))
    out_values = []
    for v in values:
        if v.day in night_fix and v.metric in SLEEP_METRICS_OF_MAIN:
            s = night_fix[v.day]
            if s is None:
                v = replace(v, value=None, confidence=0.0, detail={"note": "rejected_by_user"})
            else:
                new = {"sleep_duration": s.asleep_min, "time_in_bed": s.tib_min, "sleep_efficiency": s.efficiency}
                v = replace(v, value=new[v.metric], detail={**(v.detail or {}), "edited": True})
        out_values.append(v)
    return out_values, out_sleeps, out_workouts


# --- what the CLI and the app call ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Item:
    ref: str  # DAY#N
    kind: str  # sleep: "main" | "nap"; workout: activity label
    start: float
    end: float
    source: str
    edited: bool = False
    rejected: bool = False
    strain: float | None = None


def _span(day0: date, day1: date) -> tuple[float, float]:
    # a morning date D covers the noon-to-noon window ending on D's noon, +/- a day for any timezone
    return day_noon(day0 - timedelta(days=2), 0), day_noon(day1 + timedelta(days=1), 0)


def list_items(db: Database, target: str, day0: date, day1: date) -> list[Item]:
    """Sleeps or workouts of the days, rejected ones included (marked), each with its DAY#N name."""
    t0, t1 = _span(day0, day1)
    with db.read() as conn:
        found = corrections_between(conn, t0, t1, target)
        if target == "sleep":
            rows = [(s.day, s.start, s.end, "main" if s.main else "nap", s.source,
                     bool((s.detail or {}).get("edited")), None) for s in sleeps_between(conn, t0, t1)]
        else:
            rows = [(w.day, w.start, w.end, w.kind or "Activity", w.source,
                     w.user_edited or _find(found, "workout", w.start, w.end) is not None, w.strain)
                    for w in workouts_between(conn, t0, t1)]
    items: list[tuple] = [r for r in rows if day0.isoformat() <= r[0] <= day1.isoformat()]
    for c in found:
        if c.action == "reject":
            day = _day_of(c.ref_end if target == "sleep" else c.ref_start)
            if day0.isoformat() <= day <= day1.isoformat():
                items.append((day, c.ref_start, c.ref_end, "rejected", "band", True, None))
    items.sort(key=lambda r: (r[0], r[1]))
    out, counter = [], {}
    for day, start, end, kind, source, edited, strain in items:
        counter[day] = counter.get(day, 0) + 1
        out.append(Item(f"{day}#{counter[day]}", kind, start, end, source, edited, kind == "rejected", strain))
    return out


def _day_of(unix: float) -> str:
    from datetime import UTC, datetime

    from healthdesk.core.timeutil import system_tz_offset

    return datetime.fromtimestamp(unix + system_tz_offset(unix), UTC).date().isoformat()


def _resolve(db: Database, target: str, ref: str) -> Item:
    day_text, _, n = ref.partition("#")
    try:
        day = date.fromisoformat(day_text)
        index = int(n or "1")
    except ValueError:
        raise CorrectionError(f"{ref!r} is not a record name like 2026-12-07#1 (see `{target} list`)") from None
    items = [i for i in list_items(db, target, day, day) if i.ref == f"{day.isoformat()}#{index}"]
    if not items:
        raise CorrectionError(f"no {target} {ref} (see `{target} list --from {day} --to {day}`)")
    return items[0]


def _rewrite_stored(db: Database, c: Correction) -> None:
    """Apply a new correction to the stored rows at once (a later derive re-applies it from the table)."""
    with db.write() as conn:
        put_correction(conn, c)
        rows = stored_windows(conn, c.target, c.ref_start - 86400, c.ref_end + 86400)
        ids = [i for i, a, b in rows if overlaps(c.ref_start, c.ref_end, a, b)]
        if not ids:
            return
        if c.action == "reject":
            delete_stored(conn, c.target, ids)
        elif c.action == "label":
            relabel_stored(conn, ids, c.label or "")
        elif c.action == "edit":
            by_start = {a: i for i, a, _b in rows if i in ids}
            for s in sleeps_between(conn, c.ref_start - 86400, c.ref_end + 86400):
                if s.start in by_start and s.source == "band":
                    fixed = _edited_sleep(s, c)
                    move_stored_sleep(conn, by_start[s.start], fixed.start, fixed.end, fixed.tib_min,
                                      fixed.asleep_min, fixed.efficiency, _json(fixed.detail))


def _json(detail) -> str:
    return json.dumps(detail, sort_keys=True, separators=(",", ":"))


def _detected_window(item: Item, db: Database, target: str) -> tuple[float, float]:
    """The window the detector gave (an edited sleep remembers it), so the correction keys on the detection."""
    if target != "sleep" or not item.edited:
        return item.start, item.end
    with db.read() as conn:
        for s in sleeps_between(conn, item.start - 1, item.start + 1):
            if (s.detail or {}).get("detected"):
                a, b = s.detail["detected"]
                return float(a), float(b)
    return item.start, item.end


def reject(db: Database, target: str, ref: str) -> Item:
    item = _resolve(db, target, ref)
    if item.rejected:
        return item
    a, b = _detected_window(item, db, target)
    _rewrite_stored(db, Correction(target, "reject", a, b, created_at=time.time()))
    return item


def edit_sleep(db: Database, ref: str, onset: float | None, wake: float | None) -> Item:
    item = _resolve(db, "sleep", ref)
    if item.rejected:
        raise CorrectionError(f"sleep {ref} is rejected; undo that first")
    a, b = _detected_window(item, db, "sleep")
    start, end = onset if onset is not None else item.start, wake if wake is not None else item.end
    if not end > start or end - start > 24 * 3600:
        raise CorrectionError("the wake must come after the onset, less than 24 h later")
    _rewrite_stored(db, Correction("sleep", "edit", a, b, start, end, created_at=time.time()))
    return item


def label_workout(db: Database, ref: str, activity: str) -> Item:
    label = activity_label(activity)
    item = _resolve(db, "workout", ref)
    _rewrite_stored(db, Correction("workout", "label", item.start, item.end, label=label, created_at=time.time()))
    return item


def undo(db: Database, target: str, ref: str) -> Item:
    item = _resolve(db, target, ref)
    a, _ = _detected_window(item, db, target)
    with db.write() as conn:
        delete_correction(conn, target, a)
    return item


def add_workout(db: Database, start: float, end: float, activity: str, day: str) -> None:
    """A workout the band did not see: stored as source 'manual' (derive never replaces it) and remembered as a
    correction, so it can be listed and rejected like any other."""
    label = activity_label(activity)
    if not end > start or end - start > 24 * 3600:
        raise CorrectionError("the end must come after the start, less than 24 h later")
    with db.write() as conn:
        put_correction(conn, Correction("workout", "add", start, end, start, end, label, time.time()))
        insert_manual_workout(conn, MANUAL_SOURCE, day, start, end, label)


def activity_label(text: str) -> str:
    for a in ACTIVITIES:
        if a.casefold() == text.strip().casefold():
            return a
    raise CorrectionError(f"{text!r} is not an activity; choose one of: {', '.join(ACTIVITIES)}")


def rederive_around(db: Database, start: float, end: float, settings_file: Path | None = None) -> None:
    """Re-derive the corrected night or workout at once (this computer's timezone, like `derive`)."""
    from healthdesk.services.derive import derive
    from healthdesk.services.user_settings import saved_profile

    derive(db, start - 43200, end + 43200, profile=saved_profile(settings_file) if settings_file else None)


class CorrectionsService:
    """What the app's Sleep and Strain pages call (each call opens the database file, corrects, re-derives)."""

    def __init__(self, db_path: Path, settings_file: Path | None = None) -> None:
        self.db_path = db_path
        self.settings_file = settings_file

    def _with_db(self, fn, rederive: bool = True):
        from healthdesk.store.database import open_database

        with open_database(self.db_path) as db:
            item = fn(db)
            if rederive and isinstance(item, Item):
                rederive_around(db, item.start, item.end, self.settings_file)
            return item

    def items(self, target: str, day: date) -> list[Item]:
        return self._with_db(lambda db: list_items(db, target, day, day), rederive=False)

    def reject(self, target: str, ref: str) -> Item:
        return self._with_db(lambda db: reject(db, target, ref))

    def undo(self, target: str, ref: str) -> Item:
        return self._with_db(lambda db: undo(db, target, ref))

    def edit_sleep(self, ref: str, onset: float | None, wake: float | None) -> Item:
        return self._with_db(lambda db: edit_sleep(db, ref, onset, wake))

    def label(self, ref: str, activity: str) -> Item:
        return self._with_db(lambda db: label_workout(db, ref, activity))

    def add_workout(self, start: float, end: float, activity: str) -> None:
        from datetime import datetime

        day = datetime.fromtimestamp(start).date().isoformat()
        self._with_db(lambda db: add_workout(db, start, end, activity, day), rederive=False)
