"""Per-day summary of derived values, sleeps and workouts from every source (the `summary --json` shape).

{"days": [{"date": "YYYY-MM-DD", "metrics": {NAME: [{"value", "unit", "confidence", "source"}, ...]},
           "sleeps": [{"start", "end", "asleep_min", "main", "source"}],
           "workouts": [{"start", "end", "strain", "source"}]}]}
A date is the cycle's morning date (core.timeutil, docs/metrics.md §1). Each metric lists one entry per source that has it, the source the
dashboard shows first (store.derived.source_priority). WHOOP cloud sleeps and workouts come from the store's
one cloud read model (store.cloud_reads: one asleep rule, the same day label).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from healthdesk.core.timeutil import day_noon, iso_utc
from healthdesk.services.whoop_export import views as export_views
from healthdesk.store.cloud_reads import CloudRecords, read_cloud
from healthdesk.store.database import Database
from healthdesk.store.derived import daily_values_between, sleeps_between, source_priority, workouts_between

REQUIRED_METRICS = (
    "resting_hr",
    "hrv_rmssd",
    "recovery",
    "day_strain",
    "sleep_duration",
    "sleep_performance",
    "sleep_need",
    "max_hr",
    "acwr",
)


def _cloud_rows(records: CloudRecords) -> tuple[dict[str, list], dict[str, list]]:
    """WHOOP cloud sleeps and workouts per day, from the store's one cloud read model."""
    sleeps: dict[str, list] = {}
    workouts: dict[str, list] = {}
    for s in records.sleeps:
        sleeps.setdefault(s.day.isoformat(), []).append(
            {"start": iso_utc(s.start), "end": iso_utc(s.end), "asleep_min": s.asleep_min, "main": s.main,
             "source": "whoop_cloud"}
        )
    for w in records.workouts:
        workouts.setdefault(w.day.isoformat(), []).append(
            {"start": iso_utc(w.start), "end": iso_utc(w.end), "strain": w.strain, "source": "whoop_cloud"}
        )
    return sleeps, workouts


def summary(db: Database, day0: date, day1: date) -> dict[str, Any]:
    """Every date in [day0, day1] with its metrics (REQUIRED_METRICS always present), sleeps and workouts."""
    with db.read() as conn:
        values = daily_values_between(conn, day0, day1)
        t0, t1 = day_noon(day0, 0) - 2 * 86400, day_noon(day1, 0) + 3 * 86400
        band_sleeps = [
            s for s in sleeps_between(conn, t0, t1) if day0.isoformat() <= s.day <= day1.isoformat()
        ]
        band_workouts = [
            w for w in workouts_between(conn, t0, t1) if day0.isoformat() <= w.day <= day1.isoformat()
        ]
        cloud = read_cloud(conn, day0, day1)
        cloud_sleeps, _ = _cloud_rows(cloud)
        # the WHOOP export source, and one entry per real workout whatever the sources (services/workout_merge)
        export_sleeps = export_views.export_sleeps(conn, day0, day1)
        merged_workouts = export_views.workout_entries(
            export_views.band_records(band_workouts, export_views.edited_workout_windows(conn, t0, t1))
            + export_views.cloud_records(cloud.workouts) + export_views.export_workouts(conn, day0, day1))
    days = []
    d = day0
    while d <= day1:
        key = d.isoformat()
        metrics: dict[str, list] = {name: [] for name in REQUIRED_METRICS}
        for v in values:
            if v.day == key:
                metrics.setdefault(v.metric, []).append(v)
        for name, entries in metrics.items():
            order = source_priority(name)
            entries.sort(key=lambda v: order.index(v.source) if v.source in order else len(order))
            metrics[name] = [
                {"value": v.value, "unit": v.unit, "confidence": v.confidence, "source": v.source}
                for v in entries
            ]
        sleeps = [
            {
                "start": iso_utc(s.start),
                "end": iso_utc(s.end),
                "asleep_min": s.asleep_min,
                "main": s.main,
                "source": s.source,
                **({"edited": True} if (s.detail or {}).get("edited") else {}),
            }
            for s in band_sleeps
            if s.day == key
        ] + cloud_sleeps.get(key, []) + export_sleeps.get(key, [])
        workouts = merged_workouts.get(key, [])
        days.append(
            {
                "date": key,
                "metrics": dict(sorted(metrics.items())),
                "sleeps": sorted(sleeps, key=lambda s: s["start"]),
                "workouts": sorted(workouts, key=lambda w: w["start"]),
            }
        )
        d += timedelta(days=1)
    return {"days": days}
