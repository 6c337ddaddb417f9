"""Small typed reads the services and the clinician export need beyond daily values (no SQL outside store/).

Each works on a database where its table does not exist yet (an empty answer, never an error).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, inspect, select
from sqlalchemy.engine import Connection

from healthdesk.core.timeutil import iso_unix
from healthdesk.store.band_tables import Device, MinuteRollup


@dataclass(frozen=True)
class DeviceName:
    name: str
    model: str | None


@dataclass(frozen=True)
class HourRollup:
    """One UTC hour of minute rollups: worn minutes and the HR sum/count behind a weighted mean."""

    hour_start: float  # unix s
    worn_min: float
    hr_weighted_sum: float
    hr_count: float


def has_tables(conn: Connection, names: Sequence[str]) -> bool:
    return set(names) <= set(inspect(conn).get_table_names())


def device_names(conn: Connection) -> list[DeviceName]:
    if not has_tables(conn, ("devices",)):
        return []
    return [DeviceName(n, m) for n, m in conn.execute(select(Device.name, Device.model).order_by(Device.id))]


def last_band_contact(conn: Connection) -> float | None:
    if not has_tables(conn, ("devices",)):
        return None
    t = conn.execute(select(func.max(Device.last_contact_at))).scalar()
    return float(t) if t else None


def last_cloud_sync(conn: Connection) -> float | None:
    from healthdesk.store.cloud import WhoopConnection

    if not has_tables(conn, ("whoop_connection",)):
        return None
    text = conn.execute(select(WhoopConnection.last_sync_at)).scalar()
    return iso_unix(text) if text else None


def hourly_rollups(conn: Connection, t0: float, t1: float) -> list[HourRollup]:
    """Worn minutes and HR sums per UTC hour in [t0, t1), summed in SQL (~9k rows a year)."""
    if not has_tables(conn, ("minute_rollups",)):
        return []
    hour = (MinuteRollup.minute // 3600).label("hour")
    rows = conn.execute(
        select(hour, func.sum(MinuteRollup.worn_fraction), func.sum(MinuteRollup.hr_mean * MinuteRollup.hr_count),
               func.sum(MinuteRollup.hr_count))
        .where(MinuteRollup.minute >= int(t0), MinuteRollup.minute < int(t1)).group_by(hour).order_by(hour))
    return [HourRollup(int(h) * 3600.0, float(w or 0), float(s or 0), float(n or 0)) for h, w, s, n in rows]
