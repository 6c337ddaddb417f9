"""The decoder's output types (the CONTRACT of decode.py; re-exported there, import them from decode).

Fields may be added, never renamed: store, session, simulator and UI code build on these names.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from healthdesk.core.models import SAMPLE_DTYPE

# 1 Hz biometric records (v12, v24, and unknown versions that pass the v24-map plausibility check). One layout
# for decoder, store and metrics: it lives in core (which band may import, and store/UI must use). Gravity is
# all-NaN when the band wrote NaN/Inf (HR/RR are kept).
RECORD_DTYPE = SAMPLE_DTYPE
# R10 IMU records (historical 0x2F or live 0x2B), band-protocol §7.4.
IMU_DTYPE = np.dtype(
    [
        ("packet_type", "u1"),
        ("counter", "<u4"),
        ("unix", "<u4"),
        ("subsec", "<u2"),
        ("hr", "u1"),
        ("accel", "<i2", (3, 100)),  # raw LSB, x ACCEL_G_PER_LSB -> g
        ("gyro", "<i2", (3, 100)),  # raw LSB, x GYRO_DPS_PER_LSB -> deg/s
        # added by the decoder (same meaning as in RECORD_DTYPE):
        ("rr_count", "u1"),
        ("rr", "<u2", (4,)),
        ("gravity", "<f4", (3,)),
        ("accel_n", "u1"),  # block-header sample count (inner 84), 97..100 seen; slots beyond it are not samples
        ("gyro_n", "u1"),  # same for the gyro block (inner 687)
    ]
)
ACCEL_G_PER_LSB = 1 / 4096
GYRO_DPS_PER_LSB = 2000 / 32768
# Events (0x30) live or replayed from flash, §7.6. Battery fields are NaN / -1 when the body has none.
EVENT_DTYPE = np.dtype(
    [
        ("seq", "u1"),
        ("event_id", "<u2"),
        ("unix", "<u4"),
        ("subsec", "<u2"),
        ("body_len", "<u2"),
        ("battery_pct", "<f4"),  # BATTERY_LEVEL / STRAP_CONDITION_REPORT SOC
        ("battery_mv", "<i4"),  # BATTERY_LEVEL millivolts, -1 if absent
        ("charging", "i1"),  # 1/0, -1 unknown
    ]
)
# METADATA (0x31), §7.9. frame_count/token only meaningful for HISTORY_END.
METADATA_DTYPE = np.dtype(
    [
        ("seq", "u1"),
        ("kind", "u1"),  # MetadataType
        ("unix", "<u4"),
        ("subsec", "<u2"),
        ("frame_count", "<u4"),
        ("token", "V8"),  # 8 opaque bytes, echoed verbatim in the ACK
    ]
)
# REALTIME_DATA (0x28), §8.1.
REALTIME_DTYPE = np.dtype(
    [("unix", "<u4"), ("subsec", "<u2"), ("hr", "u1"), ("rr_count", "u1"), ("rr", "<u2", (4,))]
)


@dataclass(slots=True)  # slots: thousands are created per drain
class ConsoleLog:
    seq: int
    unix: int
    subsec: int
    text: str


@dataclass(slots=True)
class CommandResponse:
    band_seq: int
    opcode: int
    request_seq: int
    result: int
    body: bytes  # inner[5:]


@dataclass
class DecodedBatch:
    frames_total: int = 0
    # Frames kept out of the decoded data, by reason: truncated, bad_sof, bad_header_crc, bad_length, bad_crc32
    # (wire damage; not in valid_frames); unknown_type, unknown_version, short_inner (CRC-valid, so in
    # valid_frames, but undecodable: raw inner kept in `unknown`); not_bytes (decode_frames got a non-bytes
    # item); not_hex / empty (capture-file input: a line that is not hex / no frame line at all, counted once).
    invalid: Counter[str] = field(default_factory=Counter)
    records: np.ndarray = field(default_factory=lambda: np.empty(0, RECORD_DTYPE))
    imu: np.ndarray = field(default_factory=lambda: np.empty(0, IMU_DTYPE))
    events: np.ndarray = field(default_factory=lambda: np.empty(0, EVENT_DTYPE))
    event_bodies: list[bytes] = field(default_factory=list)  # parallel to events
    metadata: np.ndarray = field(default_factory=lambda: np.empty(0, METADATA_DTYPE))
    realtime: np.ndarray = field(default_factory=lambda: np.empty(0, REALTIME_DTYPE))
    logs: list[ConsoleLog] = field(default_factory=list)
    responses: list[CommandResponse] = field(default_factory=list)
    unknown: list[bytes] = field(default_factory=list)  # raw inners of valid frames nobody decodes yet
    valid_frames: list[bytes] = field(default_factory=list)  # every CRC-valid frame, in input order
    # added by the decoder:
    commands: list[bytes] = field(default_factory=list)  # host->band COMMAND (0x23) inners, e.g. write captures

    @property
    def frames_invalid(self) -> int:
        return sum(self.invalid.values())
