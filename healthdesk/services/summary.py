"""Per-day summary of derived values, sleeps and workouts from every source (the `summary --json` shape).

{"days": [{"date": "YYYY-MM-DD", "metrics": {NAME: [{"value", "unit", "confidence", "source"}, ...]},
           "sleeps": [{"start", "end", "asleep_min", "main", "source"}],
           "workouts": [{"start", "end", "strain", "source"}]}]}
A date is the cycle's local start date. Each metric lists one entry per source that has it, the source the
dashboard shows first (store.derived.source_priority). WHOOP cloud sleeps and workouts are read from the
cloud helper's whoop_* tables when they exist, labelled with the same cycle rule (core.timeutil).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import inspect, text

from healthdesk.core.timeutil import cycle_label, day_noon, iso_utc
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


def _offset_s(text_offset: str | None) -> int:
    if not text_offset:
        return 0
    sign = -1 if text_offset.startswith("-") else 1
    hours, _, minutes = text_offset.lstrip("+-").partition(":")
    return sign * (int(hours) * 3600 + int(minutes or 0) * 60)


def _unix(iso: str) -> float:
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


def _cloud_rows(conn, day0: date, day1: date) -> tuple[dict[str, list], dict[str, list]]:
    """WHOOP cloud sleeps and workouts per cycle date (empty when the cloud tables do not exist)."""
    tables = set(inspect(conn).get_table_names())
    sleeps: dict[str, list] = {}
    workouts: dict[str, list] = {}
    if not {"whoop_sleep", "whoop_cycle"} <= tables:
        return sleeps, workouts
    # WHOOP times are stored as 'YYYY-MM-DDTHH:MM:SS.mmmZ', so text order is time order
    lo = datetime.fromtimestamp(day_noon(day0, 0) - 2 * 86400, UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    hi = datetime.fromtimestamp(day_noon(day1, 0) + 3 * 86400, UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    cycles = conn.execute(
        text("SELECT id, start, timezone_offset FROM whoop_cycle WHERE deleted_at IS NULL ORDER BY start")
    ).all()
    label = {cid: cycle_label(_unix(start), _offset_s(tz)) for cid, start, tz in cycles}
    starts = [(_unix(start), label[cid]) for cid, start, _ in cycles]

    def containing(t: float, tz: int) -> date:
        before = [d for s, d in starts if s <= t]
        return before[-1] if before else cycle_label(t, tz) - timedelta(days=1)

    for start, end, nap, cycle_id, tz, in_bed, awake in conn.execute(
        text(
            'SELECT start, "end", nap, cycle_id, timezone_offset, in_bed_ms, awake_ms FROM whoop_sleep '
            "WHERE deleted_at IS NULL AND start >= :lo AND start < :hi"
        ),
        {"lo": lo, "hi": hi},
    ):
        d = label.get(cycle_id) or containing(_unix(start), _offset_s(tz))
        asleep = (in_bed - (awake or 0)) / 60000 if in_bed is not None else None
        sleeps.setdefault(d.isoformat(), []).append(
            {
                "start": iso_utc(_unix(start)),
                "end": iso_utc(_unix(end)),
                "asleep_min": asleep,
                "main": not nap,
                "source": "whoop_cloud",
            }
        )
    if "whoop_workout" in tables:
        for start, end, strain, tz in conn.execute(
            text(
                'SELECT start, "end", strain, timezone_offset FROM whoop_workout WHERE deleted_at IS NULL '
                "AND start >= :lo AND start < :hi"
            ),
            {"lo": lo, "hi": hi},
        ):
            d = containing(_unix(start), _offset_s(tz))
            workouts.setdefault(d.isoformat(), []).append(
                {
                    "start": iso_utc(_unix(start)),
                    "end": iso_utc(_unix(end)),
                    "strain": strain,
                    "source": "whoop_cloud",
                }
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
        cloud_sleeps, cloud_workouts = _cloud_rows(conn, day0, day1)
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
            }
            for s in band_sleeps
            if s.day == key
        ] + cloud_sleeps.get(key, [])
        workouts = [
            {"start": iso_utc(w.start), "end": iso_utc(w.end), "strain": w.strain, "source": w.source}
            for w in band_workouts
            if w.day == key
        ] + cloud_workouts.get(key, [])
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
