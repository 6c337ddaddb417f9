"""What the read models (summary --json, dashboard) show of the whoop_export source and of corrections.

`export_sleeps(conn, day0, day1)`: imported sleeps per morning date, source "whoop_export".
`workout_entries(...)`: band, WHOOP-cloud and WHOOP-export workouts of one day merged into one entry per real
workout (services.workout_merge): the richest record's fields, `source` = its source, `sources` = all of them;
`edited` marks a workout the user corrected (relabelled, added by hand).
`whoop_agreement(values)`: the one WHOOP value of a metric when the cloud and the export agree, both when not.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from healthdesk.core.timeutil import iso_utc
from healthdesk.services.workout_merge import WorkoutRecord, merge_workouts
from healthdesk.store.whoop_export import rows_between

AGREE_REL = 0.01  # two WHOOP routes "agree" when within 1 % (rounding in the export's CSV)
WHOOP_SOURCES = ("whoop_cloud", "whoop_export")


def export_sleeps(conn, day0: date, day1: date) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for s in rows_between(conn, "sleeps", day0.isoformat(), day1.isoformat()):
        out.setdefault(s["day"], []).append({"start": iso_utc(s["start"]), "end": iso_utc(s["end"]),
                                             "asleep_min": s["fields"].get("asleep_min"), "main": not s["nap"],
                                             "source": "whoop_export"})
    return out


def export_workouts(conn, day0: date, day1: date) -> list[WorkoutRecord]:
    records = []
    for w in rows_between(conn, "workouts", day0.isoformat(), day1.isoformat()):
        f = w["fields"]
        zones = [f.get(f"zone{z}") for z in range(1, 6)]
        records.append(WorkoutRecord("whoop_export", w["start"], w["end"], w["strain"], f.get("avg_hr"),
                                     f.get("max_hr"), zones if any(z is not None for z in zones) else None,
                                     f.get("calories"), w["activity"], extra={"day": w["day"]}))
    return records


def band_records(workouts: Iterable[Any], edited_starts: Sequence[tuple[float, float]] = ()) -> list[WorkoutRecord]:
    from healthdesk.services.corrections import overlaps

    return [WorkoutRecord(w.source, w.start, w.end, w.strain, w.avg_hr, w.max_hr, w.zone_minutes, None,
                          w.kind or None,
                          edited=w.user_edited or any(overlaps(a, b, w.start, w.end) for a, b in edited_starts),
                          extra={"day": w.day}) for w in workouts]


def cloud_records(workouts: Iterable[Any]) -> list[WorkoutRecord]:
    return [WorkoutRecord("whoop_cloud", w.start, w.end, w.strain, w.average_hr, w.max_hr, None,
                          w.kilojoule / 4.184 if w.kilojoule is not None else None, w.sport or None,
                          extra={"day": w.day.isoformat()}) for w in workouts]


def workout_entries(records: Sequence[WorkoutRecord]) -> dict[str, list[dict[str, Any]]]:
    """Merged workouts per day (the day of the primary record), in the summary's shape."""
    out: dict[str, list[dict[str, Any]]] = {}
    for m in merge_workouts(records):
        p = m.primary
        entry: dict[str, Any] = {"start": iso_utc(p.start), "end": iso_utc(p.end), "strain": p.strain,
                                 "source": p.source}
        if m.others:
            entry["sources"] = m.sources
        if p.edited or any(o.edited for o in m.others):
            entry["edited"] = True
        if p.activity:
            entry["activity"] = p.activity
        out.setdefault(p.extra["day"], []).append(entry)
    return out


def edited_workout_windows(conn, t0: float, t1: float) -> list[tuple[float, float]]:
    from healthdesk.store.corrections import corrections_between

    return [(c.ref_start, c.ref_end) for c in corrections_between(conn, t0, t1, "workout") if c.action != "reject"]


def whoop_agreement(entries: Sequence[dict[str, Any]]) -> dict[str, Any] | None:
    """Given one metric's per-source entries of a day: the WHOOP value to show and whether both routes agree.

    {"value", "sources": [...], "agree": True} when cloud and export match (or only one has it);
    {"values": {source: value}, "agree": False} when they differ; None when WHOOP has no value."""
    whoop = {e["source"]: e["value"] for e in entries if e["source"] in WHOOP_SOURCES and e["value"] is not None}
    if not whoop:
        return None
    values = list(whoop.values())
    if len(values) == 1 or all(abs(v - values[0]) <= AGREE_REL * max(abs(values[0]), 1.0) for v in values):
        first = whoop.get("whoop_cloud", values[0])
        return {"value": first, "sources": sorted(whoop), "agree": True}
    return {"values": dict(sorted(whoop.items())), "agree": False}


def detail_edited(detail: str | dict | None) -> bool:
    if isinstance(detail, str):
        detail = json.loads(detail)
    return bool((detail or {}).get("edited"))
