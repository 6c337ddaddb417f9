"""Hand-built ReportData for the clinical tests: known values, both sources, fully deterministic."""

from __future__ import annotations

import math
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from healthdesk.clinical.report_data import (
    BAND,
    WHOOP_CLOUD,
    BodyMeasurement,
    Coverage,
    DailySeries,
    DailyValue,
    DeviceInfo,
    PatientInfo,
    Period,
    ReportData,
    SleepSession,
    Workout,
)

TZ = "Europe/Berlin"
GENERATED_AT = datetime(2026, 11, 21, 9, 30, tzinfo=ZoneInfo(TZ))
PATIENT = PatientInfo(name="Alex Example", birth_date=date(1985, 4, 12), gender="female")

# metric -> (centre, weekly wobble amplitude) for a plausible, gently varying daily series
SHAPES = {
    "resting_hr": (56.0, 3.0), "hrv_rmssd": (48.0, 8.0), "avg_hr": (71.0, 4.0),
    "spo2": (96.2, 0.8), "respiratory_rate": (14.6, 0.6), "skin_temp": (33.9, 0.3),
    "sleep_duration": (7.2, 0.7), "recovery": (62.0, 18.0), "day_strain": (11.5, 4.0),
    "sleep_performance": (84.0, 8.0),
}
BAND_METRICS = ("resting_hr", "hrv_rmssd", "avg_hr", "sleep_duration", "recovery", "day_strain")
CLOUD_METRICS = tuple(SHAPES)


def value_on(metric: str, day: date, source: str) -> float:
    centre, amp = SHAPES[metric]
    k = day.toordinal()
    offset = 0.5 if source == WHOOP_CLOUD else 0.0  # the two sources differ a little, as in life
    return round(centre + offset + amp * math.sin(k / 3.1) * 0.8 + amp * 0.2 * math.cos(k * 1.7), 3)


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def make_series(metrics, source, period: Period, skip_every: int = 0, lead_in_days: int = 30):
    out = []
    for m in metrics:
        vals = tuple(DailyValue(d, value_on(m, d, source)) for i, d in enumerate(_days(period.start, period.end))
                     if not (skip_every and i % skip_every == skip_every - 1))
        lead = tuple(DailyValue(d, value_on(m, d, source))
                     for d in _days(period.start - timedelta(days=lead_in_days), period.start - timedelta(days=1)))
        out.append(DailySeries(m, source, vals, lead))
    return tuple(out)


def make_sleeps(source, period: Period, skip_every: int = 0):
    tz = ZoneInfo(period.timezone)
    out = []
    for i, d in enumerate(_days(period.start, period.end)):
        if skip_every and i % skip_every == skip_every - 1:
            continue
        start = datetime.combine(d - timedelta(days=1), time(23, 10), tz) + timedelta(minutes=(i * 7) % 40)
        asleep = value_on("sleep_duration", d, source) * 60
        light, deep, rem = asleep * 0.52, asleep * 0.2, asleep * 0.28
        awake = 25.0 + (i % 4) * 5
        end = start + timedelta(minutes=asleep + awake)
        out.append(SleepSession(source, start, end, asleep, light, deep, rem, awake))
    return tuple(out)


def make_workouts(source, period: Period):
    tz = ZoneInfo(period.timezone)
    out = []
    for i, d in enumerate(_days(period.start, period.end)):
        if i % 3 == 1:
            start = datetime.combine(d, time(18, 0), tz)
            out.append(Workout(source, start, start + timedelta(minutes=45 + i % 20), "Running",
                               strain=10.0 + (i % 5), avg_hr=142.0 + i % 9, max_hr=171.0 + i % 7,
                               energy_kj=1900.0 + 10 * i))
    return tuple(out)


def report(period: Period | None = None, *, band: bool = True, cloud: bool = True, skip_every: int = 5,
           generated_at: datetime = GENERATED_AT) -> ReportData:
    period = period or Period(date(2026, 10, 1), date(2026, 10, 31), TZ)
    tz = ZoneInfo(period.timezone)
    series, sleeps, workouts, body, devices = (), (), (), (), []
    days_with, nights = {}, {}
    if band:
        series += make_series(BAND_METRICS, BAND, period, skip_every)
        sleeps += make_sleeps(BAND, period, skip_every)
        workouts += make_workouts(BAND, period)
        devices.append(DeviceInfo(BAND, "WHOOP 4.0", firmware="41.16.6.0"))
        days_with[BAND] = len(series[0].values)
        nights[BAND] = len(sleeps)
    if cloud:
        cs = make_series(CLOUD_METRICS, WHOOP_CLOUD, period)
        series += cs
        cloud_sleeps = make_sleeps(WHOOP_CLOUD, period)
        sleeps += cloud_sleeps
        workouts += make_workouts(WHOOP_CLOUD, period)
        body += (BodyMeasurement(WHOOP_CLOUD, datetime.combine(period.end, time(8, 0), tz), 1.72, 68.4),)
        devices.append(DeviceInfo(WHOOP_CLOUD, "WHOOP cloud API (v2)"))
        days_with[WHOOP_CLOUD] = len(cs[0].values)
        nights[WHOOP_CLOUD] = len(cloud_sleeps)
    wear = days_with.get(BAND, 0) * 22 * 60
    return ReportData(
        period=period, generated_at=generated_at, app_version="0.1.0", patient=PATIENT,
        devices=tuple(devices), series=series, sleeps=sleeps, workouts=workouts, body=body,
        coverage=Coverage(days_with, nights, wear),
    )
