"""Band side of the report loader: derived daily values, wear time and devices from the store.

Reads tables by name through SQL on the store's read connection (clinical may only read the store), and
tolerates a database where a table does not exist yet: that part of the report is then honestly empty.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Connection, inspect, text

from healthdesk.clinical.catalogue import METRICS
from healthdesk.clinical.report_data import BAND, DailySeries, DailyValue, DeviceInfo, Period

MODEL_NAMES = {"whoop4": "WHOOP 4.0"}
# Stored unit -> factor to the catalogue unit (sleep is reported in hours).
TO_HOURS = {"min": 1 / 60, "minutes": 1 / 60, "s": 1 / 3600, "h": 1.0, "hours": 1.0}


@dataclass
class BandData:
    series: list[DailySeries] = field(default_factory=list)
    devices: list[DeviceInfo] = field(default_factory=list)
    wear_minutes_by_day: dict[date, float] = field(default_factory=dict)


def load_band(conn: Connection, period: Period, lead_in_days: int, share_serial: bool) -> BandData:
    tables = set(inspect(conn).get_table_names())
    out = BandData()
    if "devices" in tables:
        for name, model in conn.execute(text("SELECT name, model FROM devices ORDER BY id")):
            # The stored name is the advertised name or serial: shared only when the user allowed it.
            out.devices.append(DeviceInfo(BAND, MODEL_NAMES.get(model, model or "WHOOP band"),
                                          serial=name if share_serial else None))
    if "minute_rollups" in tables:
        out.wear_minutes_by_day = _wear_by_day(conn, period)
    if "daily_values" in tables:
        out.series = _daily_series(conn, period, lead_in_days)
    return out


def _wear_by_day(conn: Connection, period: Period) -> dict[date, float]:
    """Worn minutes per local day; summed per UTC hour in SQL so a year is ~9k rows, not 525k."""
    t0 = int(period.day_start(period.start).timestamp())
    t1 = int(period.day_end(period.end).timestamp())
    rows = conn.execute(text(
        "SELECT minute / 3600 AS hour, SUM(worn_fraction) FROM minute_rollups "
        "WHERE minute >= :t0 AND minute < :t1 GROUP BY hour ORDER BY hour"), {"t0": t0, "t1": t1})
    by_day: dict[date, float] = defaultdict(float)
    for hour, worn in rows:
        if worn:
            day = datetime.fromtimestamp(int(hour) * 3600, UTC).astimezone(period.tz).date()
            by_day[day] += float(worn)
    return dict(by_day)


def _daily_series(conn: Connection, period: Period, lead_in_days: int) -> list[DailySeries]:
    first = period.start - timedelta(days=lead_in_days)
    rows = conn.execute(text(
        "SELECT day, metric, value, unit, confidence FROM daily_values WHERE source = :src "
        "AND day >= :a AND day <= :b AND value IS NOT NULL ORDER BY metric, day"),
        {"src": BAND, "a": first.isoformat(), "b": period.end.isoformat()})
    values: dict[str, list[DailyValue]] = defaultdict(list)
    for day, metric, value, unit, confidence in rows:
        if metric not in METRICS or (confidence is not None and confidence <= 0):
            continue  # metrics the report doesn't show; a zero-confidence value is no value
        v = float(value)
        if metric == "sleep_duration":
            factor = TO_HOURS.get((unit or "min").strip().lower())
            if factor is None:
                continue
            v *= factor
        values[metric].append(DailyValue(date.fromisoformat(str(day)[:10]), v,
                                         1.0 if confidence is None else float(confidence)))
    out = []
    for metric in sorted(values):
        vals = values[metric]
        out.append(DailySeries(metric, BAND, tuple(v for v in vals if v.day >= period.start),
                               tuple(v for v in vals if v.day < period.start)))
    return out
