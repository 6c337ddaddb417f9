"""Host -> band command builders (band-protocol.md §5). Every builder returns a whole, padded wire frame."""

from __future__ import annotations

import struct

from .constants import DESTRUCTIVE_OPCODES, Opcode, PacketType
from .framing import build_frame


def command(seq: int, opcode: int, payload: bytes = b"\x00", *, pad: bool = True) -> bytes:
    """`[0x23][seq][opcode][payload][zero pad to x4]` framed. pad=False exists only to test strict bands."""
    return build_frame(bytes((PacketType.COMMAND, seq & 0xFF, opcode)) + payload, pad=pad)


def get_hello(seq: int) -> bytes:
    return command(seq, Opcode.GET_HELLO_HARVARD)


def report_version(seq: int) -> bytes:
    return command(seq, Opcode.REPORT_VERSION_INFO)


def get_battery(seq: int) -> bytes:
    return command(seq, Opcode.GET_BATTERY_LEVEL)


def get_clock(seq: int) -> bytes:
    return command(seq, Opcode.GET_CLOCK)


def get_data_range(seq: int) -> bytes:
    return command(seq, Opcode.GET_DATA_RANGE)


def get_advertising_name(seq: int) -> bytes:
    return command(seq, Opcode.GET_ADVERTISING_NAME_HARVARD)


def set_clock(seq: int, unix: int, subsec: int = 0) -> bytes:
    """The official app's 9-byte form: u32 unix, u16 subsec (1/32768 s), 3 zero bytes (§5.4)."""
    return command(seq, Opcode.SET_CLOCK, struct.pack("<IH3x", unix, subsec))


def stop_raw_stream(seq: int) -> bytes:
    """SEND_R10_R11_REALTIME `00`: the raw sensor stream's persistent off switch (docs/band-protocol.md §12.1)."""
    return command(seq, Opcode.SEND_R10_R11_REALTIME, b"\x00")


def send_historical_data(seq: int) -> bytes:
    return command(seq, Opcode.SEND_HISTORICAL_DATA)


def history_ack(seq: int, token: bytes) -> bytes:
    """HISTORICAL_DATA_RESULT success: `01` + the 8 HISTORY_END token bytes verbatim (§5.5)."""
    if len(token) != 8:
        raise ValueError("a HISTORY_END token is 8 bytes")
    return command(seq, Opcode.HISTORICAL_DATA_RESULT, b"\x01" + bytes(token))


def history_nack(seq: int) -> bytes:
    """HISTORICAL_DATA_RESULT failure as the official app sends it (five zero bytes): the band re-sends."""
    return command(seq, Opcode.HISTORICAL_DATA_RESULT, b"\x00" * 5)


def abort_history(seq: int) -> bytes:
    return command(seq, Opcode.ABORT_HISTORICAL_TRANSMITS)


def toggle_realtime_hr(seq: int, on: bool) -> bytes:
    return command(seq, Opcode.TOGGLE_REALTIME_HR, b"\x01" if on else b"\x00")


def toggle_generic_hr_profile(seq: int, on: bool) -> bytes:
    return command(seq, Opcode.TOGGLE_GENERIC_HR_PROFILE, b"\x01" if on else b"\x00")


def enter_high_freq_sync(seq: int, interval_s: int = 180, duration_s: int = 7200) -> bytes:
    return command(seq, Opcode.ENTER_HIGH_FREQ_SYNC, struct.pack("<BHH", 2, interval_s, duration_s))


def force_trim(seq: int, first_word: int, second_word: int) -> bytes:
    """DESTRUCTIVE flash trim (§5.6). Never sent by the app's own flows; exists for the simulator's tests."""
    return command(seq, Opcode.FORCE_TRIM, struct.pack("<II", first_word, second_word) + b"\x00")


def is_destructive(frame: bytes) -> bool:
    """True when a wire frame is a COMMAND whose opcode is on the never-auto-send list."""
    return len(frame) > 6 and frame[4] == PacketType.COMMAND and frame[6] in DESTRUCTIVE_OPCODES
