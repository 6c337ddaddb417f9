"""What the Today page needs beyond the shown values: how today compares with the person's normal.

For each vital (resting HR, HRV, respiratory rate) the trailing 7-day sparkline and the typical range
(median ± 1·σ̂ of the trailing 30 days, docs/architecture.md "Today", metrics.md §18 "typical range"), whether
today sits below, inside or above it, the strain target that goes with the recovery zone, last night's sleep
against its need, and how old the newest stored data is (the stale-data banner). Blocking, Qt-free; runs on
the UI's reader thread.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone

import numpy as np

from healthdesk.core.metrics.baseline import baseline_band, recovery_zone
from healthdesk.services.dashboard import DashboardService
from healthdesk.services.dashboard_types import MetricValue
from healthdesk.store.band_reads import list_devices
from healthdesk.store.derived import DailyValue, daily_values_between, preferred

VITALS = {"resting_hr": "bpm", "hrv_rmssd": "ms", "respiratory_rate": "br/min"}
VITAL_WORDS = {"resting_hr": "resting HR", "hrv_rmssd": "HRV", "respiratory_rate": "respiratory rate"}
# A higher value is the better direction for recovery (metrics.md §12): HRV up is good, RHR and breathing down.
HIGHER_IS_BETTER = {"hrv_rmssd": True, "resting_hr": False, "respiratory_rate": False}
SPARK_DAYS = 7
RANGE_WINDOW_DAYS = 30
TYPICAL_K = 1.0  # typical range = centre ± 1·σ̂ (about two days in three fall inside)
STALE_AFTER_S = 86400.0
EXTRA_METRICS = ("recovery", "sleep_debt", "sleep_need", "sleep_duration", "sleep_efficiency", "respiratory_rate", "sleep_deep",
                 "sleep_light", "sleep_rem", "time_in_bed")
STAGE_METRICS = (("Deep", "sleep_deep"), ("Light", "sleep_light"), ("REM", "sleep_rem"))
# What "inside your range" means is judged at the precision the tile shows: 52 against "52-57" is inside.
SHOWN_STEP = {"resting_hr": 1.0, "hrv_rmssd": 1.0, "respiratory_rate": 0.1}
# Day strain that suits each recovery zone (0-21 scale, metrics.md §8): push on green, hold on yellow,
# rest on red. A guideline band drawn on the strain gauge, never a score.
STRAIN_TARGETS = {"green": (14.0, 18.0), "yellow": (10.0, 14.0), "red": (0.0, 10.0)}


@dataclass(frozen=True)
class TypicalRange:
    centre: float
    low: float
    high: float
    days: int


@dataclass(frozen=True)
class Vital:
    metric: str
    value: MetricValue
    spark_t: np.ndarray  # POSIX seconds of each day's noon, the last SPARK_DAYS days up to the shown day
    spark_y: np.ndarray  # NaN where a day has no value
    typical: TypicalRange | None
    position: str | None  # 'below' | 'within' | 'above' | None (no value or no range yet)


@dataclass(frozen=True)
class Freshness:
    newest: datetime | None  # the newest stored band record (or the newest day with any value)
    what: str  # 'band' | 'data'
    stale: bool

    def banner_text(self) -> str:
        if self.newest is None or not self.stale:
            return ""
        when = f"{self.newest.astimezone():%d %b %Y}"
        if self.what == "band":
            return f"Latest band data: {when} \u2014 sync the band to see today"
        return f"Latest data: {when} \u2014 sync the band or WHOOP cloud to see today"


@dataclass(frozen=True)
class TodayContext:
    day: date | None
    vitals: dict[str, Vital] = field(default_factory=dict)
    drivers: str = ""  # "HRV above your range, resting HR normal"
    zone: str | None = None
    strain_target: tuple[float, float] | None = None
    sleep_debt: MetricValue | None = None
    freshness: Freshness = Freshness(None, "data", False)
    stages: list[tuple[str, float]] = field(default_factory=list)  # (stage, minutes) of last night; awake last
    recovery_note: str = ""  # e.g. 'calibrating:have=5,need=14' on a recovery that has a value


def day_noon(d: date, tz_offset_s: int) -> float:
    """POSIX seconds of local noon of `d` (where day-valued charts put each day)."""
    return datetime(d.year, d.month, d.day, 12, tzinfo=timezone(timedelta(seconds=tz_offset_s))).timestamp()


def _typical(values: list[float | None], metric: str) -> TypicalRange | None:
    band = baseline_band(values, metric, k=TYPICAL_K)
    return TypicalRange(band.centre, band.low, band.high, band.days) if band else None


def _position(value: float | None, typical: TypicalRange | None, step: float = 1e-9) -> str | None:
    if value is None or typical is None:
        return None
    shown, low, high = (round(x / step) for x in (value, typical.low, typical.high))
    if shown < low:
        return "below"
    if shown > high:
        return "above"
    return "within"


def driver_words(vitals: dict[str, Vital]) -> str:
    """Each vital against its range in words, the ones outside first: 'HRV above your range, resting HR normal'."""
    outside, normal = [], []
    for metric in ("hrv_rmssd", "resting_hr", "respiratory_rate"):
        vital = vitals.get(metric)
        if vital is None or vital.position is None:
            continue
        if vital.position == "within":
            normal.append(f"{VITAL_WORDS[metric]} normal")
        else:
            outside.append(f"{VITAL_WORDS[metric]} {vital.position} your range")
    words = ", ".join(outside + normal)
    return words[:1].upper() + words[1:] if words else ""


def _to_value(row: DailyValue | None, metric: str, unit: str, day: date) -> MetricValue:
    if row is None:
        return MetricValue.missing(metric, unit, "no_data", day)
    note = str((row.detail or {}).get("note", "") or "") if row.value is None else ""
    return MetricValue(metric, row.value, row.unit, row.confidence if row.value is not None else 0.0,
                       row.source, day, note or ("no_data" if row.value is None else ""))


def freshness(dashboard: DashboardService, now: datetime | None = None) -> Freshness:
    now = now or datetime.now(UTC)
    db = dashboard.database
    if db is None:
        return Freshness(None, "data", False)
    seen = [d.last_seen for d in list_devices(db) if d.last_seen]
    if seen:
        newest = datetime.fromtimestamp(max(seen), UTC)
        return Freshness(newest, "band", (now - newest).total_seconds() > STALE_AFTER_S)
    day = dashboard.latest_day()
    if day is None:
        return Freshness(None, "data", False)
    # A day-valued row covers its whole day: stale once that day ended more than a day ago.
    noon = day_noon(day, dashboard.tz_offset_s)
    stale = now.timestamp() - (noon + 43200) > STALE_AFTER_S
    return Freshness(datetime.fromtimestamp(noon, UTC), "data", stale)


def today_context(dashboard: DashboardService, day: date | None, recovery: float | None = None,
                  now: datetime | None = None) -> TodayContext:
    """Everything for `day` (the day Today shows); `recovery` picks the strain target."""
    fresh = freshness(dashboard, now)
    db = dashboard.database
    if day is None or db is None:
        return TodayContext(day, freshness=fresh)
    with db.read() as conn:
        rows = daily_values_between(conn, day - timedelta(days=RANGE_WINDOW_DAYS), day,
                                    metrics=list(VITALS) + list(EXTRA_METRICS))
    shown = preferred(r for r in rows if r.value is not None)
    shown_today = preferred(r for r in rows if r.day == day.isoformat())
    tz = dashboard.tz_offset_s
    vitals: dict[str, Vital] = {}
    for metric, unit in VITALS.items():
        value = _to_value(shown_today.get((day.isoformat(), metric)), metric, unit, day)
        source = value.source or "band"
        # The range comes from the same source as today's value: band and WHOOP numbers are not mixed.
        trailing = [r.value for r in sorted(rows, key=lambda r: r.day)
                    if r.metric == metric and r.source == source and r.day < day.isoformat()]
        typical = _typical(trailing, metric)
        spark_days = [day - timedelta(days=SPARK_DAYS - 1 - k) for k in range(SPARK_DAYS)]
        spark_y = np.array([
            (shown[(d.isoformat(), metric)].value if (d.isoformat(), metric) in shown else np.nan)
            for d in spark_days
        ], dtype=np.float64)
        spark_t = np.array([day_noon(d, tz) for d in spark_days], dtype=np.float64)
        vitals[metric] = Vital(metric, value, spark_t, spark_y, typical,
                               _position(value.value, typical, SHOWN_STEP[metric]))
    zone = recovery_zone(recovery)
    debt_row = shown_today.get((day.isoformat(), "sleep_debt"))
    return TodayContext(
        day, vitals, driver_words(vitals), zone, STRAIN_TARGETS.get(zone or ""),
        _to_value(debt_row, "sleep_debt", "min", day), fresh, _stages(shown_today, day),
        _note(shown_today.get((day.isoformat(), "recovery"))),
    )


def _note(row: DailyValue | None) -> str:
    return str((row.detail or {}).get("note", "") or "") if row is not None else ""


def _stages(shown: dict[tuple[str, str], DailyValue], day: date) -> list[tuple[str, float]]:
    """Last night's stage minutes from one source; awake = time in bed - asleep stages, when in bed is known."""
    rows = [shown.get((day.isoformat(), metric)) for _, metric in STAGE_METRICS]
    if any(r is None or r.value is None for r in rows) or len({r.source for r in rows if r}) != 1:
        return []
    out = [(name, float(r.value)) for (name, _), r in zip(STAGE_METRICS, rows, strict=True) if r and r.value]
    in_bed = shown.get((day.isoformat(), "time_in_bed"))
    if in_bed is not None and in_bed.value is not None and in_bed.source == rows[0].source:  # type: ignore[union-attr]
        out.append(("Awake", max(0.0, float(in_bed.value) - sum(m for _, m in out))))
    return out


_NUMBERS = re.compile(r"(\d+)")


def calibrating_note(note: str) -> str:
    """'calibrating:have=3,need=14' (or any note naming the nights) -> 'calibrating (3 of 14 nights)'."""
    if not note.startswith(("calibrating", "need_baseline")):
        return ""
    numbers = _NUMBERS.findall(note)
    if len(numbers) >= 2:
        return f"calibrating ({numbers[0]} of {numbers[1]} nights)"
    return "calibrating"
