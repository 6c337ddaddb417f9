"""The dashboard's read side (Qt-free) over values written through the store's own API into a real SQLite file."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import numpy as np
import pytest
from scipy import stats

from healthdesk.core.metrics.baseline import baseline_band
from healthdesk.core.timeutil import day_noon
from healthdesk.services.dashboard import DashboardService
from healthdesk.services.dashboard_types import STAGE_DEEP, STAGE_LIGHT, STAGE_REM, SleepPeriod
from healthdesk.store.derived import DailyValue, StoredSleep, put_daily_values, replace_band_sleeps
from healthdesk.ui.widgets.tile import reason_text

TZ = 0


@pytest.fixture
def service(database) -> DashboardService:
    return DashboardService(database, tz_offset_s=TZ)


def _today(service: DashboardService) -> date:
    return service._local_today()


def _put(database, rows: list[DailyValue]) -> None:
    with database.write() as conn:
        put_daily_values(conn, rows)


def test_trajectory_recovers_a_known_trend_with_a_widening_band(database, service) -> None:
    today = _today(service)
    days = [today - timedelta(days=19 - k) for k in range(20)]
    y = np.array([60 - 0.3 * k + (0.5 if k % 2 else -0.5) for k in range(20)])
    _put(database, [DailyValue(d.isoformat(), "resting_hr", "band", float(v), "bpm", 0.9) for d, v in zip(days, y, strict=True)])
    traj = next(t for t in service.trajectories() if t.metric == "resting_hr")
    fit = stats.linregress(np.arange(20), y)  # the textbook fit, independent of the code under test
    assert traj.status == "ok" and traj.n_days == 20
    assert traj.slope_per_day == pytest.approx(fit.slope, abs=1e-9)
    assert traj.r_squared == pytest.approx(fit.rvalue**2, abs=1e-9)
    assert traj.proj_t[0] == day_noon(days[-1], TZ)  # the line starts at the last observed day
    assert traj.proj_t.size == 15 and traj.proj_t[-1] == day_noon(days[-1] + timedelta(days=14), TZ)
    assert traj.proj_y[0] == pytest.approx(fit.intercept + fit.slope * 19, abs=1e-9)
    widths = traj.proj_high - traj.proj_low
    assert np.all(np.diff(widths) > 0)


def test_trajectory_below_the_gate_says_how_many_days_it_has(database, service) -> None:
    today = _today(service)
    _put(database, [DailyValue((today - timedelta(days=k)).isoformat(), "hrv_rmssd", "band", 50.0 + k, "ms", 0.9)
                    for k in range(9)])
    traj = next(t for t in service.trajectories() if t.metric == "hrv_rmssd")
    assert traj.status == "insufficient" and traj.proj_t.size == 0
    assert traj.note == "9 of the 14 days needed in the last 30"


def test_history_baseline_uses_only_earlier_days(database, service) -> None:
    today = _today(service)
    values = [50.0, 52.0, 49.0, 51.0, 50.0, 48.0, 53.0, 50.0, 80.0]
    days = [today - timedelta(days=len(values) - 1 - k) for k in range(len(values))]
    _put(database, [DailyValue(d.isoformat(), "hrv_rmssd", "band", v, "ms", 0.9) for d, v in zip(days, values, strict=True)])
    history = service.history("hrv_rmssd")
    assert np.isnan(history.baseline_low[:7]).all()  # fewer than 7 earlier days: no band
    for i in (7, 8):
        band = baseline_band(values[:i], "hrv_rmssd")  # the trailing days only, never the day itself
        assert (history.baseline_low[i], history.baseline_high[i]) == pytest.approx((band.low, band.high))
    assert history.baseline_t[-1] == day_noon(days[-1], TZ)


def test_today_shows_the_stored_reason_for_a_dash_and_both_sources(database, service) -> None:
    day = _today(service) - timedelta(days=1)
    _put(database, [
        DailyValue(day.isoformat(), "recovery", "band", None, "%", 0.0, {"note": "need_baseline:have=2,need=4"}),
        DailyValue(day.isoformat(), "resting_hr", "band", 54.0, "bpm", 0.8),
        DailyValue(day.isoformat(), "resting_hr", "whoop_cloud", 55.0, "bpm", 1.0),
    ])
    summary = service.today()
    assert summary.day == day
    rec = summary.values["recovery"]
    assert rec.value is None and rec.confidence == 0.0
    assert reason_text(rec.reason) == "building your baseline (2 of 4 nights)"
    rhr = summary.values["resting_hr"]
    assert (rhr.value, rhr.source) == (54.0, "band")  # measured values lead with the band (store priority)
    assert [(o.value, o.source) for o in summary.others["resting_hr"]] == [(55.0, "whoop_cloud")]
    assert summary.values["day_strain"].value is None and summary.values["day_strain"].reason == "no_data"


def test_night_detail_turns_minute_codes_into_segments(database, service) -> None:
    start = datetime(2026, 3, 1, 23, 0, tzinfo=UTC).timestamp()
    stages = "1111002222-1"  # '-' is a minute without data: left out of the timeline
    with database.write() as conn:
        replace_band_sleeps(conn, 0, 2**40, [StoredSleep("2026-03-01", start, start + 12 * 60, True, 12, 11, 91.0,
                                                         0.0, 0, 0.9, {"state": "s" * 12, "stages": stages})])
    sleep = SleepPeriod(datetime.fromtimestamp(start, UTC), datetime.fromtimestamp(start + 720, UTC), 11, True,
                        "band")
    detail = service.night(sleep)
    assert detail is not None and detail.stages_estimated
    assert detail.stage.tolist() == [STAGE_LIGHT, STAGE_DEEP, STAGE_REM, STAGE_LIGHT]
    assert (detail.stage_start - start).tolist() == [0, 240, 360, 660]
    assert (detail.stage_end - start).tolist() == [240, 360, 600, 720]
    assert detail.hr_t.size == 0  # no records stored for that night: no minute HR, not zeros


def test_an_empty_database_answers_with_empty_states(service) -> None:
    assert service.today().day is None and not service.today().has_data
    assert service.history("recovery").is_empty
    assert service.sleeps() == [] and service.workouts() == [] and service.last_drain() is None
    assert all(t.status == "insufficient" for t in service.trajectories())
