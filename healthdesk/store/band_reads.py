"""Read side of the band data: samples, minute rollups, events and devices between two times.

Times are UTC: unix seconds (float) or timezone-aware datetimes; ranges are half-open [t0, t1). A device is
named by its `devices.name`; None means every device.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from sqlalchemy import Connection, select

from healthdesk.core.models import ROLLUP_DTYPE, SAMPLE_DTYPE, sample_time
from healthdesk.store.band_tables import BandEvent, Device, MinuteRollup, SampleChunk
from healthdesk.store.codec import unpack_samples
from healthdesk.store.database import Database

# Decoded chunks already in memory, keyed (device_id, version, chunk): the writer passes what it just merged.
ChunkCache = dict[tuple[int, int, int], np.ndarray]
TimeLike = float | int | datetime


@dataclass(frozen=True)
class DeviceInfo:
    id: int
    name: str
    model: str
    first_seen: int | None  # unix s of the oldest stored record/event
    last_seen: int | None
    last_contact_at: float | None  # unix s of the last batch that brought something new


@dataclass(frozen=True)
class StoredEvent:
    device: str
    unix: int
    subsec: int
    event_id: int
    seq: int
    body: bytes
    battery_pct: float | None
    battery_mv: int | None
    charging: bool | None


class UnknownDevice(LookupError):
    pass


def as_unix(t: TimeLike) -> float:
    if isinstance(t, datetime):
        if t.tzinfo is None:
            raise ValueError("naive datetime: give a timezone (UTC)")
        return t.timestamp()
    return float(t)


def _device_ids(conn: Connection, device: str | None) -> list[int] | None:
    if device is None:
        return None
    found = conn.scalar(select(Device.id).where(Device.name == device))
    if found is None:
        raise UnknownDevice(f"no device named {device!r}")
    return [int(found)]


def load_samples(
    conn: Connection, device_ids: list[int] | None, t0: float, t1: float, cache: ChunkCache | None = None
) -> np.ndarray:
    """Samples with t0 <= time < t1 (SAMPLE_DTYPE), sorted by time then version."""
    query = select(SampleChunk.device_id, SampleChunk.version, SampleChunk.chunk, SampleChunk.blob).where(
        SampleChunk.unix_max >= math.floor(t0), SampleChunk.unix_min < math.ceil(t1)
    )
    if device_ids is not None:
        query = query.where(SampleChunk.device_id.in_(device_ids))
    parts = []
    for device_id, version, chunk, blob in conn.execute(query):
        cached = cache.get((device_id, version, chunk)) if cache else None
        parts.append(cached if cached is not None else unpack_samples(blob, version))
    if not parts:
        return np.empty(0, SAMPLE_DTYPE)
    samples = np.concatenate(parts)
    times = sample_time(samples)
    inside = (times >= t0) & (times < t1)
    samples, times = samples[inside], times[inside]
    if bool(np.all(times[1:] > times[:-1])):  # chunks came in time order (the usual case): no sort needed
        return samples
    return samples[np.lexsort((samples["version"], times))]


def records_between(db: Database, device: str | None, t0: TimeLike, t1: TimeLike) -> np.ndarray:
    with db.read() as conn:
        return load_samples(conn, _device_ids(conn, device), as_unix(t0), as_unix(t1))


def minute_rollups_between(db: Database, device: str | None, t0: TimeLike, t1: TimeLike) -> np.ndarray:
    """Stored rollups (ROLLUP_DTYPE) of the minutes starting in [t0, t1), sorted by minute.

    With device=None and several devices, a minute can appear once per device.
    """
    with db.read() as conn:
        query = select(
            MinuteRollup.minute, MinuteRollup.records, MinuteRollup.hr_count, MinuteRollup.hr_mean,
            MinuteRollup.hr_min, MinuteRollup.hr_max, MinuteRollup.rr_count, MinuteRollup.motion,
            MinuteRollup.active_count, MinuteRollup.worn_fraction,
        ).where(MinuteRollup.minute >= math.ceil(as_unix(t0)), MinuteRollup.minute < as_unix(t1))
        ids = _device_ids(conn, device)
        if ids is not None:
            query = query.where(MinuteRollup.device_id.in_(ids))
        rows = conn.execute(query.order_by(MinuteRollup.minute, MinuteRollup.device_id)).all()
    nan = float("nan")
    return np.array(
        [
            (m, n, hc, nan if mean is None else mean, lo or 0, hi or 0, rr, nan if mo is None else mo, act, worn)
            for m, n, hc, mean, lo, hi, rr, mo, act, worn in rows
        ],
        dtype=ROLLUP_DTYPE,
    )


def events_between(db: Database, device: str | None, t0: TimeLike, t1: TimeLike) -> list[StoredEvent]:
    lo, hi = as_unix(t0), as_unix(t1)
    with db.read() as conn:
        query = (
            select(
                Device.name, BandEvent.unix, BandEvent.subsec, BandEvent.event_id, BandEvent.seq, BandEvent.body,
                BandEvent.battery_pct, BandEvent.battery_mv, BandEvent.charging,
            )
            .join(Device, Device.id == BandEvent.device_id)
            .where(BandEvent.unix >= math.floor(lo), BandEvent.unix < math.ceil(hi))
            .order_by(BandEvent.unix, BandEvent.subsec, BandEvent.seq)
        )
        ids = _device_ids(conn, device)
        if ids is not None:
            query = query.where(BandEvent.device_id.in_(ids))
        events = [StoredEvent(*row) for row in conn.execute(query)]
    return [e for e in events if lo <= e.unix + e.subsec / 32768 < hi]


def list_devices(db: Database) -> list[DeviceInfo]:
    with db.read() as conn:
        rows = conn.execute(
            select(Device.id, Device.name, Device.model, Device.first_seen, Device.last_seen, Device.last_contact_at)
            .order_by(Device.id)
        )
        return [DeviceInfo(*row) for row in rows]


def days_with_records(db: Database) -> set[int]:
    """UTC day numbers (unix // 86400) holding at least one stored minute: where records exist, unread."""
    with db.read() as conn:
        return {int(d) for (d,) in conn.execute(select(MinuteRollup.minute // 86400).distinct())}


@dataclass(frozen=True)
class HeartTrace:
    """Every stored second of heart rate between two times, with its R-R slots (the day explorer)."""

    t: np.ndarray  # float64 unix s of each 1 Hz record
    bpm: np.ndarray  # float32, NaN where the record has no reading (hr == 0)
    rr: np.ndarray  # uint16 (n, 4) R-R slots in ms, the first rr_count of each row valid
    rr_count: np.ndarray  # uint8

    def rr_between(self, lo: float, hi: float) -> tuple[np.ndarray, np.ndarray]:
        """(time, ms) of each R-R interval of the records in [lo, hi). Each slot is placed one interval after the
        previous one, starting at its record's time: exact to within the record's second, enough to plot. Done
        on demand: a whole day has ~90 000 records and nobody looks at all their beats at once."""
        i0, i1 = np.searchsorted(self.t, [lo, hi])
        rr = self.rr[i0:i1].astype(np.float64)
        valid = (np.arange(4)[None, :] < self.rr_count[i0:i1, None]) & (rr > 0)
        offsets = np.cumsum(np.where(valid, rr, 0.0), axis=1) / 1000.0
        return (self.t[i0:i1, None] + offsets)[valid], rr[valid]


def heart_between(conn: Connection, device: str | None, t0: TimeLike, t1: TimeLike) -> HeartTrace:
    """1 Hz heart rate and R-R slots of the records in [t0, t1), over an open connection (`db.read()`)."""
    samples = load_samples(conn, _device_ids(conn, device), as_unix(t0), as_unix(t1))
    bpm = samples["hr"].astype(np.float32)
    bpm[samples["hr"] == 0] = np.nan
    return HeartTrace(sample_time(samples), bpm, samples["rr"], samples["rr_count"])
