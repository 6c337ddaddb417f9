"""`import-whoop-export`: parsed export files -> whoop_export tables and daily values, idempotently.

Re-importing the same or a newer export writes only what changed: each record is keyed by its start time (a
journal answer by its cycle and question), new and changed rows are counted, identical rows are not rewritten,
and only the cycles whose rows changed get their daily values recomputed. Cycle names are morning dates
(metrics.md §1): the local date of `Wake onset`.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from healthdesk.services.whoop_export.parse import (
    FileResult,
    Row,
    local_day,
    morning_label,
    read_export,
    unix_to_local,
)
from healthdesk.store.database import Database
from healthdesk.store.derived import DailyValue
from healthdesk.store.whoop_export import Counts, cycle_labels, dumps, put_export_values, upsert

Progress = Callable[[float, str], None]

# export column -> (daily metric, unit); names and units as the cloud source writes them (cloud/daily.py)
CYCLE_METRICS = {"recovery": ("recovery", "%"), "resting_hr": ("resting_hr", "bpm"),
                 "hrv_rmssd": ("hrv_rmssd", "ms"), "skin_temp": ("skin_temp", "°C"), "spo2": ("spo2", "%"),
                 "day_strain": ("day_strain", "strain"), "calories": ("calories", "kcal"),
                 "max_hr": ("hr_peak", "bpm"), "avg_hr": ("hr_avg", "bpm")}
SLEEP_METRICS = {"asleep_min": ("sleep_duration", "min"), "in_bed_min": ("time_in_bed", "min"),
                 "light_min": ("sleep_light", "min"), "deep_min": ("sleep_deep", "min"),
                 "rem_min": ("sleep_rem", "min"), "awake_min": ("sleep_awake", "min"),
                 "sleep_need": ("sleep_need", "min"), "sleep_debt": ("sleep_debt", "min"),
                 "sleep_performance": ("sleep_performance", "%"), "sleep_efficiency": ("sleep_efficiency", "%"),
                 "sleep_consistency": ("sleep_consistency", "%"), "respiratory_rate": ("respiratory_rate", "rpm")}
KINDS = ("cycles", "sleeps", "workouts", "journal")


@dataclass
class ImportReport:
    counts: dict[str, Counts] = field(default_factory=lambda: {k: Counts() for k in KINDS})
    rows_skipped: int = 0
    warnings: list[str] = field(default_factory=list)
    files: list[dict[str, str]] = field(default_factory=list)
    days_touched: list[str] = field(default_factory=list)
    values_written: int = 0
    journal_entries_written: int = 0
    seconds: float = 0.0

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {k: {"new": c.new, "updated": c.updated} for k, c in self.counts.items()}
        out["rows_skipped"] = self.rows_skipped
        out["warnings"] = list(self.warnings)
        return out


def _fields(row: Row) -> str:
    return dumps({k: v for k, v in row.values.items() if k != "source"})


def _records(files: list[FileResult], stored_labels: dict[float, str]) -> tuple[dict[str, list], int]:
    by_kind: dict[str, list[Row]] = {k: [] for k in KINDS}
    for f in files:
        by_kind[f.kind] += f.rows
    labels = dict(stored_labels)
    skipped = 0
    out: dict[str, dict[Any, dict]] = {k: {} for k in KINDS}  # keyed: a later duplicate row wins
    for r in by_kind["cycles"]:
        v = r.values
        day = morning_label(v["cycle_start"], v.get("wake_onset"), r.tz)
        labels[v["cycle_start"]] = day
        out["cycles"][v["cycle_start"]] = {"start": v["cycle_start"], "end": v.get("cycle_end"),
                                          "tz_offset_s": r.tz, "day": day, "fields": _fields(r)}

    def cycle_day(r: Row) -> str:
        start = r.values["cycle_start"]
        return labels.get(start) or morning_label(start, None, r.tz)

    for r in by_kind["sleeps"]:
        v = r.values
        if v.get("wake_onset") is None:
            skipped += 1  # a sleep still in progress has no end to show yet
            continue
        nap = bool(v.get("nap"))
        day = cycle_day(r) if nap else local_day(v["wake_onset"], r.tz).isoformat()
        out["sleeps"][v["sleep_onset"]] = {"start": v["sleep_onset"], "end": v["wake_onset"], "tz_offset_s": r.tz,
                                          "cycle_start": v["cycle_start"], "nap": nap, "day": day,
                                          "fields": _fields(r)}
    for r in by_kind["workouts"]:
        v = r.values
        if v.get("workout_end") is None:
            skipped += 1
            continue
        out["workouts"][v["workout_start"]] = {
            "start": v["workout_start"], "end": v["workout_end"], "tz_offset_s": r.tz,
            "cycle_start": v["cycle_start"], "day": cycle_day(r), "activity": v.get("activity") or "Activity",
            "strain": v.get("activity_strain"), "fields": _fields(r)}
    for r in by_kind["journal"]:
        v = r.values
        out["journal"][(v["cycle_start"], v["question"])] = {
            "cycle_start": v["cycle_start"], "question": v["question"], "tz_offset_s": r.tz, "day": cycle_day(r),
            "fields": _fields(r)}
    return {k: list(d.values()) for k, d in out.items()}, skipped


def _value(day: str, metric: str, unit: str, value: float | None, now: float) -> DailyValue:
    if value is None:
        return DailyValue(day, metric, "whoop_export", None, unit, 0.0, {"note": "whoop:unscored"}, now)
    return DailyValue(day, metric, "whoop_export", float(value), unit, 1.0, None, now)


def daily_values(cycles: list[dict], main_sleeps: list[dict], now: float) -> list[DailyValue]:
    """The whoop_export daily values of the given (changed) cycles; main sleeps fill sleep metrics of days
    the export has no cycle row for."""
    out: list[DailyValue] = []
    cycle_days = set()
    for c in cycles:
        fields = json.loads(c["fields"])
        cycle_days.add(c["day"])
        for col, (metric, unit) in {**CYCLE_METRICS, **SLEEP_METRICS}.items():
            out.append(_value(c["day"], metric, unit, fields.get(col), now))
    for s in main_sleeps:
        if s["nap"] or s["day"] in cycle_days:
            continue
        fields = json.loads(s["fields"])
        for col, (metric, unit) in SLEEP_METRICS.items():
            out.append(_value(s["day"], metric, unit, fields.get(col), now))
    return out


def _write_journal(conn: Any, rows: list[dict]) -> int:
    """The answers as journal entries (the insights issue's store; /work/briefs/journal_api.md), keyed by the
    morning dates this import already knows."""
    from datetime import date

    from healthdesk.services.journal import import_whoop_journal_rows

    english, mornings = [], {}
    for r in rows:
        start_text = unix_to_local(r["cycle_start"], r["tz_offset_s"])
        mornings[start_text] = date.fromisoformat(r["day"])
        fields = json.loads(r["fields"])
        answer = fields.get("answered_yes")
        english.append({"Cycle start time": start_text, "Question text": r["question"],
                        "Answered yes": "" if answer is None else str(answer).lower(),
                        "Notes": fields.get("notes") or ""})
    return import_whoop_journal_rows(conn, english, morning_dates=mornings)


def import_export(
    db: Database,
    path: str | Path,
    *,
    progress: Progress | None = None,
    journal_sink: Callable[[Any, list[dict]], int] | None = _write_journal,
) -> ImportReport:
    """Read `path` (a .zip or a folder) and store what it holds. Raises parse.ExportError when nothing there
    can be read as an export."""
    started = time.perf_counter()
    report_progress = progress or (lambda _f, _t: None)
    report_progress(0.0, "reading the export")
    files, warnings = read_export(path)
    report = ImportReport(warnings=warnings)
    for f in files:
        report.rows_skipped += f.skipped
        report.warnings += f.warnings
        report.files.append({"name": f.name, "kind": f.kind, "language": f.language})
    report_progress(0.4, "storing cycles, sleeps, workouts and journal")
    now = time.time()
    with db.write() as conn:
        records, skipped = _records(files, cycle_labels(conn))
        report.rows_skipped += skipped
        touched: dict[str, list[dict]] = {}
        for i, kind in enumerate(KINDS):
            report.counts[kind], touched[kind] = upsert(conn, kind, records[kind])
            report_progress(0.4 + 0.1 * (i + 1), f"stored {kind}")
        values = daily_values(touched["cycles"], touched["sleeps"], now)
        report.values_written = put_export_values(conn, values)
        if journal_sink is not None and touched["journal"]:
            report.journal_entries_written = journal_sink(conn, touched["journal"])
    report.days_touched = sorted({v.day for v in values})
    report.seconds = time.perf_counter() - started
    report_progress(1.0, "done")
    return report


def import_export_file(db_path: Path, path: str | Path, progress: Progress | None = None) -> ImportReport:
    """The app's entry point: open the database file, import, close (the UI never holds a store handle)."""
    from healthdesk.store.database import open_database

    with open_database(db_path) as db:
        return import_export(db, path, progress=progress)
