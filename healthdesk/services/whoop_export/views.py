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
    from healthdesk.store.corrections import edited_workout_windows as windows

    return windows(conn, t0, t1)


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


# --- the dashboard read model (services/dashboard.py calls these) ----------------------------------------------
MERGED_WHOOP = "whoop_cloud+whoop_export"


def _agree(a: float, b: float) -> bool:
    return abs(a - b) <= AGREE_REL * max(abs(a), 1.0)


def one_whoop_value(shown: Any, others: list[Any]) -> tuple[Any, list[Any]]:
    """Today's value and the other sources' values of one metric (dashboard MetricValue-like objects with
    `.source` and `.value`): where the WHOOP cloud and the WHOOP export hold the same number, one WHOOP value
    remains, its source MERGED_WHOOP ("both routes agree"); when they differ both stay listed."""
    from dataclasses import replace

    whoop = [v for v in [shown, *others] if v is not None and v.source in WHOOP_SOURCES and v.value is not None]
    if len(whoop) != 2 or not _agree(whoop[0].value, whoop[1].value):
        return shown, others
    cloud = next(v for v in whoop if v.source == "whoop_cloud")
    merged = replace(cloud, source=MERGED_WHOOP)
    rest = [v for v in others if v.source not in WHOOP_SOURCES]
    if shown is not None and shown.source in WHOOP_SOURCES:
        return merged, rest
    return shown, rest + [merged]


def merged_source_label(source: str, labels: dict[str, str]) -> str:
    """'whoop_export+band' -> 'WHOOP export + Band' (a merged workout names every source)."""
    if source == MERGED_WHOOP:
        return "WHOOP (cloud and export agree)"
    return " + ".join(labels.get(s, s) for s in source.split("+"))


def dashboard_workouts(conn, rows: list[Any]) -> list[Any]:
    """The dashboard's workout rows (band and cloud WorkoutRow) plus the export's, one row per real workout;
    a merged row's `source` joins its sources with '+', the richest first."""
    from datetime import UTC, datetime
    from datetime import date as date_type

    from healthdesk.services.dashboard_types import WorkoutRow

    records = [WorkoutRecord(r.source, r.start.timestamp(), r.end.timestamp(), r.strain, r.avg_hr, None, None,
                             None, r.kind or None, extra={"row": r}) for r in rows]
    records += export_workouts(conn, date_type(1970, 1, 1), date_type(9999, 12, 31))
    out = []
    for m in merge_workouts(records):
        p = m.primary
        source = "+".join(dict.fromkeys(m.sources))
        if "row" in p.extra:
            row = p.extra["row"]
            out.append(row if not m.others else replace_row(row, source=source))
        else:
            out.append(WorkoutRow(datetime.fromtimestamp(p.start, UTC), datetime.fromtimestamp(p.end, UTC), p.strain,
                                  source, p.activity or "", p.avg_hr, date_type.fromisoformat(p.extra["day"])))
    return out


def replace_row(row: Any, **changes: Any) -> Any:
    from dataclasses import replace

    return replace(row, **changes)


def dashboard_sleeps(conn) -> list[Any]:
    """The export's sleeps as the dashboard's SleepPeriod (night picker, sleep lists): years of nights on day
    one; the band's and the cloud's copy of a night still lead (store.derived.source_priority)."""
    from datetime import UTC, datetime
    from datetime import date as date_type

    from healthdesk.services.dashboard_types import SleepPeriod

    return [SleepPeriod(datetime.fromtimestamp(s["start"], UTC), datetime.fromtimestamp(s["end"], UTC),
                        s["fields"].get("asleep_min"), not s["nap"], "whoop_export",
                        None if s["nap"] else s["fields"].get("sleep_performance"), date_type.fromisoformat(s["day"]))
            for s in rows_between(conn, "sleeps", "0000-01-01", "9999-12-31")]
