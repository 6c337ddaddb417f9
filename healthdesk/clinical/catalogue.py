"""What each exported metric is: label, UCUM unit, FHIR category and codes (clinical.md §2, §3.2).

Only LOINC codes listed in `LOINC_CODES` may appear under http://loinc.org; anything without a verified
LOINC (HRV RMSSD, wrist skin temperature, sleep stages, WHOOP scores) gets a code in healthdesk's own
CodeSystem plus plain text. HRV RMSSD is never 80404-7 (that code means SDNN); skin temperature is never
8310-5 (body temperature).
"""

from __future__ import annotations

from dataclasses import dataclass

LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
# Our own CodeSystem for concepts without a trustworthy LOINC; `.invalid` is reserved, so it can't clash.
HEALTHDESK_CODES = "http://healthdesk.invalid/fhir/CodeSystem/wearable"

LOINC_CODES: dict[str, str] = {
    "8867-4": "Heart rate",
    "40443-4": "Heart rate --resting",
    "2708-6": "Oxygen saturation in Arterial blood",
    "59408-5": "Oxygen saturation in Arterial blood by Pulse oximetry",
    "9279-1": "Respiratory rate",
    "29463-7": "Body weight",
    "8302-2": "Body height",
    "39156-5": "Body mass index (BMI) [Ratio]",
    "93832-4": "Sleep duration",
    "11503-0": "Medical records",
}

VITAL_SIGNS = "vital-signs"
SURVEY = "survey"
ACTIVITY = "activity"

WELLNESS_NOTE = (
    "Vendor wellness score (WHOOP-style, proprietary method): descriptive only, not a clinical "
    "assessment and not a diagnosis."
)
DISCLAIMER = (
    "Patient-generated wearable data. healthdesk is not a medical device; nothing in this report is a "
    "diagnosis."
)

Coding = tuple[str, str, str]  # (system, code, display)


@dataclass(frozen=True)
class MetricSpec:
    key: str
    label: str
    unit: str  # UCUM code, also used as the display unit
    category: str
    codings: tuple[Coding, ...]
    text: str
    decimals: int = 0
    in_fhir_series: bool = True
    # The typical range's minimum half-width, floor and ceiling live in core/metrics/baseline.py (§18).
    how_measured: str = ""
    unit_text: str = ""  # what a reader sees in the PDF; the UCUM code when empty

    @property
    def display_unit(self) -> str:
        return self.unit_text or self.unit

    @property
    def wellness(self) -> bool:
        return self.category == SURVEY


def _loinc(code: str) -> Coding:
    return (LOINC, code, LOINC_CODES[code])


def _own(code: str, display: str) -> Coding:
    return (HEALTHDESK_CODES, code, display)


DAILY_METRICS: tuple[MetricSpec, ...] = (
    MetricSpec("resting_hr", "Resting heart rate", "/min", VITAL_SIGNS,
               (_loinc("40443-4"), _loinc("8867-4")), "Resting heart rate (during sleep)",
               how_measured="lowest sustained HR during sleep",
               unit_text="bpm"),
    MetricSpec("hrv_rmssd", "HRV (RMSSD)", "ms", VITAL_SIGNS,
               (_own("hrv-rmssd", "Heart rate variability, RMSSD"),), "Heart rate variability (RMSSD)",
               how_measured="RMSSD of R-R intervals during sleep (not SDNN)"),
    MetricSpec("avg_hr", "Heart rate, daily mean", "/min", VITAL_SIGNS, (_loinc("8867-4"),),
               "Heart rate, mean over the day", unit_text="bpm"),
    MetricSpec("spo2", "SpO2 (sleep average)", "%", VITAL_SIGNS, (_loinc("2708-6"), _loinc("59408-5")),
               "Oxygen saturation by pulse oximetry, sleep average", decimals=1,
               how_measured="wrist pulse oximetry, sleep average"),
    MetricSpec("respiratory_rate", "Respiratory rate (sleep)", "/min", VITAL_SIGNS, (_loinc("9279-1"),),
               "Respiratory rate during sleep", decimals=1,
               unit_text="breaths/min"),
    MetricSpec("skin_temp", "Wrist skin temperature", "Cel", VITAL_SIGNS,
               (_own("wrist-skin-temperature", "Wrist skin temperature (peripheral, not body temperature)"),),
               "Wrist skin temperature (peripheral; not core body temperature)", decimals=1,
               how_measured="peripheral wrist skin, during sleep",
               unit_text="\u00b0C"),
    MetricSpec("sleep_duration", "Sleep duration (asleep)", "h", ACTIVITY, (_loinc("93832-4"),),
               "Sleep duration", decimals=1, in_fhir_series=False),
    MetricSpec("recovery", "Recovery", "%", SURVEY, (_own("recovery-score", "Recovery score"),),
               "Recovery score (wellness)"),
    MetricSpec("day_strain", "Day strain", "{score}", SURVEY, (_own("day-strain", "Day strain (0-21)"),),
               "Day strain score, 0-21 (wellness)", decimals=1,
               unit_text="score 0-21"),
    MetricSpec("sleep_performance", "Sleep performance", "%", SURVEY,
               (_own("sleep-performance", "Sleep performance score"),), "Sleep performance score (wellness)"),
)
METRICS: dict[str, MetricSpec] = {m.key: m for m in DAILY_METRICS}

VITAL_KEYS = tuple(m.key for m in DAILY_METRICS if not m.wellness)
WELLNESS_KEYS = tuple(m.key for m in DAILY_METRICS if m.wellness)
CHART_KEYS = ("resting_hr", "hrv_rmssd", "sleep_duration", "recovery")

# Body measurements and sleep sessions (not daily series).
WEIGHT = MetricSpec("weight", "Body weight", "kg", VITAL_SIGNS, (_loinc("29463-7"),), "Body weight", 1)
HEIGHT = MetricSpec("height", "Body height", "cm", VITAL_SIGNS, (_loinc("8302-2"),), "Body height", 1)
BMI = MetricSpec("bmi", "Body mass index", "kg/m2", VITAL_SIGNS, (_loinc("39156-5"),), "Body mass index", 1)
# One Observation per main sleep (LOINC 93832-4, in minutes: the number `summary` and the app show); a nap is
# not a night's sleep duration and gets its own code (docs/architecture.md "Day model").
SLEEP_SESSION = MetricSpec("sleep_session", "Sleep (one night)", "min", ACTIVITY, (_loinc("93832-4"),),
                           "Sleep duration (asleep) for one night's main sleep", 0)
NAP_SESSION = MetricSpec("nap_session", "Nap", "min", ACTIVITY, (_own("nap-duration", "Nap duration (asleep)"),),
                         "Nap duration (asleep) for one nap", 0)
SLEEP_STAGES: tuple[tuple[str, Coding], ...] = (
    ("light_min", _own("sleep-stage-light", "Light sleep duration")),
    ("deep_min", _own("sleep-stage-deep", "Slow-wave (deep) sleep duration")),
    ("rem_min", _own("sleep-stage-rem", "REM sleep duration")),
    ("awake_min", _own("sleep-stage-awake", "Awake time in bed")),
)


def format_value(value: float | None, decimals: int) -> str:
    """A dash for missing values (never a made-up zero)."""
    if value is None:
        return "-"
    return f"{value:.{decimals}f}"
