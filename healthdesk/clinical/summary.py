"""Wording and tables that the PDF report and the share view present alike (one source, two renderings)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, tzinfo

from healthdesk.clinical.catalogue import METRICS, format_value
from healthdesk.clinical.report_data import BAND, SOURCE_SHORT, SOURCES, ReportData, SleepSession, Workout
from healthdesk.clinical.stats import (
    plural,
    summarize,
    trend_text,
)
from healthdesk.core.metrics.trajectory import METHOD_WORDS as TREND_METHOD

SUMMARY_HEAD = ["Measurement", "Unit", "Source", "Days", "Min", "Median", "Max", "Trend (last 30 days)"]
NO_VITALS = "No vital-sign data recorded in this period (no value is shown rather than a guess)."
TREND_NOTE = f"Trend, as on the app's Trends page: {TREND_METHOD}; otherwise 'no clear trend'."


def sleep_measures_note(rows: list[list[str]]) -> str:
    """What the sleep-time rows (summary_rows) measure, naming only measures present (absent ones go
    unmentioned)."""
    labels = {row[0] for row in rows}
    sleep_time = [word for word, key in (("resting HR", "resting_hr"), ("HRV as RMSSD - not SDNN -", "hrv_rmssd"),
                                         ("SpO2", "spo2"), ("respiratory rate", "respiratory_rate"))
                  if METRICS[key].label in labels]
    parts = []
    if sleep_time:
        parts.append(f"Sleep-time measures ({', '.join(sleep_time)}) are measured during sleep.")
    if METRICS["skin_temp"].label in labels:
        parts.append("Skin temperature is peripheral wrist skin, not core body temperature.")
    parts.append("Band and WHOOP cloud rows are separate sources, never averaged together.")
    return " ".join(parts)


def sources_text(data: ReportData) -> str:
    names = []
    for src in SOURCES:
        dev = data.device_for(src)
        if dev or data.coverage.days_with_data.get(src):
            label = "WHOOP 4.0 band, computed by healthdesk" if src == BAND else "WHOOP cloud API"
            if dev and dev.firmware:
                label += f" (firmware {dev.firmware})"
            names.append(label)
    return "; ".join(names) or "none"


def coverage_text(data: ReportData) -> tuple[str, str]:
    """(lead, details): e.g. ("Data coverage: ", "Band: 6 of 7 days with data, 6 nights with sleep, 140.2 h worn.")."""
    cov, days = data.coverage, data.period.days
    parts = []
    for src in SOURCES:
        n_days, nights = cov.days_with_data.get(src, 0), cov.nights_with_sleep.get(src, 0)
        if not n_days and not nights:
            parts.append(f"{SOURCE_SHORT[src]}: no data recorded")
            continue
        text = (f"{SOURCE_SHORT[src]}: {n_days} of {plural(days, 'day')} with data, "
                f"{plural(nights, 'night')} with sleep")
        if src == BAND:
            text += f", {cov.band_wear_minutes / 60:.1f} h worn"
        parts.append(text)
    lead = "Data coverage: " if data.has_any_data else "Data coverage: no data recorded in this period. "
    return lead, "; ".join(parts) + "."


def summary_rows(data: ReportData, keys: Iterable[str]) -> list[list[str]]:
    """Min / median / max / trend per metric and source (never blended), rows shaped like SUMMARY_HEAD."""
    rows = []
    for key in keys:
        spec = METRICS[key]
        for src in SOURCES:
            series = data.series_for(key, src)
            s = summarize(series.values) if series else None
            if s is None:
                continue
            d = spec.decimals
            rows.append([spec.label, spec.display_unit, SOURCE_SHORT[src], str(s.n), format_value(s.minimum, d),
                         format_value(s.median, d), format_value(s.maximum, d),
                         trend_text(s, d, spec.display_unit)])
    return rows


def body_rows(data: ReportData) -> list[list[str]]:
    """The latest body measurement (weight, height, BMI), dated in the report's time zone."""
    rows = []
    for m in sorted(data.body, key=lambda m: m.measured_at)[-1:]:
        when = f"as of {m.measured_at.astimezone(data.period.tz).date().isoformat()}"
        src = SOURCE_SHORT[m.source]
        if m.weight_kg is not None:
            rows.append(["Body weight", "kg", src, "1", "", f"{m.weight_kg:.1f}", "", when])
        if m.height_m is not None:
            rows.append(["Body height", "cm", src, "1", "", f"{m.height_m * 100:.0f}", "", when])
        if m.weight_kg is not None and m.height_m:
            rows.append(["Body mass index", "kg/m2", src, "1", "", f"{m.weight_kg / m.height_m ** 2:.1f}", "",
                         "computed"])
    return rows


# --- one day label and one asleep number for the sleep and workout tables (docs/metrics.md §1) ---------------
NIGHT_HEAD = "Night ending"  # a night is named by the morning it ends on: the app's, summary's and FHIR's date
SLEEP_HEAD = [NIGHT_HEAD, "Source", "In bed", "Asleep (min)", "Light (min)", "Deep (min)", "REM (min)",
              "Awake (min)"]
NAP_HEAD = ["Day", "Source", "Time", "Asleep (min)"]
WORKOUT_DAY_HEAD = "Day"


def night_day(s: SleepSession, tz: tzinfo) -> date:
    """The morning date naming a sleep (its stored label; the local wake date when a record has none)."""
    return s.day if s.day is not None else s.end.astimezone(tz).date()


def workout_day(w: Workout, tz: tzinfo) -> date:
    return w.day if w.day is not None else w.start.astimezone(tz).date()


def asleep_text(minutes: float) -> str:
    """Asleep minutes as every table shows them: whole minutes, the number `summary` and the app give."""
    return f"{minutes:.0f}"


def sleep_rows(sleeps: Iterable[SleepSession], tz: tzinfo) -> list[list[str]]:
    rows = []
    for s in sleeps:
        start, end = s.start.astimezone(tz), s.end.astimezone(tz)
        rows.append([night_day(s, tz).isoformat() + ("*" if s.edited else ""), SOURCE_SHORT[s.source],
                     f"{start:%H:%M}-{end:%H:%M}",
                     asleep_text(s.asleep_min), format_value(s.light_min, 0), format_value(s.deep_min, 0),
                     format_value(s.rem_min, 0), format_value(s.awake_min, 0)])
    return rows


def nap_rows(naps: Iterable[SleepSession], tz: tzinfo) -> list[list[str]]:
    return [[night_day(s, tz).isoformat(), SOURCE_SHORT[s.source],
             f"{s.start.astimezone(tz):%H:%M}-{s.end.astimezone(tz):%H:%M}", asleep_text(s.asleep_min)]
            for s in naps]
