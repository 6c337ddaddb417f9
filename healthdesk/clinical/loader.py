"""Fill `ReportData` for a period from the store's read side (one consistent snapshot)."""

from __future__ import annotations

from datetime import datetime

from healthdesk.clinical.load_band import load_band
from healthdesk.clinical.load_cloud import load_cloud
from healthdesk.clinical.report_data import (
    BAND,
    WHOOP_CLOUD,
    Coverage,
    DeviceInfo,
    PatientInfo,
    Period,
    ReportData,
)
from healthdesk.clinical.stats import BASELINE_WINDOW_DAYS
from healthdesk.store.database import Database


def load_report_data(
    db: Database, period: Period, *, generated_at: datetime, app_version: str,
    patient: PatientInfo | None = None, share_serial: bool = False,
) -> ReportData:
    """Everything the PDF and the bundle show for `period`, plus 30 lead-in days for baselines.

    `patient` overrides the WHOOP profile (birth date, sex and identifiers exist only there); a name left
    empty there falls back to the profile name.
    """
    with db.read() as conn:
        band = load_band(conn, period, BASELINE_WINDOW_DAYS, share_serial)
        cloud = load_cloud(conn, period, BASELINE_WINDOW_DAYS)

    patient = patient or PatientInfo()
    if not patient.name and cloud.name:
        patient = PatientInfo(cloud.name, patient.birth_date, patient.gender, patient.identifiers)

    band_days = {d for d, worn in band.wear_minutes_by_day.items() if worn > 0 and period.contains(d)}
    band_days |= {v.day for s in band.series for v in s.values}
    cloud_days = {v.day for s in cloud.series for v in s.values}
    band_nights = {v.day for s in band.series if s.metric == "sleep_duration" for v in s.values}
    cloud_nights = {s.end.date() for s in cloud.sleeps if not s.nap}
    coverage = Coverage(
        days_with_data={BAND: len(band_days), WHOOP_CLOUD: len(cloud_days)},
        nights_with_sleep={BAND: len(band_nights), WHOOP_CLOUD: len(cloud_nights)},
        band_wear_minutes=round(sum(w for d, w in band.wear_minutes_by_day.items() if period.contains(d))),
    )

    devices: list[DeviceInfo] = []
    if band_days or band.series:
        devices.extend(band.devices[:1] or [DeviceInfo(BAND, "WHOOP 4.0")])
    if cloud_days or cloud.sleeps or cloud.workouts or cloud.body:
        devices.append(DeviceInfo(WHOOP_CLOUD, "WHOOP cloud API (v2)"))

    return ReportData(
        period=period, generated_at=generated_at, app_version=app_version, patient=patient,
        devices=tuple(devices), series=tuple(band.series + cloud.series),
        sleeps=tuple(sorted(cloud.sleeps, key=lambda s: (s.start, s.source))),
        workouts=tuple(sorted(cloud.workouts, key=lambda w: (w.start, w.source))),
        body=tuple(cloud.body), coverage=coverage,
    )
