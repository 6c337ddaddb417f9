"""Store one batch of band frames: raw archive, 1 Hz records, events, metadata, rollups - all or nothing.

The BLE drain ACKs a batch to the band only after `ingest_frames` returned, and the band then frees its flash:
so everything happens in ONE `Database.write()` transaction, committed with synchronous=FULL before return.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np

from healthdesk.band.whoop4.decode import DecodedBatch, decode_frames
from healthdesk.core.models import sample_time
from healthdesk.store import band_writes
from healthdesk.store.band_reads import as_unix
from healthdesk.store.database import Database


@dataclass
class IngestReport:
    frames_total: int = 0
    frames_invalid: Counter[str] = field(default_factory=Counter)
    records_new: int = 0
    records_duplicate: int = 0
    events_new: int = 0
    events_duplicate: int = 0
    first_ts: float | None = None  # unix s of the earliest / latest record in the input (new or not)
    last_ts: float | None = None
    frames_archived: int = 0  # 0 when the identical frames were archived before

    def add(self, other: IngestReport) -> None:
        self.frames_total += other.frames_total
        self.frames_invalid.update(other.frames_invalid)
        self.records_new += other.records_new
        self.records_duplicate += other.records_duplicate
        self.events_new += other.events_new
        self.events_duplicate += other.events_duplicate
        self.frames_archived += other.frames_archived
        for attr, pick in (("first_ts", min), ("last_ts", max)):
            mine, theirs = getattr(self, attr), getattr(other, attr)
            setattr(self, attr, theirs if mine is None else mine if theirs is None else pick(mine, theirs))

    def as_json(self) -> dict:
        """The import-frames output: counts, invalid frames by reason, first/last record as ISO UTC."""
        return {
            "frames_total": self.frames_total,
            "frames_invalid": dict(sorted(self.frames_invalid.items())),
            "records_new": self.records_new,
            "records_duplicate": self.records_duplicate,
            "events": self.events_new,
            "events_duplicate": self.events_duplicate,
            "first_ts": iso_utc(self.first_ts),
            "last_ts": iso_utc(self.last_ts),
        }


def iso_utc(unix: float | None) -> str | None:
    if unix is None:
        return None
    return datetime.fromtimestamp(unix, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def ingest_decoded(
    db: Database,
    device: str,
    batch: DecodedBatch,
    received_at: datetime | float | None = None,
    raw_frames: Sequence[bytes] | None = None,
) -> IngestReport:
    """Store a decoded batch in one transaction. `raw_frames` (default: the batch's valid frames) is archived."""
    received = time.time() if received_at is None else as_unix(received_at)
    frames = batch.valid_frames if raw_frames is None else raw_frames
    report = IngestReport(frames_total=batch.frames_total, frames_invalid=Counter(batch.invalid))
    if len(batch.records):
        times = sample_time(batch.records)
        report.first_ts, report.last_ts = float(times.min()), float(times.max())
    with db.write() as conn:
        device_id = band_writes.device_id_for(conn, device)
        archived = band_writes.archive_frames(conn, device_id, frames, received)
        merged = band_writes.merge_samples(conn, device_id, batch.records)
        report.records_new, report.records_duplicate = len(merged.new), merged.duplicates
        report.events_new = band_writes.insert_events(conn, device_id, batch.events, batch.event_bodies)
        report.events_duplicate = len(batch.events) - report.events_new
        metadata_new = band_writes.insert_metadata(conn, device_id, batch.metadata)
        band_writes.recompute_rollups(conn, device_id, merged.new, merged.cache)
        if archived or report.records_new or report.events_new or metadata_new:
            report.frames_archived = len(frames) if archived else 0
            seen = [merged.new["unix"]] if len(merged.new) else []
            if report.events_new:
                seen.append(batch.events["unix"])
            span = np.concatenate(seen) if seen else None
            band_writes.touch_device(
                conn, device_id,
                int(span.min()) if span is not None else None,
                int(span.max()) if span is not None else None,
                received,
            )
    return report


def ingest_frames(
    db: Database, device: str, frames: Sequence[bytes], received_at: datetime | float | None = None
) -> IngestReport:
    """Decode whole wire frames and store them (all of them archived, valid or not) in one transaction."""
    return ingest_decoded(db, device, decode_frames(frames), received_at, raw_frames=frames)
