"""Tables of the band data: devices, raw frame archive, 1 Hz sample chunks, events, metadata, minute rollups."""

from __future__ import annotations

from sqlalchemy import Float, ForeignKey, Index, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from healthdesk.store.base import Base

# Records per sample chunk: (device, version, counter // CHUNK_RECORDS), about 66 minutes of 1 Hz data.
CHUNK_SHIFT = 12
CHUNK_RECORDS = 1 << CHUNK_SHIFT


class Device(Base):
    __tablename__ = "devices"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(128), unique=True)  # advertised name or serial
    model: Mapped[str] = mapped_column(String(32), default="whoop4")
    # Data time (unix s) of the oldest / newest record or event stored for this device.
    first_seen: Mapped[int | None]
    last_seen: Mapped[int | None]
    # Receive time (unix s) of the last batch that stored anything new.
    last_contact_at: Mapped[float | None] = mapped_column(Float)


class RawFrameBatch(Base):
    """Every frame of one import or drain batch, valid or not, packed by store.codec.pack_frames."""

    __tablename__ = "raw_frame_batches"
    __table_args__ = (UniqueConstraint("device_id", "sha256"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    device_id: Mapped[int] = mapped_column(ForeignKey("devices.id"))
    received_at: Mapped[float] = mapped_column(Float)
    frame_count: Mapped[int]
    raw_bytes: Mapped[int]  # sum of frame lengths before compression
    sha256: Mapped[bytes] = mapped_column(LargeBinary(32))  # of the length-prefixed frames: dedupes re-imports
    blob: Mapped[bytes] = mapped_column(LargeBinary)


class SampleChunk(Base):
    """Up to CHUNK_RECORDS 1 Hz records of one version, counters sharing counter >> CHUNK_SHIFT."""

    __tablename__ = "sample_chunks"
    __table_args__ = (Index("ix_sample_chunks_time", "device_id", "unix_min", "unix_max"),)

    device_id: Mapped[int] = mapped_column(ForeignKey("devices.id"), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    chunk: Mapped[int] = mapped_column(Integer, primary_key=True)
    records: Mapped[int]
    unix_min: Mapped[int]
    unix_max: Mapped[int]
    blob: Mapped[bytes] = mapped_column(LargeBinary)  # store.codec.pack_samples


# Small rows keyed by a composite primary key: WITHOUT ROWID stores each row once, in the key's b-tree,
# instead of a rowid table plus a second b-tree for the key (about half the bytes).
WITHOUT_ROWID = {"sqlite_with_rowid": False}


class BandEvent(Base):
    __tablename__ = "band_events"
    __table_args__ = WITHOUT_ROWID

    device_id: Mapped[int] = mapped_column(ForeignKey("devices.id"), primary_key=True)
    unix: Mapped[int] = mapped_column(Integer, primary_key=True)
    subsec: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    body: Mapped[bytes] = mapped_column(LargeBinary)
    battery_pct: Mapped[float | None] = mapped_column(Float)
    battery_mv: Mapped[int | None]
    charging: Mapped[bool | None]


class BandMetadata(Base):
    """HISTORY_START / _END / _COMPLETE frames: drain bookkeeping (frame counts, tokens)."""

    __tablename__ = "band_metadata"
    __table_args__ = WITHOUT_ROWID

    device_id: Mapped[int] = mapped_column(ForeignKey("devices.id"), primary_key=True)
    unix: Mapped[int] = mapped_column(Integer, primary_key=True)
    subsec: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    frame_count: Mapped[int]
    token: Mapped[bytes] = mapped_column(LargeBinary(8))


class MinuteRollup(Base):
    """core.rollups.minute_rollups of the stored records of one UTC minute (recomputed, never accumulated)."""

    __tablename__ = "minute_rollups"
    __table_args__ = WITHOUT_ROWID

    device_id: Mapped[int] = mapped_column(ForeignKey("devices.id"), primary_key=True)
    minute: Mapped[int] = mapped_column(Integer, primary_key=True)  # unix s of the minute start
    records: Mapped[int]
    hr_count: Mapped[int]
    hr_mean: Mapped[float | None] = mapped_column(Float)
    hr_min: Mapped[int | None]
    hr_max: Mapped[int | None]
    rr_count: Mapped[int]
    motion: Mapped[float | None] = mapped_column(Float)
    active_count: Mapped[int]
    worn_fraction: Mapped[float] = mapped_column(Float)
