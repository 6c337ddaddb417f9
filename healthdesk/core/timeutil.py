"""UTC/local conversions and WHOOP-style physiological cycles (metrics.md §1).

A cycle runs from one main sleep's onset to the next one's (the last stays open). Its label `day` is the
cycle's local start date, where a sleep that begins after midnight counts for the evening before: the label is
the date of the local noon-to-noon window holding the onset. Sleep detection keeps one main sleep per such
window, so labels never collide. Before the first main sleep is known, data falls into calendar-day fallback
cycles; their labels stay below the first sleep cycle's label (equal labels merge: the unseen cycle simply
continues, like WHOOP's multi-day cycles). Naps never start a cycle.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

DAY_S = 86400
NOON_S = 43200
MULTI_DAY_H = 30


def local_date(unix: float, tz_offset_s: int) -> date:
    return datetime.fromtimestamp(unix + tz_offset_s, UTC).date()


def cycle_label(onset_unix: float, tz_offset_s: int) -> date:
    """Label of the cycle a main sleep starting at `onset_unix` begins (its noon-to-noon window's date)."""
    return local_date(onset_unix - NOON_S, tz_offset_s)


def local_midnight(d: date, tz_offset_s: int) -> float:
    return datetime(d.year, d.month, d.day, tzinfo=UTC).timestamp() - tz_offset_s


def day_noon(d: date, tz_offset_s: int) -> float:
    """Unix time of the local noon starting the noon-to-noon window labelled `d`."""
    return local_midnight(d, tz_offset_s) + NOON_S


def parse_day(text: str) -> date:
    return date.fromisoformat(text)


def iso_utc(unix: float) -> str:
    return datetime.fromtimestamp(unix, UTC).isoformat().replace("+00:00", "Z")


def system_tz_offset(unix: float) -> int:
    """The machine's local UTC offset (seconds) at that instant (DST-aware)."""
    offset = datetime.fromtimestamp(unix).astimezone().utcoffset()
    return int(offset.total_seconds()) if offset else 0


@dataclass(frozen=True)
class Cycle:
    day: date
    start: float  # unix s
    end: float | None  # None: still open
    main_sleep_onset: float | None  # None for a calendar-day fallback cycle
    tz_offset_s: int
    note: str = ""

    @property
    def fallback(self) -> bool:
        return self.main_sleep_onset is None

    def end_or(self, now: float) -> float:
        return self.end if self.end is not None else now


def assign_cycles(
    main_onsets: list[float], data_start: float, data_end: float, tz_offset_s: int
) -> list[Cycle]:
    """Cycles covering [data_start, data_end): fallback calendar days, then sleep-to-sleep cycles."""
    onsets = sorted(o for o in main_onsets if data_start <= o < data_end)
    cycles: list[Cycle] = []
    first = onsets[0] if onsets else data_end
    if data_start < first:
        limit = cycle_label(onsets[0], tz_offset_s) - timedelta(days=1) if onsets else None
        d = local_date(data_start, tz_offset_s)
        t = data_start
        pieces: list[tuple[date, float, float]] = []
        while t < first:
            nxt = min(local_midnight(d + timedelta(days=1), tz_offset_s), first)
            label = d if limit is None else min(d, limit)
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
        cycles.append(Cycle(cycle_label(onset, tz_offset_s), onset, end, onset, tz_offset_s, note))
    return cycles


def day_index(d: date) -> int:
    """Days since 1970-01-01 (for trajectory x values)."""
    return (d - date(1970, 1, 1)).days


def floor_minute(unix: float) -> int:
    return int(math.floor(unix / 60.0) * 60)
