"""Fill `ReportData` for a period from the store's read side (one consistent snapshot)."""

from __future__ import annotations

from datetime import datetime

from healthdesk.clinical.load_band import load_band
from healthdesk.clinical.load_cloud import load_cloud
from healthdesk.clinical.load_series import load_series
from healthdesk.clinical.report_data import (
    BAND,
    WHOOP_CLOUD,
    Coverage,
    DailySeries,
    DeviceInfo,
    PatientInfo,
    Period,
    ReportData,
)
from healthdesk.clinical.review_text import load_review
from healthdesk.clinical.stats import BASELINE_WINDOW_DAYS
from healthdesk.store.database import Database


def load_report_data(
    db: Database, period: Period, *, generated_at: datetime, app_version: str,
    patient: PatientInfo | None = None, share_serial: bool = False,
    band_firmware: dict[str, str] | None = None, with_review: bool = False,
) -> ReportData:
    """Everything the PDF and the bundle show for `period`, plus 30 lead-in days for baselines.

    `patient` overrides the WHOOP profile (birth date, sex and identifiers exist only there); a name left
    empty there falls back to the profile name. `band_firmware` maps a stored device name to the firmware
    the band reported when paired (the store does not keep it). `with_review` adds the period review (the
    optional "review" section; drivers run over the whole history, so only when asked for).
    """
    with db.read() as conn:
        series = load_series(conn, period, BASELINE_WINDOW_DAYS)
        band = load_band(conn, period, share_serial, band_firmware)
        cloud = load_cloud(conn, period)
        review = load_review(conn, period) if with_review else None
    for source, values in ((BAND, band.avg_hr), (WHOOP_CLOUD, cloud.avg_hr)):
        if values:
            series.append(DailySeries("avg_hr", source, tuple(values)))

    patient = patient or PatientInfo()
    if not patient.name and cloud.name:
        patient = PatientInfo(cloud.name, patient.birth_date, patient.gender, patient.identifiers)

    days = {src: {v.day for s in series if s.source == src for v in s.values} for src in (BAND, WHOOP_CLOUD)}
    days[BAND] |= set(band.wear_minutes_by_day)
    sleeps = band.sleeps + cloud.sleeps
    coverage = Coverage(
        days_with_data={src: len(d) for src, d in days.items()},
        nights_with_sleep={src: sum(1 for s in sleeps if s.source == src and not s.nap)
                           for src in (BAND, WHOOP_CLOUD)},
        band_wear_minutes=round(sum(band.wear_minutes_by_day.values())),
    )

    devices: list[DeviceInfo] = []
    if days[BAND] or band.sleeps or band.workouts:
        devices.extend(band.devices[:1] or [DeviceInfo(BAND, "WHOOP 4.0")])
    if days[WHOOP_CLOUD] or cloud.sleeps or cloud.workouts or cloud.body:
        devices.append(DeviceInfo(WHOOP_CLOUD, "WHOOP cloud API (v2)"))

    return ReportData(
        period=period, generated_at=generated_at, app_version=app_version, patient=patient,
        devices=tuple(devices), series=tuple(series),
        sleeps=tuple(sorted(sleeps, key=lambda s: (s.start, s.source))),
        workouts=tuple(sorted(band.workouts + cloud.workouts, key=lambda w: (w.start, w.source))),
        body=tuple(cloud.body), coverage=coverage, review=review,
    )
