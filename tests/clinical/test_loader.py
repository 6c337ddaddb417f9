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
    BAND_NAME,
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


@pytest.mark.parametrize("metric", ["resting_hr", "hrv_rmssd", "spo2", "skin_temp", "respiratory_rate",
                                    "sleep_performance", "sleep_duration", "day_strain", "avg_hr", "recovery"])
def test_cloud_series_are_the_stored_values_by_wake_day(october, metric):
    excluded = {PENDING_DAY}
    if metric in ("resting_hr", "hrv_rmssd", "spo2", "skin_temp", "recovery"):
        excluded.add(DELETED_RECOVERY_DAY)
    if metric == "recovery":
        excluded.add(CALIBRATING_DAY)
    expected = {d: pytest.approx(truth(d)[metric]) for d in OCT_DAYS if d not in excluded}
    series = october.series_for(metric, WHOOP_CLOUD)
    assert {v.day: v.value for v in series.values} == expected
    # 30 lead-in days feed the baseline band and never leak into the period's values.
    assert [v.day for v in series.lead_in] == [OCT.start - timedelta(days=30 - i) for i in range(30)]


def test_cloud_sleeps_workouts_profile_and_body(october):
    main = [s for s in october.sleeps if not s.nap]
    naps = [s for s in october.sleeps if s.nap]
    assert len(main) == OCT.days - 1  # the unscored night is left out
    assert [n.start.date() for n in naps] == [NAP_DAY]
    s = main[0]
    assert (s.asleep_min, s.light_min, s.deep_min, s.rem_min, s.awake_min) == (420, 240, 90, 90, 30)
    assert s.start.utcoffset() == timedelta(hours=2) and s.end.isoformat() == "2026-10-01T07:30:00+02:00"
    last = main[-1]
    assert last.end.utcoffset() == timedelta(hours=1)  # after the DST change, in the record's own offset
    expected_workouts = [d for d in OCT_DAYS if d.toordinal() % 3 == 0 and d != PENDING_DAY]
    assert [w.start.date() for w in october.workouts] == expected_workouts
    assert october.patient.name == "Alex Example"
    (body,) = october.body
    assert (body.source, body.height_m, body.weight_kg) == (WHOOP_CLOUD, 1.72, 68.4)


def test_band_coverage_from_stored_rollups_and_device(october):
    cov = october.coverage
    assert cov.days_with_data[BAND] == len(BAND_DAYS)
    assert abs(cov.band_wear_minutes - 2 * BAND_WEAR_S / 60) <= 2  # two partial edge minutes at most
    assert cov.days_with_data[WHOOP_CLOUD] == OCT.days - 1
    assert cov.nights_with_sleep[WHOOP_CLOUD] == OCT.days - 1
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

