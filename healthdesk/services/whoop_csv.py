"""`export whoop-csv`: healthdesk's data as the four files of WHOOP's export, English format, plus `Source`.

So band-derived history can go to any tool that reads WHOOP exports (docs/whoop-export.md). Per day: an
imported WHOOP export row is written back as it came (source whoop_export); a day without one is built from
daily values, WHOOP cloud first and band where WHOOP has nothing, with the band's main sleep as the cycle's
start and wake; the `Source` cell names every source the row used. A band workout that overlaps a WHOOP one
is the same workout (services.workout_merge) and is written once.
"""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from healthdesk.core.timeutil import day_noon, system_tz_offset
from healthdesk.services.whoop_export.headers import FILE_COLUMNS, FILE_NAMES, english
from healthdesk.services.whoop_export.importer import CYCLE_METRICS, SLEEP_METRICS
from healthdesk.services.whoop_export.parse import TIME_KEYS, format_tz, unix_to_local
from healthdesk.services.workout_merge import WorkoutRecord, merge_workouts
from healthdesk.store.database import Database
from healthdesk.store.derived import daily_values_between, sleeps_between, workouts_between
from healthdesk.store.journal import entries_between, list_tags
from healthdesk.store.whoop_export import rows_between

ORDER = ("whoop_export", "whoop_cloud", "band")
STAGE_COLUMNS = {"0": "deep_min", "1": "light_min", "2": "rem_min"}  # band stage codes (services/derive.py)


class WhoopCsvError(Exception):
    pass


@dataclass
class CsvResult:
    out_dir: Path
    rows: dict[str, int] = field(default_factory=dict)
    sources: dict[str, int] = field(default_factory=dict)


def _cell(key: str, value: Any, tz: int) -> str:
    if value is None:
        return ""
    if key in TIME_KEYS:
        return unix_to_local(float(value), tz)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    return str(value)


def _row(kind: str, values: dict[str, Any], tz: int, source: str) -> list[str]:
    keys = FILE_COLUMNS[kind]
    head = [_cell(k, values.get(k), tz) for k in keys]
    head[keys.index("cycle_tz")] = format_tz(tz)
    return head + [source]


def _band_cycles(conn, day0: date, day1: date, tz_of) -> dict[str, dict[str, Any]]:
    """Cycle timing from the band's main sleeps: start = onset, wake, end = the next main sleep's onset."""
    t0, t1 = day_noon(day0, 0) - 3 * 86400, day_noon(day1, 0) + 3 * 86400
    mains = [s for s in sleeps_between(conn, t0, t1) if s.main and s.source == "band"]
    out = {}
    for i, s in enumerate(mains):
        nxt = mains[i + 1].start if i + 1 < len(mains) else None
        out[s.day] = {"cycle_start": s.start, "cycle_end": nxt, "tz": tz_of(s.start), "sleep": s}
    return out


def _sleep_fields(s) -> dict[str, Any]:
    stages = (s.detail or {}).get("stages") or ""
    fields: dict[str, Any] = {"sleep_onset": s.start, "wake_onset": s.end, "asleep_min": s.asleep_min,
                              "in_bed_min": s.tib_min, "sleep_efficiency": s.efficiency, "awake_min": s.waso_min}
    if stages:
        for code, key in STAGE_COLUMNS.items():
            fields[key] = float(stages.count(code))
    return fields


def export_whoop_csv(db: Database, day0: date, day1: date, out_dir: Path,
                     tz_offset_s: int | None = None) -> CsvResult:
    if day1 < day0:
        raise WhoopCsvError("--to is before --from")
    tz_of = (lambda t: tz_offset_s) if tz_offset_s is not None else system_tz_offset
    out_dir = Path(out_dir).expanduser()
    out_dir.mkdir(parents=True, exist_ok=True)
    d0, d1 = day0.isoformat(), day1.isoformat()
    lines: dict[str, list[tuple[float, list[str]]]] = {k: [] for k in FILE_COLUMNS}
    result = CsvResult(out_dir)

    def count(source: str) -> None:
        for s in source.split("+"):
            result.sources[s] = result.sources.get(s, 0) + 1

    with db.read() as conn:
        exported = {k: rows_between(conn, k, d0, d1) for k in FILE_COLUMNS}
        values = daily_values_between(conn, d0, d1)
        band = _band_cycles(conn, day0, day1, tz_of)
        t0, t1 = day_noon(day0, 0) - 2 * 86400, day_noon(day1, 0) + 2 * 86400
        band_sleeps = [s for s in sleeps_between(conn, t0, t1) if s.source == "band" and d0 <= s.day <= d1]
        band_workouts = [w for w in workouts_between(conn, t0, t1) if d0 <= w.day <= d1]
        answers = [e for e in entries_between(conn, day0, day1) if e.source != "whoop_export"]
        labels = {t.name: t.label for t in list_tags(conn)}
    by_day: dict[str, dict[str, dict[str, float | None]]] = {}
    for v in values:
        by_day.setdefault(v.day, {}).setdefault(v.metric, {})[v.source] = v.value
    export_days = {c["day"] for c in exported["cycles"]}
    for c in exported["cycles"]:
        lines["cycles"].append((c["start"], _row("cycles", c["fields"], c["tz_offset_s"], "whoop_export")))
        count("whoop_export")
    cycle_start_of = {c["day"]: (c["start"], c["tz_offset_s"]) for c in exported["cycles"]}
    for day, cyc in sorted(band.items()):
        if not d0 <= day <= d1 or day in export_days:
            continue
        fields: dict[str, Any] = {"cycle_start": cyc["cycle_start"], "cycle_end": cyc["cycle_end"],
                                  **_sleep_fields(cyc["sleep"])}
        used = {"band"}
        for col, (metric, _unit) in {**CYCLE_METRICS, **SLEEP_METRICS}.items():
            options = by_day.get(day, {}).get(metric, {})
            for src in ORDER[1:]:
                if options.get(src) is not None:
                    fields[col] = options[src]
                    used.add(src)
                    break
        source = "+".join(s for s in ORDER if s in used)
        lines["cycles"].append((cyc["cycle_start"], _row("cycles", fields, cyc["tz"], source)))
        cycle_start_of[day] = (cyc["cycle_start"], cyc["tz"])
        count(source)
    export_sleep_days = {s["day"] for s in exported["sleeps"]}
    for s in exported["sleeps"]:
        lines["sleeps"].append((s["start"], _row("sleeps", s["fields"], s["tz_offset_s"], "whoop_export")))
    for s in band_sleeps:
        if s.day in export_sleep_days or s.day not in cycle_start_of:
            continue
        start, tz = cycle_start_of[s.day]
        fields = {"cycle_start": start, "cycle_end": band.get(s.day, {}).get("cycle_end"), **_sleep_fields(s),
                  "nap": not s.main}
        if s.main:
            for col, (metric, _unit) in SLEEP_METRICS.items():
                band_value = by_day.get(s.day, {}).get(metric, {}).get("band")
                if band_value is not None:
                    fields[col] = band_value
        lines["sleeps"].append((s.start, _row("sleeps", fields, tz, "band")))
    records = [WorkoutRecord("whoop_export", w["start"], w["end"], w["strain"], activity=w["activity"],
                             extra={"row": w}) for w in exported["workouts"]]
    records += [WorkoutRecord(w.source, w.start, w.end, w.strain, w.avg_hr, w.max_hr, w.zone_minutes,
                              activity=w.kind or None, extra={"band": w}) for w in band_workouts]
    for merged in merge_workouts(records):
        sources = "+".join(dict.fromkeys(merged.sources))
        row = next((r.extra["row"] for r in [merged.primary, *merged.others] if "row" in r.extra), None)
        if row is not None:
            lines["workouts"].append((row["start"], _row("workouts", row["fields"], row["tz_offset_s"], sources)))
            continue
        w = merged.primary.extra["band"]
        if w.day not in cycle_start_of:
            continue
        start, tz = cycle_start_of[w.day]
        minutes = (w.end - w.start) / 60.0
        zones = list(w.zone_minutes or [])
        fields = {"cycle_start": start, "cycle_end": band.get(w.day, {}).get("cycle_end"), "workout_start": w.start,
                  "workout_end": w.end, "duration_min": minutes, "activity": w.kind or "Activity",
                  "activity_strain": w.strain, "max_hr": w.max_hr, "avg_hr": w.avg_hr}
        if len(zones) == 6 and minutes > 0:
            for z in range(1, 6):
                fields[f"zone{z}"] = 100.0 * zones[z] / minutes
        lines["workouts"].append((w.start, _row("workouts", fields, tz, sources)))
    for j in exported["journal"]:
        lines["journal"].append((j["cycle_start"], _row("journal", j["fields"], j["tz_offset_s"], "whoop_export")))
    exported_answers = {(j["day"], j["question"]) for j in exported["journal"]}
    for e in answers:  # the app's own journal answers, on days whose cycle start is known
        day = e.day.isoformat()
        question = labels.get(e.tag, e.tag)
        if day not in cycle_start_of or (day, question) in exported_answers:
            continue
        start, tz = cycle_start_of[day]
        fields = {"cycle_start": start, "cycle_end": band.get(day, {}).get("cycle_end"), "question": question,
                  "answered_yes": e.answered_yes, "notes": e.note}
        lines["journal"].append((start, _row("journal", fields, tz, e.source)))
    for kind, rows in lines.items():
        path = out_dir / FILE_NAMES[kind]
        tmp = path.with_name(path.name + ".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            writer = csv.writer(f, lineterminator="\n")
            writer.writerow([english(k) for k in FILE_COLUMNS[kind]] + [english("source")])
            writer.writerows(r for _t, r in sorted(rows, key=lambda x: x[0]))
        os.replace(tmp, path)
        result.rows[kind] = len(rows)
    return result


