"""The one input of the clinician export: a plain, immutable snapshot of a period's data.

`fhir.py` and `pdf.py` are pure functions of `ReportData`; `loader.py` fills it from the store's read side.
Every value keeps its source ('band' = computed locally from the band, 'whoop_cloud' = WHOOP's API); the
export never blends two sources into one number.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from healthdesk.core.insights.review import Review

BAND = "band"
WHOOP_CLOUD = "whoop_cloud"
SOURCES = (BAND, WHOOP_CLOUD)
SOURCE_LABELS = {BAND: "band (computed by healthdesk)", WHOOP_CLOUD: "WHOOP cloud"}
SOURCE_SHORT = {BAND: "Band", WHOOP_CLOUD: "WHOOP cloud"}

# Longest period one export may cover; longer asks are refused with a clear message.
MAX_PERIOD_DAYS = 731
# Parts of the report the user can leave out; a left-out part is marked as withheld, never as empty.
SECTIONS = ("vitals", "sleep", "workouts", "wellness")
# Parts only included when asked for (off by default; never in FHIR): the period review (docs/insights.md §3).
OPTIONAL_SECTIONS = ("review",)
ALL_SECTIONS = SECTIONS + OPTIONAL_SECTIONS
GENDERS = ("male", "female", "other", "unknown")  # FHIR administrative gender
SECTION_TITLES = {"vitals": "Vital signs", "sleep": "Sleep", "workouts": "Workouts", "wellness": "Wellness scores",
                  "review": "Period review"}


class InvalidPeriod(ValueError):
    """The requested period cannot be exported (message is one line for the user)."""


@dataclass(frozen=True)
class Period:
    """Inclusive local calendar days in the data owner's timezone."""

    start: date
    end: date
    timezone: str = "UTC"

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise InvalidPeriod(f"period ends ({self.end}) before it starts ({self.start})")
        if self.days > MAX_PERIOD_DAYS:
            raise InvalidPeriod(f"period of {self.days} days is longer than the {MAX_PERIOD_DAYS}-day maximum")
        try:
            ZoneInfo(self.timezone)
        except Exception as exc:  # ZoneInfoNotFoundError or a malformed key
            raise InvalidPeriod(f"unknown timezone {self.timezone!r}") from exc

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def day_start(self, day: date) -> datetime:
        """Local midnight opening `day`, timezone-aware."""
        return datetime.combine(day, time(0), self.tz)

    def day_end(self, day: date) -> datetime:
        return self.day_start(day + timedelta(days=1))

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end


@dataclass(frozen=True)
class PatientInfo:
    """From the WHOOP profile and the user's settings. Identifiers only when the user added them."""

    name: str | None = None
    birth_date: date | None = None
    gender: str | None = None  # FHIR AdministrativeGender: male | female | other | unknown
    identifiers: tuple[tuple[str, str], ...] = ()  # (system URI, value), user-supplied only


@dataclass(frozen=True)
class DeviceInfo:
    source: str  # BAND or WHOOP_CLOUD
    model: str
    manufacturer: str = "WHOOP"
    firmware: str | None = None
    serial: str | None = None  # set only when the user allowed sharing it


@dataclass(frozen=True)
class DailyValue:
    day: date
    value: float
    confidence: float = 1.0


@dataclass(frozen=True)
class DailySeries:
    """One metric from one source: `values` inside the period, `lead_in` the days before (baseline only)."""

    metric: str
    source: str
    values: tuple[DailyValue, ...]
    lead_in: tuple[DailyValue, ...] = ()


@dataclass(frozen=True)
class SleepSession:
    source: str
    start: datetime  # timezone-aware
    end: datetime
    asleep_min: float
    light_min: float | None = None
    deep_min: float | None = None
    rem_min: float | None = None
    awake_min: float | None = None
    nap: bool = False
    day: date | None = None  # the morning date naming the night / the cycle holding a nap (docs/metrics.md §1)
    edited: bool = False  # the user moved it (services/corrections): the PDF marks it, FHIR tags it


@dataclass(frozen=True)
class Workout:
    source: str
    start: datetime
    end: datetime
    sport: str
    strain: float | None = None
    avg_hr: float | None = None
    max_hr: float | None = None
    energy_kj: float | None = None
    day: date | None = None  # the morning date of the cycle holding the workout's start
    edited: bool = False  # relabelled or added by the user (services/corrections)


@dataclass(frozen=True)
class BodyMeasurement:
    """Height/weight as a source reports them (WHOOP's are profile values, not weighings)."""

    source: str
    measured_at: datetime
    height_m: float | None = None
    weight_kg: float | None = None


@dataclass(frozen=True)
class Coverage:
    """What data exists in the period, per source; shown verbatim so gaps are never hidden."""

    days_with_data: dict[str, int] = field(default_factory=dict)
    nights_with_sleep: dict[str, int] = field(default_factory=dict)
    band_wear_minutes: int = 0


@dataclass(frozen=True)
class ReportData:
    period: Period
    generated_at: datetime  # timezone-aware; drives `issued`, the PDF header and determinism
    app_version: str
    patient: PatientInfo = PatientInfo()
    devices: tuple[DeviceInfo, ...] = ()
    series: tuple[DailySeries, ...] = ()
    sleeps: tuple[SleepSession, ...] = ()
    workouts: tuple[Workout, ...] = ()
    body: tuple[BodyMeasurement, ...] = ()
    coverage: Coverage = Coverage()
    sections: frozenset[str] = frozenset(SECTIONS)
    review: Review | None = field(default=None, compare=False)  # filled by the loader only when asked for

    def __post_init__(self) -> None:
        if self.generated_at.tzinfo is None:
            raise ValueError("generated_at must be timezone-aware")
        unknown = set(self.sections) - set(ALL_SECTIONS)
        if unknown:
            raise ValueError(f"unknown report section(s): {', '.join(sorted(unknown))}")

    def includes(self, section: str) -> bool:
        return section in self.sections

    @property
    def withheld(self) -> list[str]:
        """Titles of the sections the user left out, in report order."""
        return [SECTION_TITLES[s] for s in SECTIONS if s not in self.sections]

    def series_for(self, metric: str, source: str) -> DailySeries | None:
        for s in self.series:
            if s.metric == metric and s.source == source and s.values:
                return s
        return None

    def device_for(self, source: str) -> DeviceInfo | None:
        return next((d for d in self.devices if d.source == source), None)

    @property
    def has_any_data(self) -> bool:
        return any(s.values for s in self.series) or bool(self.sleeps or self.workouts or self.body)
