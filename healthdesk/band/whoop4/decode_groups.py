"""Per-packet-type decoders for decode.py (band-protocol.md §7, §8).

Every function takes `rows`: a C-contiguous (k, wire_length) uint8 array of whole CRC-valid frames that share
one (packet type, version, inner length), and decodes all k at once through a structured dtype view. Offsets
below are INNER offsets (band-protocol numbering); the 4-byte wire header is added in `_view`.
"""

from __future__ import annotations

import numpy as np

from .constants import EventId, MetadataType
from .decode_types import (
    EVENT_DTYPE,
    IMU_DTYPE,
    METADATA_DTYPE,
    REALTIME_DTYPE,
    RECORD_DTYPE,
    CommandResponse,
    ConsoleLog,
)

HEADER = 4  # wire bytes before the inner
RR_SLOTS = 4
RECORD_MIN_INNER = 48  # the v24 map reaches gravity z at inner 44..47
IMU_MIN_INNER = 1288  # last gyro Z sample ends at inner 1287
PLAUSIBLE_HR = (25, 230)  # unknown versions: v24 map accepted only inside these bounds (§7.5)
PLAUSIBLE_G = (0.8, 1.25)


def _view(rows: np.ndarray, fields: list[tuple[str, str, int]]) -> np.ndarray:
    """Structured view of each row; fields are (name, format, inner offset). No copy."""
    dtype = np.dtype(
        {
            "names": [f[0] for f in fields],
            "formats": [f[1] for f in fields],
            "offsets": [HEADER + f[2] for f in fields],
            "itemsize": rows.shape[1],
        }
    )
    return rows.view(dtype)[:, 0]


def _rr_slots(count: np.ndarray, raw: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Cap the RR count at the 4 slots that exist and zero the unused slots."""
    capped = np.minimum(count, RR_SLOTS).astype(np.uint8)
    used = np.arange(RR_SLOTS) < capped[:, None]
    return capped, np.where(used, raw, 0).astype(np.uint16)


# v12 (88 B) and v24 (96 B) share this map; v24 only appends 8 bytes (§7.2).
_RECORD_FIELDS = [
    ("version", "u1", 1),
    ("counter", "<u4", 3),
    ("unix", "<u4", 7),
    ("subsec", "<u2", 11),
    ("hr", "u1", 17),
    ("rr_count", "u1", 18),
    ("rr", "(4,)<u2", 19),
    ("gravity", "(3,)<f4", 36),
]


def decode_records(rows: np.ndarray, *, known_version: bool) -> tuple[np.ndarray, np.ndarray]:
    """v12/v24 1 Hz records (§7.2). For unknown versions (known_version=False) a row is kept only when the
    v24 map gives a plausible HR and |g|; returns (records, kept mask over rows)."""
    v = _view(rows, _RECORD_FIELDS)
    gravity = v["gravity"].astype(np.float32)
    finite = np.isfinite(gravity).all(axis=1)
    if known_version:
        keep = np.ones(len(rows), bool)
    else:
        with np.errstate(invalid="ignore", over="ignore"):
            norm = np.sqrt((gravity.astype(np.float64) ** 2).sum(axis=1))
        keep = (
            (v["hr"] >= PLAUSIBLE_HR[0]) & (v["hr"] <= PLAUSIBLE_HR[1])
            & finite & (norm >= PLAUSIBLE_G[0]) & (norm <= PLAUSIBLE_G[1])
        )
    v = v[keep]
    out = np.empty(len(v), RECORD_DTYPE)
    for name in ("version", "counter", "unix", "subsec", "hr"):
        out[name] = v[name]
    out["rr_count"], out["rr"] = _rr_slots(v["rr_count"], v["rr"])
    # The band sometimes writes NaN/Inf floats (§7.2): keep HR/RR, mark the whole vector unknown.
    gravity = gravity[keep]
    gravity[~finite[keep]] = np.nan
    out["gravity"] = gravity
    return out, keep


def decode_imu(rows: np.ndarray) -> np.ndarray:
    """R10 IMU records (§7.4): int16 LE accel at 85/285/485, gyro at 688/888/1088, 100 samples per axis."""
    v = _view(
        rows,
        [
            ("packet_type", "u1", 0), ("counter", "<u4", 3), ("unix", "<u4", 7), ("subsec", "<u2", 11),
            ("hr", "u1", 17), ("rr_count", "u1", 18), ("rr", "(4,)<u2", 19), ("gravity", "(3,)<f4", 46),
            ("accel_n", "u1", 84), ("accel", "(3,100)<i2", 85), ("gyro_n", "u1", 687), ("gyro", "(3,100)<i2", 688),
        ],
    )
    out = np.empty(len(v), IMU_DTYPE)
    for name in ("packet_type", "counter", "unix", "subsec", "hr", "accel", "gyro", "accel_n", "gyro_n"):
        out[name] = v[name]
    out["rr_count"], out["rr"] = _rr_slots(v["rr_count"], v["rr"])
    gravity = v["gravity"].astype(np.float32)
    gravity[~np.isfinite(gravity).all(axis=1)] = np.nan
    out["gravity"] = gravity
    return out


def decode_realtime(rows: np.ndarray) -> np.ndarray:
    """REALTIME_DATA 0x28 (§8.1): unix @2, subsec @6, HR @8, RR count @9, 4 x u16 RR @10."""
    v = _view(rows, [("unix", "<u4", 2), ("subsec", "<u2", 6), ("hr", "u1", 8), ("rr_count", "u1", 9),
                     ("rr", "(4,)<u2", 10)])
    out = np.empty(len(v), REALTIME_DTYPE)
    out["unix"], out["subsec"], out["hr"] = v["unix"], v["subsec"], v["hr"]
    out["rr_count"], out["rr"] = _rr_slots(v["rr_count"], v["rr"])
    return out


def decode_metadata(rows: np.ndarray) -> np.ndarray:
    """METADATA 0x31 (§7.9). frame_count (@9) and the 8-byte token (@13) only for HISTORY_END, which needs
    an inner of at least 21 bytes (the caller routes shorter END frames to `unknown`)."""
    inner_len = rows.shape[1] - 2 * HEADER
    v = _view(rows, [("seq", "u1", 1), ("kind", "u1", 2), ("unix", "<u4", 3), ("subsec", "<u2", 7)])
    out = np.zeros(len(v), METADATA_DTYPE)
    for name in ("seq", "kind", "unix", "subsec"):
        out[name] = v[name]
    if inner_len >= 21:
        tail = _view(rows, [("frame_count", "<u4", 9), ("token", "V8", 13)])
        end = v["kind"] == MetadataType.HISTORY_END
        out["frame_count"][end] = tail["frame_count"][end]
        out["token"][end] = tail["token"][end]
    return out


def decode_events(rows: np.ndarray) -> tuple[np.ndarray, list[bytes]]:
    """EVENT 0x30 (§7.6) headers, bodies (clipped to the inner), and the battery fields of BATTERY_LEVEL
    (SOC x10 at body[1..2], mV at body[5..6], charging = body[9]) and STRAP_CONDITION_REPORT (SOC at body[6..7])."""
    inner_len = rows.shape[1] - 2 * HEADER
    v = _view(rows, [("seq", "u1", 1), ("event_id", "<u2", 2), ("unix", "<u4", 4), ("subsec", "<u2", 8),
                     ("body_len", "<u2", 10)])
    out = np.empty(len(v), EVENT_DTYPE)
    for name in ("seq", "event_id", "unix", "subsec", "body_len"):
        out[name] = v[name]
    out["battery_pct"], out["battery_mv"], out["charging"] = np.nan, -1, -1
    available = np.minimum(v["body_len"], max(inner_len - 12, 0))
    body = 12  # inner offset of the body
    if inner_len >= body + 10:
        b = _view(rows, [("soc", "<u2", body + 1), ("mv", "<u2", body + 5), ("charging", "u1", body + 9)])
        level = (v["event_id"] == EventId.BATTERY_LEVEL) & (available >= 10)
        out["battery_pct"][level] = b["soc"][level] / 10
        out["battery_mv"][level] = b["mv"][level]
        out["charging"][level] = b["charging"][level]
    if inner_len >= body + 8:
        c = _view(rows, [("soc", "<u2", body + 6)])
        condition = (v["event_id"] == EventId.STRAP_CONDITION_REPORT) & (available >= 8)
        out["battery_pct"][condition] = c["soc"][condition] / 10
    start = HEADER + body
    bodies = [row[start : start + n].tobytes() for row, n in zip(rows, available.tolist(), strict=True)]
    return out, bodies


def decode_logs(rows: np.ndarray) -> list[ConsoleLog]:
    """CONSOLE_LOGS 0x32 (§7.7): u16 chunk length @10 counts the `01` marker @12 plus the text from @13."""
    inner_len = rows.shape[1] - 2 * HEADER
    v = _view(rows, [("seq", "u1", 1), ("unix", "<u4", 4), ("subsec", "<u2", 8), ("chunk", "<u2", 10)])
    logs = []
    for row, seq, unix, subsec, chunk in zip(
        rows, v["seq"].tolist(), v["unix"].tolist(), v["subsec"].tolist(), v["chunk"].tolist(), strict=True
    ):
        end = HEADER + min(12 + chunk, inner_len)
        text = row[HEADER + 13 : end].tobytes().replace(b"\x00", b"").decode("ascii", "replace")
        logs.append(ConsoleLog(seq, unix, subsec, text))
    return logs


def response_from_inner(inner: bytes) -> CommandResponse:
    return CommandResponse(inner[1], inner[2], inner[3], inner[4], bytes(inner[5:]))
