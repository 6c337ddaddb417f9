"""Band -> host frame builders for the simulated WHOOP 4.0 (band-protocol.md §5.3, §6.2, §7.6-§7.9, §8.1).

Everything here returns whole, 4-aligned wire frames, the way a real band sends them. Record frames are built
from one real v24 inner (band-protocol §7.8): only the fields whose meaning is known are overwritten, every
other byte stays as the real band wrote it.
"""

from __future__ import annotations

import struct
import zlib

import numpy as np

from healthdesk.band.whoop4.constants import EventId, MetadataType, PacketType
from healthdesk.band.whoop4.framing import build_frame, crc8

# First v24 inner of OpenStrap/protocol `dart_header.json` (a real WHOOP 4.0 record, 2026 firmware).
# Copyright (c) 2026 OpenStrap. Licensed under the MIT License (band-protocol.md §10).
V24_TEMPLATE_INNER = bytes.fromhex(
    "2f1805f13ced01c261d2698848805454016202d802f5010000000000609f0fff80de233d3dda19be5c87a9be7b14803f"
    "0020dc463dda19be5c87a9be7b14803f16028402bc0286025e01000b010c020c0000000000370001510c000000000000"
)
V24_INNER_LEN = 96
HARVARD_VERSION = (41, 16, 6, 0)
BOYLSTON_VERSION = (17, 2, 2, 0)
BUILD_ID = b"0f3c5e9a1b2d4c6e8f0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b"  # 54 lowercase hex chars, invented


def _u32s(*values: int) -> bytes:
    return struct.pack(f"<{len(values)}I", *values)


def firmware_string(version: tuple[int, int, int, int] = HARVARD_VERSION) -> str:
    return ".".join(str(v) for v in version)


# --- 1 Hz records ---------------------------------------------------------------------------------------------


def record_inners(records: np.ndarray) -> np.ndarray:
    """RECORD_DTYPE array -> (n, 96) uint8 v24 inners (template bytes, known fields overwritten)."""
    n = len(records)
    out = np.empty((n, V24_INNER_LEN), np.uint8)
    out[:] = np.frombuffer(V24_TEMPLATE_INNER, np.uint8)
    out[:, 3:7] = records["counter"].astype("<u4").view(np.uint8).reshape(n, 4)
    out[:, 7:11] = records["unix"].astype("<u4").view(np.uint8).reshape(n, 4)
    out[:, 11:13] = records["subsec"].astype("<u2").view(np.uint8).reshape(n, 2)
    out[:, 17] = records["hr"]
    out[:, 18] = records["rr_count"]
    rr = np.ascontiguousarray(records["rr"], dtype="<u2")
    # Unused RR slots are zero on a real band, whatever the generator left there.
    rr = np.where(np.arange(4)[None, :] < records["rr_count"][:, None], rr, 0).astype("<u2")
    out[:, 19:27] = rr.view(np.uint8).reshape(n, 8)
    gravity = np.ascontiguousarray(records["gravity"], dtype="<f4").view(np.uint8).reshape(n, 12)
    out[:, 36:48] = gravity
    out[:, 52:64] = gravity  # the band stores an exact copy (§7.2)
    return out


def record_frames(records: np.ndarray) -> list[bytes]:
    """RECORD_DTYPE array -> wire frames of 0x2F v24 records, in input order."""
    inners = record_inners(records)
    length = (V24_INNER_LEN + 4).to_bytes(2, "little")
    header = b"\xaa" + length + bytes((crc8(length),))
    crc = zlib.crc32
    return [header + row + (crc(row) & 0xFFFFFFFF).to_bytes(4, "little") for row in map(bytes, inners)]


# --- events and console logs stored in flash (and live events on 0004) ------------------------------------------


def event_frame(seq: int, event_id: int, unix: int, subsec: int = 0, body: bytes = b"") -> bytes:
    inner = bytes((PacketType.EVENT, seq & 0xFF)) + struct.pack("<HIHH", event_id, unix, subsec, len(body)) + body
    return build_frame(inner)


def battery_event(seq: int, unix: int, subsec: int, percent: float, millivolts: int, charging: bool) -> bytes:
    flag = 1 if charging else 0
    body = struct.pack("<BHHHHBB", 2, round(percent * 10), 0, millivolts, 0, flag, flag) + bytes(9)
    return event_frame(seq, EventId.BATTERY_LEVEL, unix, subsec, body)


def strap_condition_event(seq: int, unix: int, subsec: int, pages_behind: int, percent: float) -> bytes:
    body = struct.pack("<IHHBBBB", pages_behind, 0, round(percent * 10), 0, 0, 1, 0)
    return event_frame(seq, EventId.STRAP_CONDITION_REPORT, unix, subsec, body)


def console_log_frames(seq: int, unix: int, subsec: int, text: str) -> list[bytes]:
    """One log line as consecutive 64-byte CONSOLE_LOGS inners of 51 text bytes each (§7.7)."""
    data = text.encode("ascii", "replace")
    frames = []
    for i, start in enumerate(range(0, max(len(data), 1), 51)):
        chunk = data[start : start + 51].ljust(51, b"\x00")
        head = bytes((PacketType.CONSOLE_LOGS, (seq + i) & 0xFF)) + struct.pack("<HIHH", 2, unix, subsec, 0x34)
        frames.append(build_frame(head + b"\x01" + chunk))
    return frames


# --- metadata (history batches) ---------------------------------------------------------------------------------


def history_start(seq: int, unix: int, subsec: int) -> bytes:
    body = _u32s(6, 16, 2, *HARVARD_VERSION) + b"\x08\x00\x00"
    return build_frame(bytes((PacketType.METADATA, seq & 0xFF, MetadataType.HISTORY_START))
                       + struct.pack("<IH", unix, subsec) + body)


def history_end(seq: int, unix: int, subsec: int, frame_count: int, token: bytes) -> bytes:
    return build_frame(bytes((PacketType.METADATA, seq & 0xFF, MetadataType.HISTORY_END))
                       + struct.pack("<IHI", unix, subsec, frame_count) + token + bytes(3))


def history_complete(seq: int, unix: int, subsec: int) -> bytes:
    return build_frame(bytes((PacketType.METADATA, seq & 0xFF, MetadataType.HISTORY_COMPLETE))
                       + struct.pack("<IH", unix, subsec) + bytes(3))


# --- command responses on 0003 ---------------------------------------------------------------------------------


def response(seq: int, opcode: int, request_seq: int, result: int, body: bytes = b"") -> bytes:
    return build_frame(bytes((PacketType.COMMAND_RESPONSE, seq & 0xFF, opcode, request_seq & 0xFF, result)) + body)


def hello_body(battery_percent: float, charging: bool, unix: int, subsec: int, serial: str, on_wrist: bool) -> bytes:
    """GET_HELLO_HARVARD body: inner offsets 5..135 (§5.3)."""
    body = (
        b"\x04" + struct.pack("<I", round(battery_percent * 10)) + bytes((1 if charging else 0,))
        + struct.pack("<II", unix, subsec) + serial.encode("ascii")[:9].ljust(10, b"\x00") + BUILD_ID
        + _u32s(6, 2, 16, *HARVARD_VERSION) + b"\x08\x02\x01\x00" + bytes(4) + bytes((1 if on_wrist else 0,))
        + _u32s(*BOYLSTON_VERSION)
    )
    assert len(body) == 131
    return body


def version_body() -> bytes:
    """REPORT_VERSION_INFO body: inner offsets 5..75 (§5.3)."""
    return (b"\x01" + _u32s(*HARVARD_VERSION) + _u32s(*BOYLSTON_VERSION) + _u32s(3, 5, 0, 0, 3, 12, 1, 0)
            + b"\x08\x02\x01\x00\x00\x00")


def battery_body(battery_percent: float) -> bytes:
    return struct.pack("<H", round(battery_percent * 10)) + bytes(5)


def clock_body(unix: int, subsec: int) -> bytes:
    return struct.pack("<II", unix, subsec)


def data_range_body(write_page: int, trim_page: int, wrap_count: int, total_pages: int, used_records: int,
                    free_records: int, oldest_unix: int, newest_unix: int) -> bytes:
    """GET_DATA_RANGE body in OS-P's reading (§5.3): revision byte 1, fields at body[9..60]."""
    body = bytearray(61)
    body[0] = 1
    struct.pack_into("<IIIIII", body, 9, write_page, trim_page, wrap_count, total_pages, used_records,
                     free_records)
    struct.pack_into("<I", body, 33, oldest_unix)
    struct.pack_into("<I", body, 57, newest_unix)
    return bytes(body)


SEND_HISTORY_PENDING_BODY = b"\x0b\x00\x00"


# --- live HR (0x28 on 0005) -------------------------------------------------------------------------------------


def realtime_frame(unix: int, subsec: int, hr: int, rr_ms: list[int]) -> bytes:
    rr = (list(rr_ms)[:4] + [0, 0, 0, 0])[:4]
    inner = bytes((PacketType.REALTIME_DATA, 2)) + struct.pack("<IHBB4H", unix, subsec, hr, min(len(rr_ms), 4), *rr)
    return build_frame(inner + b"\x01\x01")
