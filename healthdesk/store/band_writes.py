"""Write side of the band data, each function one step inside the caller's `Database.write()` transaction.

numpy values are converted to Python types (`.tolist()`, `int()`) before they reach SQL: sqlite3 would store
numpy integers as 8-byte BLOBs without complaint.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
from sqlalchemy import Connection, func, select, tuple_, update
from sqlalchemy.dialects.sqlite import insert

from healthdesk.core.models import SAMPLE_DTYPE
from healthdesk.core.rollups import minute_rollups
from healthdesk.store.band_reads import ChunkCache, load_samples
from healthdesk.store.band_tables import (
    CHUNK_SHIFT,
    BandEvent,
    Device,
    RawFrameBatch,
    SampleChunk,
)
from healthdesk.store.codec import pack_frames, pack_samples, unpack_samples

_IN_CLAUSE_KEYS = 400
_PARALLEL_PACK_MIN = 4  # row-value IN lists stay well under SQLite's variable limit
# Touched minutes further apart than this are reloaded separately, so one stray old record in a batch does
# not pull weeks of samples back into memory.
_ROLLUP_SPAN_GAP_MIN = 90


def device_id_for(conn: Connection, name: str, model: str = "whoop4") -> int:
    conn.execute(insert(Device).values(name=name, model=model).on_conflict_do_nothing(index_elements=["name"]))
    return int(conn.scalar(select(Device.id).where(Device.name == name)))


@dataclass(frozen=True)
class PackedFrames:
    count: int
    raw_bytes: int
    sha256: bytes  # of the frame lengths and bytes: identical batches are archived once
    blob: bytes  # store.codec.pack_frames


def frames_digest(frames: Sequence[bytes]) -> bytes:
    lengths = np.fromiter(map(len, frames), np.uint32, len(frames))
    digest = hashlib.sha256(lengths.tobytes())
    digest.update(b"".join(frames))
    return digest.digest()


def pack_archive(frames: Sequence[bytes], digest: bytes | None = None) -> PackedFrames:
    """Pure and thread-safe (zlib releases the GIL): callers may compress while the transaction runs."""
    return PackedFrames(len(frames), sum(map(len, frames)), digest or frames_digest(frames), pack_frames(frames))


def archive_known(conn: Connection, device: str, digest: bytes) -> bool:
    query = (
        select(RawFrameBatch.id)
        .join(Device, Device.id == RawFrameBatch.device_id)
        .where(Device.name == device, RawFrameBatch.sha256 == digest)
    )
    return conn.scalar(query) is not None


def archive_frames(conn: Connection, device_id: int, packed: PackedFrames, received_at: float) -> bool:
    """Store every frame of a batch (valid or not) as one blob; False when identical frames are already kept."""
    if packed.count == 0:
        return False
    stmt = insert(RawFrameBatch).values(
        device_id=device_id, received_at=float(received_at), frame_count=packed.count,
        raw_bytes=packed.raw_bytes, sha256=packed.sha256, blob=packed.blob,
    ).on_conflict_do_nothing(index_elements=["device_id", "sha256"])
    return conn.execute(stmt).rowcount == 1


@dataclass
class MergeResult:
    new: np.ndarray  # SAMPLE_DTYPE, the samples that were not stored before
    duplicates: int  # already stored, or repeated inside the batch (the first copy wins)
    conflicts: int  # duplicates whose bytes differ from the kept copy (e.g. a band whose counter restarted)
    cache: ChunkCache  # merged content of every chunk this batch wrote


def merge_samples(conn: Connection, device_id: int, records: np.ndarray) -> MergeResult:
    """Union the records into their chunks on (version, counter); stored records always win."""
    if len(records) == 0:
        return MergeResult(np.empty(0, SAMPLE_DTYPE), 0, 0, {})
    samples = np.empty(len(records), SAMPLE_DTYPE)
    for name in SAMPLE_DTYPE.names:
        samples[name] = records[name]
    version, counter = samples["version"], samples["counter"]
    in_order = bool(np.all(version[1:] == version[:-1]) and np.all(counter[1:] > counter[:-1]))
    duplicates = conflicts = 0
    if not in_order:  # the usual input (one version, rising counters) needs neither sort nor de-duplication
        samples = samples[np.lexsort((counter, version))]  # lexsort is stable: the first copy stays first
        first = np.ones(len(samples), bool)
        first[1:] = (samples["version"][1:] != samples["version"][:-1]) | (
            samples["counter"][1:] != samples["counter"][:-1]
        )
        duplicates = len(samples) - int(first.sum())
        kept_at = np.maximum.accumulate(np.where(first, np.arange(len(samples)), 0))
        conflicts = int(np.count_nonzero(_row_bytes(samples)[~first] != _row_bytes(samples)[kept_at[~first]]))
        samples = samples[first]

    chunk_of = samples["counter"] >> CHUNK_SHIFT
    key = (samples["version"].astype(np.int64) << 32) | chunk_of.astype(np.int64)
    keys, starts = np.unique(key, return_index=True)
    bounds = np.append(starts, len(samples))
    wanted = [(int(k >> 32), int(k & 0xFFFFFFFF)) for k in keys.tolist()]
    stored: dict[tuple[int, int], bytes] = {}
    for i in range(0, len(wanted), _IN_CLAUSE_KEYS):
        part = wanted[i : i + _IN_CLAUSE_KEYS]
        rows = conn.execute(
            select(SampleChunk.version, SampleChunk.chunk, SampleChunk.blob).where(
                SampleChunk.device_id == device_id, tuple_(SampleChunk.version, SampleChunk.chunk).in_(part)
            )
        )
        stored.update({(v, c): blob for v, c, blob in rows})

    new_parts: list[np.ndarray] = []
    cache: ChunkCache = {}
    upserts: list[dict] = []
    for (version, chunk), lo, hi in zip(wanted, bounds[:-1].tolist(), bounds[1:].tolist(), strict=True):
        incoming = samples[lo:hi]
        blob = stored.get((version, chunk))
        if blob is None:
            merged = fresh = incoming
        else:
            existing = unpack_samples(blob, version)  # sorted by counter
            at = np.minimum(np.searchsorted(existing["counter"], incoming["counter"]), len(existing) - 1)
            known = existing["counter"][at] == incoming["counter"]
            conflicts += int(np.count_nonzero(_row_bytes(incoming)[known] != _row_bytes(existing)[at[known]]))
            fresh = incoming[~known]
            duplicates += len(incoming) - len(fresh)
            if len(fresh) == 0:
                continue
            merged = np.concatenate([existing, fresh])
            merged = merged[np.argsort(merged["counter"], kind="stable")]
        new_parts.append(fresh)
        cache[(device_id, version, chunk)] = merged
        upserts.append(dict(device_id=device_id, version=version, chunk=chunk, records=len(merged),
                            unix_min=int(merged["unix"].min()), unix_max=int(merged["unix"].max())))
    merged_chunks = list(cache.values())
    if len(merged_chunks) >= _PARALLEL_PACK_MIN:  # zlib releases the GIL: use both cores
        with ThreadPoolExecutor(max_workers=2, thread_name_prefix="chunk-pack") as pool:
            blobs = list(pool.map(pack_samples, merged_chunks))
    else:
        blobs = [pack_samples(m) for m in merged_chunks]
    for row, blob in zip(upserts, blobs, strict=True):
        row["blob"] = blob
    if upserts:
        stmt = insert(SampleChunk)
        stmt = stmt.on_conflict_do_update(
            index_elements=["device_id", "version", "chunk"],
            set_={c: stmt.excluded[c] for c in ("records", "unix_min", "unix_max", "blob")},
        )
        conn.execute(stmt, upserts)
    new = np.concatenate(new_parts) if new_parts else np.empty(0, SAMPLE_DTYPE)
    return MergeResult(new, duplicates, conflicts, cache)


def _row_bytes(samples: np.ndarray) -> np.ndarray:
    """Each sample as one opaque value, so equality means byte-identical (NaN gravity included)."""
    return np.ascontiguousarray(samples).view(f"V{SAMPLE_DTYPE.itemsize}")


def _float_or_none(values: np.ndarray) -> list[float | None]:
    return [v if np.isfinite(v) else None for v in values.astype(np.float64).tolist()]


def insert_events(conn: Connection, device_id: int, events: np.ndarray, bodies: Sequence[bytes]) -> int:
    """Insert band events, skipping ones already stored; returns how many were new."""
    if len(events) == 0:
        return 0
    rows = [
        dict(device_id=device_id, unix=unix, subsec=subsec, event_id=event_id, seq=seq, body=bytes(body),
             battery_pct=pct, battery_mv=mv if mv >= 0 else None, charging=bool(ch) if ch >= 0 else None)
        for unix, subsec, event_id, seq, body, pct, mv, ch in zip(
            events["unix"].tolist(), events["subsec"].tolist(), events["event_id"].tolist(),
            events["seq"].tolist(), bodies, _float_or_none(events["battery_pct"]),
            events["battery_mv"].tolist(), events["charging"].tolist(), strict=True,
        )
    ]
    before = conn.exec_driver_sql("select total_changes()").scalar()
    conn.execute(insert(BandEvent).on_conflict_do_nothing(), rows)
    return int(conn.exec_driver_sql("select total_changes()").scalar() - before)


def insert_metadata(conn: Connection, device_id: int, metadata: np.ndarray) -> int:
    if len(metadata) == 0:
        return 0
    rows = list(zip(
        [device_id] * len(metadata), metadata["unix"].tolist(), metadata["subsec"].tolist(),
        metadata["kind"].tolist(), metadata["seq"].tolist(), metadata["frame_count"].tolist(),
        [bytes(t) for t in metadata["token"].tolist()], strict=True,
    ))
    before = conn.exec_driver_sql("select total_changes()").scalar()
    # Plain executemany: thousands of rows per drained day, SQLAlchemy's per-row compilation would dominate.
    conn.exec_driver_sql(
        "insert into band_metadata (device_id, unix, subsec, kind, seq, frame_count, token) "
        "values (?, ?, ?, ?, ?, ?, ?) on conflict do nothing", rows)
    return int(conn.exec_driver_sql("select total_changes()").scalar() - before)


def _minute_spans(minutes: np.ndarray) -> list[tuple[int, int]]:
    """Sorted unique minutes -> [(first, last)] runs without gaps longer than _ROLLUP_SPAN_GAP_MIN."""
    breaks = np.flatnonzero(np.diff(minutes) > _ROLLUP_SPAN_GAP_MIN)
    firsts = np.concatenate([[0], breaks + 1])
    lasts = np.concatenate([breaks, [len(minutes) - 1]])
    return [(int(minutes[a]), int(minutes[b])) for a, b in zip(firsts.tolist(), lasts.tolist(), strict=True)]


def recompute_rollups(conn: Connection, device_id: int, new: np.ndarray, cache: ChunkCache) -> int:
    """Recompute, from what is stored now, every minute that received a new sample; returns minutes written."""
    if len(new) == 0:
        return 0
    touched = np.unique(new["unix"].astype(np.int64) // 60)
    rows: list[dict] = []
    for first, last in _minute_spans(touched):
        stored = load_samples(conn, [device_id], first * 60, (last + 1) * 60, cache)
        rollups = minute_rollups(stored)
        rollups = rollups[np.isin(rollups["minute"] // 60, touched)]
        hr_count = rollups["hr_count"].tolist()
        rows += [
            dict(device_id=device_id, minute=minute, records=records, hr_count=n, hr_mean=mean,
                 hr_min=lo if n else None, hr_max=hi if n else None, rr_count=rr, motion=motion,
                 active_count=active, worn_fraction=worn)
            for minute, records, n, mean, lo, hi, rr, motion, active, worn in zip(
                rollups["minute"].tolist(), rollups["records"].tolist(), hr_count,
                _float_or_none(rollups["hr_mean"]), rollups["hr_min"].tolist(), rollups["hr_max"].tolist(),
                rollups["rr_count"].tolist(), _float_or_none(rollups["motion"]),
                rollups["active_count"].tolist(), rollups["worn_fraction"].astype(np.float64).tolist(),
                strict=True,
            )
        ]
    if rows:
        columns = list(rows[0])
        updates = ", ".join(f"{c} = excluded.{c}" for c in columns if c not in ("device_id", "minute"))
        conn.exec_driver_sql(
            f"insert into minute_rollups ({', '.join(columns)}) values ({', '.join('?' * len(columns))}) "
            f"on conflict (device_id, minute) do update set {updates}",
            [tuple(r.values()) for r in rows],
        )
    return len(rows)


def touch_device(
    conn: Connection, device_id: int, first_unix: int | None, last_unix: int | None, received_at: float
) -> None:
    """Widen the device's seen data range (when given) and note the contact; call only when something new."""
    values: dict = {"last_contact_at": float(received_at)}
    if first_unix is not None and last_unix is not None:
        values["first_seen"] = func.min(func.coalesce(Device.first_seen, first_unix), first_unix)
        values["last_seen"] = func.max(func.coalesce(Device.last_seen, last_unix), last_unix)
    conn.execute(update(Device).where(Device.id == device_id).values(**values))
