"""Time helpers and THE day label of the project: WHOOP-style cycles named by their morning (docs/metrics.md §1).

A cycle runs from one main sleep's onset to the next one's (the last stays open: it is "today"). Its label
`day` is the *morning date*: the local date of the wake that ends the cycle's opening main sleep. Sleep
detection keeps one main sleep per local noon-to-noon window, so the morning date is that window's date + 1:
Mon 23:30 -> Tue 07:10 is `Tue`, and so is Tue 00:40 -> Tue 08:00. A main sleep that ends before midnight or
runs past a second midnight still takes the morning that follows its noon window, so every night keeps exactly
one label (docs/metrics.md §1, "One label everywhere").

Data before the first detected main sleep belongs to the cycle that sleep closes: its label is the calendar
date of the data, never the first sleep's date or later (the evening before a first night is that evening's own
morning date, i.e. its calendar date). Naps never start a cycle; a workout belongs to the cycle holding its
start (`day_of`).

Everyone names a day with `morning_date` / `day_of` / `Cycle.day`; WHOOP's own timestamps go through
`parse_iso` and `parse_offset` (one parser each).
"""

from __future__ import annotations

import bisect
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

DAY_S = 86400
NOON_S = 43200
MULTI_DAY_H = 30
# '+01:00', '-0530', '+14', 'Z', with an optional 'UTC'/'GMT' prefix ('UTC+01:00', 'UTCZ', 'GMT-5', 'UTC').
_OFFSET = re.compile(r"^(?:UTC|GMT)?\s*(?:(Z)|([+-])(?:(\d{2}):?(\d{2})|(\d{1,2})(?::(\d{2}))?))?$", re.IGNORECASE)
MAX_OFFSET_H = 14  # the widest real zone (Line Islands, UTC+14)


# --- the one time-offset parser and the one ISO helper -------------------------------------------------------
def parse_offset(text: str | None) -> int:
    """A UTC offset -> seconds east of UTC (None/'' -> 0). Every spelling the sources use: '+hh:mm', '-hh:mm',
    '+hhmm', '+h'/'+hh', 'Z', each optionally after 'UTC' or 'GMT' (WHOOP's export writes 'UTC+01:00',
    'UTCZ', 'GMT-5', 'GMT+5:30'), and a bare 'UTC'/'GMT'.

    Raises ValueError for anything else (and for hours > 14 or minutes > 59), so a malformed record is
    reported rather than silently put at UTC.
    """
    if text is None or not text.strip():
        return 0
    m = _OFFSET.match(text.strip())
    if m is None or not m.group(0):
        raise ValueError(f"not a UTC offset: {text!r}")
    if m.group(2) is None:  # 'Z', 'UTCZ', 'UTC', 'GMT'
        return 0
    hours, minutes = int(m.group(3) or m.group(5)), int(m.group(4) or m.group(6) or 0)
    if hours > MAX_OFFSET_H or minutes > 59:
        raise ValueError(f"not a UTC offset: {text!r}")
    return (-1 if m.group(2) == "-" else 1) * (hours * 3600 + minutes * 60)


def parse_iso(text: str) -> datetime:
    """An ISO-8601 timestamp with a zone ('...Z' or '+hh:mm') -> aware datetime. Naive text raises ValueError."""
    value = datetime.fromisoformat(text.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    if value.tzinfo is None:
        raise ValueError(f"timestamp without a time zone: {text!r}")
    return value


def iso_unix(text: str) -> float:
    """An ISO-8601 timestamp with a zone -> unix seconds."""
    return parse_iso(text).timestamp()


def iso_utc(unix: float) -> str:
    """Unix seconds -> 'YYYY-MM-DDTHH:MM:SS[.ffffff]Z'."""
    return datetime.fromtimestamp(unix, UTC).isoformat().replace("+00:00", "Z")


# --- local dates -------------------------------------------------------------------------------------------
def local_date(unix: float, tz_offset_s: int) -> date:
    return datetime.fromtimestamp(unix + tz_offset_s, UTC).date()


def local_midnight(d: date, tz_offset_s: int) -> float:
    return datetime(d.year, d.month, d.day, tzinfo=UTC).timestamp() - tz_offset_s


def noon_window(unix: float, tz_offset_s: int) -> date:
    """Date of the local noon-to-noon window holding `unix` (the window sleep detection keeps one main sleep in)."""
    return local_date(unix - NOON_S, tz_offset_s)


def window_noon(window: date, tz_offset_s: int) -> float:
    """Unix time of the local noon that starts the noon-to-noon window `window`."""
    return local_midnight(window, tz_offset_s) + NOON_S


def morning_date(onset_unix: float, tz_offset_s: int) -> date:
    """THE label of the cycle a main sleep starting at `onset_unix` opens: the morning that sleep ends on.

    Worked example (docs/metrics.md §1): onset Mon 23:30 (wake Tue 07:10) -> Tue; onset Tue 00:40 -> Tue.
    """
    return noon_window(onset_unix, tz_offset_s) + timedelta(days=1)


def day_noon(d: date, tz_offset_s: int) -> float:
    """Unix time of local noon ON the labelled day `d` (where a day-valued chart point sits)."""
    return local_midnight(d, tz_offset_s) + NOON_S


def parse_day(text: str) -> date:
    return date.fromisoformat(text)


def system_tz_offset(unix: float) -> int:
    """The machine's local UTC offset (seconds) at that instant (DST-aware)."""
    offset = datetime.fromtimestamp(unix).astimezone().utcoffset()
    return int(offset.total_seconds()) if offset else 0


# --- cycles --------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Cycle:
    day: date  # the morning date (module docstring)
    start: float  # unix s
    end: float | None  # None: still open ("today")
    main_sleep_onset: float | None  # None for a calendar-day fallback cycle before the first detected sleep
    tz_offset_s: int
    note: str = ""

    @property
    def fallback(self) -> bool:
        return self.main_sleep_onset is None

    @property
    def is_open(self) -> bool:
        return self.end is None

    def end_or(self, now: float) -> float:
        return self.end if self.end is not None else now

    def holds(self, unix: float) -> bool:
        return self.start <= unix and (self.end is None or unix < self.end)


def _fallback_day(unix: float, tz_offset_s: int, first_onset: float | None) -> date:
    """Label of a moment before the first known main sleep: its calendar date, kept below that sleep's label."""
    d = local_date(unix, tz_offset_s)
    if first_onset is None:
        return d
    return min(d, morning_date(first_onset, tz_offset_s) - timedelta(days=1))


def day_of(unix: float, main_onsets: Sequence[float], tz_offset_s: int) -> date:
    """Label of the cycle holding `unix`, given every main-sleep onset known (sorted ascending).

    The rule for workouts, naps and any record that is not itself a main sleep (docs/metrics.md §1).
    """
    i = bisect.bisect_right(main_onsets, unix)
    if i > 0:
        return morning_date(main_onsets[i - 1], tz_offset_s)
    return _fallback_day(unix, tz_offset_s, main_onsets[0] if main_onsets else None)


def assign_cycles(
    main_onsets: list[float], data_start: float, data_end: float, tz_offset_s: int
) -> list[Cycle]:
    """Cycles covering [data_start, data_end): fallback calendar days, then sleep-to-sleep cycles."""
    onsets = sorted(o for o in main_onsets if data_start <= o < data_end)
    cycles: list[Cycle] = []
    first = onsets[0] if onsets else data_end
    if data_start < first:
        d = local_date(data_start, tz_offset_s)
        t = data_start
        pieces: list[tuple[date, float, float]] = []
        while t < first:
            nxt = min(local_midnight(d + timedelta(days=1), tz_offset_s), first)
            label = _fallback_day(t, tz_offset_s, onsets[0] if onsets else None)
            if pieces and pieces[-1][0] == label:
                pieces[-1] = (label, pieces[-1][1], nxt)
            else:
                pieces.append((label, t, nxt))
            t, d = nxt, d + timedelta(days=1)
        for label, s, e in pieces:
            open_end = None if (e >= data_end and not onsets) else e
            cycles.append(Cycle(label, s, open_end, None, tz_offset_s, "fallback:calendar_day"))
    for i, onset in enumerate(onsets):
        end = onsets[i + 1] if i + 1 < len(onsets) else None
        note = "multi_day" if end is not None and end - onset > MULTI_DAY_H * 3600 else ""
        cycles.append(Cycle(morning_date(onset, tz_offset_s), onset, end, onset, tz_offset_s, note))
    return cycles


def day_index(d: date) -> int:
    """Days since 1970-01-01 (for trajectory x values)."""
    return (d - date(1970, 1, 1)).days


def floor_minute(unix: float) -> int:
    return int(math.floor(unix / 60.0) * 60)
