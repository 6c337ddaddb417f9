"""ReportData from a real SQLite store: WHOOP-cloud records and band samples written by the store's APIs."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from healthdesk.clinical.loader import load_report_data
from healthdesk.clinical.report_data import BAND, WHOOP_CLOUD, PatientInfo, Period
from healthdesk.store.database import open_database

from .store_fill import (
    BAND_DAYS,
    BAND_HR,
    BAND_NAME,
    BAND_VALUES,
    BAND_WEAR_S,
    CALIBRATING_DAY,
    DELETED_RECOVERY_DAY,
    NAP_DAY,
    PENDING_DAY,
)
from .whoop_records import truth

OCT = Period(date(2026, 10, 1), date(2026, 10, 31), "Europe/Berlin")
GEN = datetime(2026, 11, 21, 9, 30, tzinfo=ZoneInfo("Europe/Berlin"))
OCT_DAYS = [OCT.start + timedelta(days=i) for i in range(OCT.days)]


@pytest.fixture
def october(store_path):
    with open_database(store_path) as db:
        return load_report_data(db, OCT, generated_at=GEN, app_version="0.1.0")


RECOVERY_METRICS = ("resting_hr", "hrv_rmssd", "spo2", "skin_temp", "recovery")


@pytest.mark.parametrize("metric", ["resting_hr", "hrv_rmssd", "spo2", "skin_temp", "respiratory_rate",
                                    "sleep_performance", "sleep_duration", "day_strain", "avg_hr", "recovery"])
def test_cloud_series_are_the_stored_values_by_cycle_day(october, metric):
    excluded = {PENDING_DAY} | ({DELETED_RECOVERY_DAY} if metric in RECOVERY_METRICS else set())
    expected = {d: pytest.approx(truth(d)[metric]) for d in OCT_DAYS if d not in excluded}
    series = october.series_for(metric, WHOOP_CLOUD)
    assert {v.day: v.value for v in series.values} == expected
    if metric in RECOVERY_METRICS:  # WHOOP flags the calibrating night's recovery as provisional
        assert {v.day for v in series.values if v.confidence < 1} == {CALIBRATING_DAY}
    if metric != "avg_hr":  # 30 lead-in days feed the baseline band and never leak into the period
        assert [v.day for v in series.lead_in] == [OCT.start - timedelta(days=30 - i) for i in range(30)]


def test_band_series_from_derived_values_and_rollups(october):
    for metric, (_unit, value) in BAND_VALUES.items():
        expected = value / 60 if metric == "sleep_duration" else value
        assert [(v.day, v.value) for v in october.series_for(metric, BAND).values] == \
            [(d, expected) for d in BAND_DAYS], metric
    assert october.series_for("spo2", BAND) is None  # stored as "no value, confidence 0"
    avg = october.series_for("avg_hr", BAND).values
    assert [v.day for v in avg] == list(BAND_DAYS)
    assert all(v.value == pytest.approx(BAND_HR) and v.confidence == pytest.approx(BAND_WEAR_S / 60 / 960, abs=0.01)
               for v in avg)


def test_sleeps_and_workouts_from_both_sources(october):
    cloud = [s for s in october.sleeps if s.source == WHOOP_CLOUD and not s.nap]
    assert len(cloud) == OCT.days - 1  # the unscored night is left out
    assert [n.start.date() for n in october.sleeps if n.nap] == [NAP_DAY]
    s = cloud[0]
    assert (s.asleep_min, s.light_min, s.deep_min, s.rem_min, s.awake_min) == (420, 240, 90, 90, 30)
    # the night named 2026-10-01 is the one ending that morning (morning-date labels, metrics §1)
    assert s.day == OCT.start
    assert s.start.isoformat() == "2026-09-30T23:00:00+02:00" and s.end.isoformat() == "2026-10-01T07:30:00+02:00"
    assert cloud[-1].end.utcoffset() == timedelta(hours=1)  # after the DST change, in the record's own offset
    band = [s for s in october.sleeps if s.source == BAND]
    assert [(s.day, s.asleep_min, s.light_min, s.deep_min, s.rem_min, s.awake_min) for s in band] == \
        [(d, 400.0, 240.0, 80.0, 80.0, 60.0) for d in BAND_DAYS]
    cloud_workouts = [(w.day, w.start.date()) for w in october.workouts if w.source == WHOOP_CLOUD]
    assert cloud_workouts == [(d, d) for d in OCT_DAYS if d.toordinal() % 3 == 0 and d != PENDING_DAY]
    band_workouts = [(w.start.date(), w.avg_hr, w.max_hr) for w in october.workouts if w.source == BAND]
    assert band_workouts == [(d, 141.0, 169.0) for d in BAND_DAYS]


def test_profile_body_and_coverage(october):
    assert october.patient.name == "Alex Example"
    (body,) = october.body
    assert (body.source, body.height_m, body.weight_kg) == (WHOOP_CLOUD, 1.72, 68.4)
    cov = october.coverage
    assert cov.days_with_data == {BAND: len(BAND_DAYS), WHOOP_CLOUD: OCT.days - 1}
    assert cov.nights_with_sleep == {BAND: len(BAND_DAYS), WHOOP_CLOUD: OCT.days - 1}
    assert abs(cov.band_wear_minutes - len(BAND_DAYS) * BAND_WEAR_S / 60) <= 2  # partial edge minutes
    band_dev = october.device_for(BAND)
    assert band_dev.model == "WHOOP 4.0" and band_dev.serial is None


def test_serial_only_when_allowed_and_patient_overrides(store_path):
    with open_database(store_path) as db:
        data = load_report_data(db, OCT, generated_at=GEN, app_version="0.1.0", share_serial=True,
                                patient=PatientInfo(birth_date=date(1985, 4, 12), gender="female"))
    assert data.device_for(BAND).serial == BAND_NAME
    assert (data.patient.name, data.patient.birth_date, data.patient.gender) == \
        ("Alex Example", date(1985, 4, 12), "female")


def test_period_without_data_is_empty_but_valid(store_path):
    with open_database(store_path) as db:
        data = load_report_data(db, Period(date(2025, 1, 1), date(2025, 1, 31), "Europe/Berlin"),
                                generated_at=GEN, app_version="0.1.0")
    assert not any(s.values for s in data.series)
    assert data.sleeps == () and data.workouts == ()
    assert data.coverage.days_with_data == {BAND: 0, WHOOP_CLOUD: 0}

