"""What a WHOOP 4.0 session reports: errors (one line each), band info, drain progress/result and warnings.

Warning codes are a public contract (`band drain --json`, the Band page): docs/band-protocol.md §13 lists them.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field


class BandError(Exception):
    """A band problem a user can act on; the message is one line."""


class BandDisconnected(BandError):
    pass


class BandTimeout(BandError):
    pass


class DrainStalled(BandTimeout):
    pass


class CommandRefused(BandError):
    pass


class CommitFailed(BandError):
    """Storing a batch failed; the batch was not ACKed, so the band still holds it."""


class NackLimitReached(BandError):
    """The band sent the same batch wrongly too often; the drain was aborted (nothing lost, nothing acked)."""


class ClockNotLatched(BandError):
    """SET_CLOCK was acknowledged but the band's clock did not change; draining would store wrong dates."""


# --- warning codes (docs/band-protocol.md §13) --------------------------------------------------------------------
RAW_STREAM_WAS_ON = "raw_stream_was_on"
COUNT_MISMATCH = "count_mismatch"
NACK_LIMIT = "nack_limit"
CLOCK_NOT_LATCHED = "clock_not_latched"
CLOCK_IMPLAUSIBLE = "clock_implausible"
UNDATED_RECORDS = "undated_records"
UNKNOWN_RECORD_VERSION = "unknown_record_version"
EMPTY_DRAIN_WITH_BACKLOG = "empty_drain_with_backlog"
OPTIONAL_COMMAND_SKIPPED = "optional_command_skipped"


@dataclass(frozen=True)
class DrainWarning:
    code: str
    message: str  # one plain sentence for a person

    def as_json(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message}


class Warnings:
    """An ordered list of warnings with at most one entry per code (a later message replaces an earlier one)."""

    def __init__(self) -> None:
        self._by_code: dict[str, DrainWarning] = {}

    def add(self, code: str, message: str) -> None:
        self._by_code[code] = DrainWarning(code, message)

    def extend(self, warnings: list[DrainWarning]) -> None:
        for w in warnings:
            self._by_code[w.code] = w

    @property
    def codes(self) -> list[str]:
        return list(self._by_code)

    def as_list(self) -> list[DrainWarning]:
        return list(self._by_code.values())


@dataclass
class BandInfo:
    serial: str
    firmware: str
    battery_percent: float
    charging: bool
    on_wrist: bool
    band_clock_unix: float  # the band's RTC when we said hello
    clock_drift_s: float  # band RTC minus host clock at hello (huge when the RTC was never set)
    clock_set: bool
    clock_was_unset: bool = False  # the band counted from 1971 at hello (band-protocol §5.4)
    warnings: list[DrainWarning] = field(default_factory=list)
    raw_stream_was_on: bool = False


@dataclass
class DrainProgress:
    frames: int
    records: int
    batches: int
    records_remaining: int | None  # None when the band did not say how much it holds
    rate: float  # records per second so far
    eta_s: float | None


@dataclass
class DrainResult:
    batches: int = 0
    frames: int = 0
    records: int = 0
    nacks: int = 0
    count_mismatches: int = 0  # batches whose frame count differed from HISTORY_END's (each was NACKed)
    reacks: int = 0
    frames_invalid: int = 0
    complete: bool = False
    records_reported: int | None = None  # backlog estimate before the drain (GET_DATA_RANGE)
    damage: dict[str, int] = field(default_factory=dict)
    live_frames_ignored: Counter[int] = field(default_factory=Counter)  # by packet type (0x28/0x2B/0x33)
    unknown_types: Counter[int] = field(default_factory=Counter)  # archived frames of unknown packet types


@dataclass(frozen=True)
class LiveSample:
    unix: int
    subsec: int
    hr: int
    rr_ms: tuple[int, ...]
