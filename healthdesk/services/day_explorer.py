"""The day explorer's read model: one local calendar day of every stored second of heart rate, its R-R
intervals, and what happened in it (sleep stages, workouts, band events) as time bands.

One query per table for a day: sample chunks overlapping the day (decoded by the store), the band sleeps
and workouts that overlap it, and the band events inside it. Nothing is precomputed for the explorer, so a
day of a three-year history costs what any other day costs (docs/architecture.md "Day explorer").
Blocking, Qt-free; runs on the UI's reader thread.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone

import numpy as np

from healthdesk.band.whoop4.constants import EventId
from healthdesk.services.dashboard import DashboardService
from healthdesk.services.dashboard_night import minute_segments
from healthdesk.services.dashboard_types import empty_array
from healthdesk.store.band_reads import HeartTrace, events_between, heart_between, list_devices
from healthdesk.store.derived import sleeps_between, workouts_between

DAY_S = 86400.0
# Sleeps and workouts are looked up from this long before the day: a night that began the evening before
# still covers the early hours of the day.
LOOKBACK_S = 18 * 3600.0
# (begins, ends, band label): band events that open and close a stretch of time.
EVENT_SPANS = (
    (EventId.WRIST_OFF, EventId.WRIST_ON, "off wrist"),
    (EventId.CHARGING_ON, EventId.CHARGING_OFF, "charging"),
)
EVENT_MARKS = {EventId.DOUBLE_TAP: "double tap", EventId.BOOT: "band restarted"}


@dataclass(frozen=True)
class TimeBand:
    start: float  # unix s
    end: float
    kind: str  # 'sleep' | 'workout' | 'event'
    label: str
    stage: int = -1  # dashboard_types stage code for sleep bands, -1 otherwise


@dataclass(frozen=True)
class DayTrace:
    day: date
    t0: float  # local midnight, unix s
    t1: float  # the next local midnight
    hr_t: np.ndarray = field(default_factory=empty_array)
    hr_bpm: np.ndarray = field(default_factory=empty_array)  # NaN where the record has no reading
    heart: HeartTrace | None = None
    bands: list[TimeBand] = field(default_factory=list)
    marks: list[tuple[float, str]] = field(default_factory=list)

    @property
    def has_rr(self) -> bool:
        return self.heart is not None and bool(self.heart.rr_count.any())

    def rr_between(self, lo: float, hi: float) -> tuple[np.ndarray, np.ndarray]:
        """(time, ms) of the R-R intervals in [lo, hi), worked out when asked (the chart asks when zoomed)."""
        if self.heart is None:
            return empty_array(), empty_array()
        return self.heart.rr_between(lo, hi)

    @property
    def has_heart_rate(self) -> bool:
        return bool(np.isfinite(self.hr_bpm).any())

    @property
    def seconds_with_hr(self) -> int:
        return int(np.isfinite(self.hr_bpm).sum())


class DayExplorerService:
    def __init__(self, dashboard: DashboardService) -> None:
        self._dashboard = dashboard

    @property
    def _tz(self) -> timezone:
        return timezone(timedelta(seconds=self._dashboard.tz_offset_s))

    def midnight(self, day: date) -> float:
        return datetime(day.year, day.month, day.day, tzinfo=self._tz).timestamp()

    def local_day(self, unix: float) -> date:
        return datetime.fromtimestamp(unix, self._tz).date()

    def bounds(self) -> tuple[date, date] | None:
        """The first and last local days with stored band data (None: no band data at all)."""
        db = self._dashboard.database
        if db is None:
            return None
        devices = [d for d in list_devices(db) if d.first_seen and d.last_seen]
        if not devices:
            return None
        return (self.local_day(min(d.first_seen for d in devices if d.first_seen)),
                self.local_day(max(d.last_seen for d in devices if d.last_seen)))

    def day(self, day: date) -> DayTrace:
        t0 = self.midnight(day)
        t1 = self.midnight(day + timedelta(days=1))
        db = self._dashboard.database
        if db is None:
            return DayTrace(day, t0, t1)
        bands: list[TimeBand] = []
        with db.read() as conn:  # one connection for the day's reads
            heart = heart_between(conn, None, t0, t1)
            sleeps = [s for s in sleeps_between(conn, t0 - LOOKBACK_S, t1) if s.end > t0]
            workouts = [w for w in workouts_between(conn, t0 - LOOKBACK_S, t1) if w.end > t0]
        for s in sleeps:
            bands.extend(_sleep_bands(s.start, s.end, s.main, s.detail))
        for w in workouts:
            bands.append(TimeBand(w.start, w.end, "workout", w.kind or "workout"))
        events = events_between(db, None, t0 - LOOKBACK_S, t1)
        spans, marks = _event_bands(events, t0, t1)
        bands.extend(spans)
        bands = [_clip(b, t0, t1) for b in bands if b.end > t0 and b.start < t1]
        return DayTrace(day, t0, t1, heart.t, heart.bpm, heart, bands, marks)


def _clip(band: TimeBand, t0: float, t1: float) -> TimeBand:
    return TimeBand(max(band.start, t0), min(band.end, t1), band.kind, band.label, band.stage)


def _sleep_bands(start: float, end: float, main: bool, detail: dict | str | None) -> list[TimeBand]:
    """Per-minute stages of a band sleep as bands; a sleep without them is one 'sleep' band."""
    if isinstance(detail, str):
        detail = json.loads(detail)
    stages = (detail or {}).get("stages")
    if stages:
        seg_start, seg_end, codes = minute_segments(start, stages, {str(c): c for c in range(4)})
        names = {0: "deep", 1: "light", 2: "REM", 3: "awake"}
        return [TimeBand(float(a), float(b), "sleep", names[int(c)], int(c))
                for a, b, c in zip(seg_start, seg_end, codes, strict=True)]
    return [TimeBand(start, end, "sleep", "sleep" if main else "nap", 4)]


def _event_bands(events: list, t0: float, t1: float) -> tuple[list[TimeBand], list[tuple[float, str]]]:
    spans: list[TimeBand] = []
    marks: list[tuple[float, str]] = []
    open_at: dict[int, float] = {}
    ends = {close: (begin, label) for begin, close, label in EVENT_SPANS}
    begins = {begin for begin, _, _ in EVENT_SPANS}
    for e in events:
        at = e.unix + e.subsec / 32768
        if e.event_id in begins:
            open_at.setdefault(e.event_id, at)
        elif e.event_id in ends:
            begin, label = ends[e.event_id]
            if begin in open_at:
                spans.append(TimeBand(open_at.pop(begin), at, "event", label))
        elif e.event_id in EVENT_MARKS and t0 <= at < t1:
            marks.append((at, EVENT_MARKS[EventId(e.event_id)]))
    for begin, at in open_at.items():  # still open when the day (or the stored data) ends
        label = next(lbl for b, _, lbl in EVENT_SPANS if b == begin)
        spans.append(TimeBand(at, t1, "event", label))
    return spans, marks


def today_local(dashboard: DashboardService) -> date:
    return datetime.fromtimestamp(datetime.now(UTC).timestamp() + dashboard.tz_offset_s, UTC).date()
