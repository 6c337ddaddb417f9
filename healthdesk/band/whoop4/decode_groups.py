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


# v12 (88 B) and v24 (96 B) share this map; v24 only appends 8 bytes (§7.2). (field, inner offset)
_RECORD_OFFSETS = {"version": 1, "counter": 3, "unix": 7, "subsec": 11, "hr": 17, "rr_count": 18, "rr": 19,
                   "gravity": 36}
# RECORD_DTYPE is packed, so an output row is a fixed selection of wire-row bytes: one np.take builds all rows.
_RECORD_COLUMNS = np.concatenate(
    [np.arange(HEADER + at, HEADER + at + RECORD_DTYPE.fields[name][0].itemsize) for name, at in
     sorted(_RECORD_OFFSETS.items(), key=lambda item: RECORD_DTYPE.fields[item[0]][1])]
)
assert len(_RECORD_COLUMNS) == RECORD_DTYPE.itemsize, "RECORD_DTYPE must stay packed"
_COUNT_AT = RECORD_DTYPE.fields["rr_count"][1]
_RR_AT = RECORD_DTYPE.fields["rr"][1]
_G_AT = RECORD_DTYPE.fields["gravity"][1]
_RR_KEEP = np.array([(1 << (16 * n)) - 1 for n in range(RR_SLOTS + 1)], np.uint64)


def decode_records(rows: np.ndarray, *, known_version: bool,
                   out: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """v12/v24 1 Hz records (§7.2), gathered straight into RECORD_DTYPE rows (into `out`, a contiguous
    RECORD_DTYPE array of len(rows), when given). For unknown versions (known_version=False) a row is kept only
    when the v24 map gives a plausible HR and |g|; returns (records, kept mask over rows)."""
    if out is None:
        out = np.empty(len(rows), RECORD_DTYPE)
    raw = out.view(np.uint8).reshape(len(rows), RECORD_DTYPE.itemsize)
    np.take(rows, _RECORD_COLUMNS, axis=1, out=raw)
    counts = np.minimum(raw[:, _COUNT_AT], RR_SLOTS)
    raw[:, _COUNT_AT] = counts
    # The 4 RR slots read as one u64 (slot 0 in the low bits): keep the first `count` slots, zero the rest.
    raw[:, _RR_AT : _RR_AT + 8].view("<u8")[:, 0] &= _RR_KEEP[counts]
    # The band sometimes writes NaN/Inf floats (§7.2): keep HR/RR, mark the whole vector unknown.
    # f32 NaN/Inf = all 8 exponent bits set: low 7 bits of the top byte and the top bit of the byte below.
    nan_or_inf = [((raw[:, _G_AT + 4 * i + 3] & 0x7F) == 0x7F) & (raw[:, _G_AT + 4 * i + 2] >= 0x80) for i in range(3)]
    finite = ~(nan_or_inf[0] | nan_or_inf[1] | nan_or_inf[2])
    if not finite.all():
        out["gravity"][~finite] = np.nan
    if known_version:
        return out, np.ones(len(rows), bool)
    with np.errstate(invalid="ignore", over="ignore"):
        norm = np.sqrt((out["gravity"].astype(np.float64) ** 2).sum(axis=1))
    hr = out["hr"]
    keep = (
        (hr >= PLAUSIBLE_HR[0]) & (hr <= PLAUSIBLE_HR[1]) & finite
        & (norm >= PLAUSIBLE_G[0]) & (norm <= PLAUSIBLE_G[1])
    )
    return out[keep], keep


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
    width = max(inner_len - 13, 0)
    text = rows[:, HEADER + 13 : HEADER + 13 + width].copy()
    text[np.arange(width) >= v["chunk"][:, None].astype(np.int64) - 1] = 0  # beyond the declared chunk
    whole = text.tobytes().decode("ascii", "replace")  # one character per byte, so rows stay `width` apart
    texts = [whole[i : i + width].replace("\x00", "") for i in range(0, len(rows) * width, width)]
    return list(map(ConsoleLog, v["seq"].tolist(), v["unix"].tolist(), v["subsec"].tolist(), texts))


def response_from_inner(inner: bytes) -> CommandResponse:
    return CommandResponse(inner[1], inner[2], inner[3], inner[4], bytes(inner[5:]))
