"""Store one batch of band frames: raw archive, 1 Hz records, events, metadata, rollups - all or nothing.

The span of new records is marked pending-derive in the same transaction; `derive_pending` derives every
marked span and clears the marks only after the daily values are committed (store/pending.py).

The BLE drain ACKs a batch to the band only after `ingest_frames` returned, and the band then frees its flash:
so everything happens in ONE `Database.write()` transaction, committed with synchronous=FULL before return.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np

from healthdesk.band.whoop4.decode import DecodedBatch, decode_frames
from healthdesk.core.metrics.calories import Profile
from healthdesk.core.models import sample_time
from healthdesk.store import band_writes
from healthdesk.store.band_reads import as_unix
from healthdesk.store.database import Database
from healthdesk.store.pending import clear_pending, mark_pending, pending_span

log = logging.getLogger(__name__)


@dataclass
class IngestReport:
    frames_total: int = 0
    frames_invalid: Counter[str] = field(default_factory=Counter)
    records_new: int = 0
    records_duplicate: int = 0
    records_conflicting: int = 0  # duplicates that differ from the stored copy (kept out, logged)
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
        self.records_conflicting += other.records_conflicting
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
            "records_conflicting": self.records_conflicting,
            "events": self.events_new,
            "events_duplicate": self.events_duplicate,
            "first_ts": iso_utc(self.first_ts),
            "last_ts": iso_utc(self.last_ts),
        }


def iso_utc(unix: float | None) -> str | None:
    if unix is None:
        return None
    return datetime.fromtimestamp(unix, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class _ArchivePacker:
    """Hashes the batch's frames now and, unless identical frames are archived already, compresses them on a
    worker thread (zlib releases the GIL) while the caller decodes and merges on this one."""

    # Below this many frames (a BLE drain batch) a thread costs more than it saves.
    THREAD_MIN_FRAMES = 2000

    def __init__(self, db: Database, device: str, frames: Sequence[bytes]) -> None:
        self.frames = frames
        self.digest = band_writes.frames_digest(frames)
        with db.read() as conn:
            known = bool(frames) and band_writes.archive_known(conn, device, self.digest)
        self._pool: ThreadPoolExecutor | None = None
        self._future: Future[band_writes.PackedFrames] | None = None
        if frames and not known and len(frames) >= self.THREAD_MIN_FRAMES:
            self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="archive-pack")
            self._future = self._pool.submit(band_writes.pack_archive, frames, self.digest)
        self.known = known

    def result(self) -> band_writes.PackedFrames | None:
        """The packed frames to archive, or None when they are archived already (or there are none)."""
        if self.known or not self.frames:
            return None
        if self._future is not None:
            return self._future.result()
        return band_writes.pack_archive(self.frames, self.digest)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)


def _store(
    db: Database, device: str, batch: DecodedBatch, received: float, packer: _ArchivePacker
) -> IngestReport:
    report = IngestReport(frames_total=batch.frames_total, frames_invalid=Counter(batch.invalid))
    if len(batch.records):
        times = sample_time(batch.records)
        report.first_ts, report.last_ts = float(times.min()), float(times.max())
    with db.write() as conn:
        device_id = band_writes.device_id_for(conn, device)
        merged = band_writes.merge_samples(conn, device_id, batch.records)
        report.records_new, report.records_duplicate = len(merged.new), merged.duplicates
        report.records_conflicting = merged.conflicts
        if merged.conflicts:
            log.warning("%s: %d records share (version, counter) with different content; the stored copies "
                        "were kept (the raw frames are archived)", device, merged.conflicts)
        report.events_new = band_writes.insert_events(conn, device_id, batch.events, batch.event_bodies)
        report.events_duplicate = len(batch.events) - report.events_new
        metadata_new = band_writes.insert_metadata(conn, device_id, batch.metadata)
        band_writes.recompute_rollups(conn, device_id, merged.new, merged.cache)
        if len(merged.new):  # same transaction as the records: a crash before the derive loses no day
            mark_pending(conn, float(merged.new["unix"].min()), float(merged.new["unix"].max()) + 1.0, received)
        packed = packer.result()
        if packed is not None or report.records_new or report.events_new or metadata_new:
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
        # Last: the biggest write, and the one whose compression ran in parallel with everything above.
        if packed is not None and band_writes.archive_frames(conn, device_id, packed, received):
            report.frames_archived = packed.count
    return report


def ingest_decoded(
    db: Database,
    device: str,
    batch: DecodedBatch,
    received_at: datetime | float | None = None,
    raw_frames: Sequence[bytes] | None = None,
) -> IngestReport:
    """Store a decoded batch in one transaction. `raw_frames` (default: the batch's valid frames) is archived."""
    received = time.time() if received_at is None else as_unix(received_at)
    packer = _ArchivePacker(db, device, batch.valid_frames if raw_frames is None else raw_frames)
    try:
        return _store(db, device, batch, received, packer)
    finally:
        packer.close()


def ingest_frames(
    db: Database, device: str, frames: Sequence[bytes], received_at: datetime | float | None = None
) -> IngestReport:
    """Decode whole wire frames and store them (all of them archived, valid or not) in one transaction."""
    received = time.time() if received_at is None else as_unix(received_at)
    packer = _ArchivePacker(db, device, frames)  # compresses while the decoder runs
    try:
        return _store(db, device, decode_frames(frames), received, packer)
    finally:
        packer.close()


def derive_pending(db: Database, profile: Profile | None = None) -> int:
    """Derive every span an import or drain stored but nothing derived yet; the number of days derived."""
    with db.read() as conn:
        span = pending_span(conn)
    if span is None:  # nothing pending: still re-derive what an older algorithm made (day model, issue 12)
        from healthdesk.services.derive_upgrade import rederive_if_outdated

        return rederive_if_outdated(db, profile)
    from healthdesk.services.derive import derive  # the metrics engine loads only when there is work

    report = derive(db, span.t0, span.t1, profile=profile)
    with db.write() as conn:
        clear_pending(conn, span.through_id)
    log.info("derived %d pending days", len(report.days))
    return len(report.days)
