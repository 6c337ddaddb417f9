"""Every page over a database with 12 simulated days imported and derived: values, charts, workouts, nights."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from datetime import date

import numpy as np
import pytest

from healthdesk.services.dashboard import DashboardService
from healthdesk.store.derived import DailyValue, daily_values_between, put_daily_values
from healthdesk.ui.main_window import PAGE_KEYS, MainWindow
from healthdesk.ui.pages.history import HistoryPage
from healthdesk.ui.pages.sleep import SleepPage
from healthdesk.ui.pages.strain import StrainPage
from healthdesk.ui.pages.today import TodayPage
from healthdesk.ui.pages.trends import TrendsPage

from .conftest import close_window

DAY_S = 86400.0


@pytest.fixture
def data_window(context, seeded_database, qtbot) -> Iterator[MainWindow]:
    context.attach(dashboard=DashboardService(seeded_database))
    win = MainWindow(context)
    win.show()
    with qtbot.waitSignals([p.loaded for p in win.pages.values()], timeout=30_000):
        win.refresh_all()
    yield win
    close_window(qtbot, win)


def test_today_shows_values_with_source_confidence_and_baseline(data_window: MainWindow, seeded_database) -> None:
    today: TodayPage = data_window.pages["today"]  # type: ignore[assignment]
    summary = today.summary
    assert summary is not None and summary.day is not None
    stored = DashboardService(seeded_database).today()
    assert summary.values == stored.values  # the page shows exactly what the store holds for that day
    rec = summary.values["recovery"]
    if rec.value is None:  # honest dash with a reason, never a zero
        assert today.recovery.gauge.value is None and today.recovery.detail.text()
    else:
        assert today.recovery.gauge.value == pytest.approx(rec.value)
        # A confidence, not something that reads like a battery level ("Band · 95%").
        assert today.recovery.badge.text() == f"confidence {rec.confidence * 100:.0f} %"
    rhr = summary.values["resting_hr"]
    assert rhr.value is not None and rhr.source == "band"
    assert today.resting_hr.shown_text == f"{rhr.value:.0f}"
    # "your range" is the typical range, median ± 1.4826·MAD of the trailing days (metrics.md §18), at least ±2 bpm.
    with seeded_database.read() as conn:
        trailing = [r.value for r in daily_values_between(conn, "1970-01-02", summary.day.isoformat(),
                                                           metrics=["resting_hr"], source="band")
                    if r.value is not None and r.day < summary.day.isoformat()][-30:]
    if len(trailing) >= 7:
        centre = float(np.median(trailing))
        half = max(1.4826 * float(np.median(np.abs(np.array(trailing) - centre))), 2.0)
        assert f"your range {centre - half:.0f}\u2013{centre + half:.0f}" in today.resting_hr.detail.text()
    assert re.fullmatch(r"\d+:\d\d", today.sleep.shown_text)  # h:mm, the one duration format
    assert "Last band sync: " in today.freshness.text() and "never" not in today.freshness.text().split("   ")[0]
    assert summary.day.strftime("%d %B %Y") in today.day_label.text()
    assert today.welcome.isHidden()


def test_history_charts_plot_the_stored_days_and_switch_ranges(data_window: MainWindow, seeded_database) -> None:
    page: HistoryPage = data_window.pages["recovery"]  # type: ignore[assignment]
    card = page.cards["resting_hr"]
    assert card.chart.isVisibleTo(page) and card.empty.isHidden()
    history = card.chart.history
    assert history is not None and [s.source for s in history.series] == ["band"]
    band = history.series[0]
    stored = DashboardService(seeded_database).history("resting_hr").series[0]
    assert np.array_equal(band.value, stored.value) and np.array_equal(band.t, stored.t)
    assert band.value.size >= 8
    assert np.isfinite(history.baseline_low).sum() >= 1  # a baseline once 7 earlier days exist
    text = card.chart.readout_at(float(band.t[-1]) + 3600)
    assert text.startswith(time.strftime("%a %d %b %Y", time.localtime(float(band.t[-1]))))
    assert f"Band {band.value[-1]:.0f} bpm" in text
    for days in (7, 30, 365, 0):
        page.ranges.choose(days)
        lo, hi = card.chart.plot.getPlotItem().vb.viewRange()[0]
        if days:
            assert hi - lo == pytest.approx((days + 0.2) * DAY_S, rel=0.01)  # preset + a margin
        else:
            assert lo < float(band.t.min()) and hi > float(band.t.max())


def test_both_sources_show_side_by_side(context, seeded_database, qtbot) -> None:
    day = DashboardService(seeded_database).latest_day()
    assert day is not None
    rows = [DailyValue(date.fromordinal(day.toordinal() - k).isoformat(), "recovery", "whoop_cloud", 61.0 + k,
                       "%", 1.0) for k in range(3)]
    with seeded_database.write() as conn:
        put_daily_values(conn, rows)
    try:
        context.attach(dashboard=DashboardService(seeded_database))
        win = MainWindow(context)
        win.show()
        with qtbot.waitSignals([win.pages["today"].loaded, win.pages["recovery"].loaded], timeout=30_000):
            win.pages["today"].refresh()
            win.pages["recovery"].refresh()
        today: TodayPage = win.pages["today"]  # type: ignore[assignment]
        assert today.recovery.gauge.value == 61.0  # WHOOP's own recovery leads when it exists (store priority)
        assert today.recovery.badge.text() == "WHOOP score · confidence 100 %"
        chart = win.pages["recovery"].cards["recovery"].chart  # type: ignore[attr-defined]
        assert [s.source for s in chart.history.series] == ["band", "whoop_cloud"]
        assert chart.history.series[1].value.tolist() == [63.0, 62.0, 61.0]
        close_window(qtbot, win)
    finally:
        with seeded_database.write() as conn:
            conn.exec_driver_sql("DELETE FROM daily_values WHERE source = 'whoop_cloud'")


def test_strain_lists_workouts_and_sleep_shows_a_night(data_window: MainWindow, seeded_database) -> None:
    service = DashboardService(seeded_database)
    strain: StrainPage = data_window.pages["strain"]  # type: ignore[assignment]
    workouts = service.workouts()
    assert strain.workouts.rowCount() == len(workouts) and not strain.workouts.isHidden()
    if workouts:
        assert strain.workouts.item(0, 3).text() == f"{workouts[0].strain:.1f}"
    sleep: SleepPage = data_window.pages["sleep"]  # type: ignore[assignment]
    nights = service.nights()  # one entry per morning date (docs/metrics.md §1), newest first
    assert sleep.night_picker.count() == len(nights) >= 8
    assert len({n.day for n in nights}) == len(nights)
    detail = sleep.night_chart.detail
    assert detail is not None and detail.sleep == nights[0]
    assert detail.stage.size > 0 and detail.stages_estimated
    assert np.isfinite(detail.hr_bpm).sum() > 60  # minute heart rate under the hypnogram
    assert "estimates" in sleep.night_chart.caption.text()


def test_trends_label_each_projection_or_its_gate(data_window: MainWindow) -> None:
    from healthdesk.services.dashboard_types import Trajectory
    from healthdesk.ui.charts.trajectory import TrajectoryCard

    trends: TrendsPage = data_window.pages["trends"]  # type: ignore[assignment]
    for card in trends.cards.values():
        traj = card.trajectory
        assert traj is not None
        if traj.status == "ok":
            assert card.label.text().startswith("Projection, not a measurement")
            widths = traj.proj_high - traj.proj_low
            assert np.all(np.diff(widths) > 0)  # the band widens with the horizon
        else:
            assert card.label.text().startswith(("Not enough history", "No projection"))
    # The method in the same plain words and unit as the clinician PDF (clinical/summary.TREND_NOTE), no jargon.
    intro = trends.intro.text()
    assert "the last 30 days, its slope given per week; drawn from 14 days with values" in intro
    assert "at least 30% of the day-to-day ups and downs" in intro
    words = " ".join([intro] + [c.label.text() for c in trends.cards.values()])
    assert "least squares" not in words.lower() and "least-squares" not in words.lower() and "R\u00b2" not in words
    rising = Trajectory("resting_hr", "bpm", np.zeros(20), np.zeros(20), "ok", slope_per_day=0.2, n_days=20,
                        proj_t=np.array([0.0, 7 * 86400.0]))  # +0.2 bpm a day: the PDF's "rising +1.4 bpm per week"
    assert "rising by about 1.4 bpm a week if the last 20 days continue" in TrajectoryCard.describe(rising)
    # about 12 seeded days are fewer than the 14 a projection needs; the label says how many there are
    rhr = trends.cards["resting_hr"]
    assert rhr.trajectory is not None and rhr.trajectory.n_days < 14
    assert rhr.label.text() == (
        f"Not enough history for a projection: {rhr.trajectory.n_days} of the 14 days needed in the last 30."
    )


def test_every_page_grabs_with_data(data_window: MainWindow) -> None:
    for key in PAGE_KEYS:
        data_window.show_page(key)
        assert not data_window.grab().toImage().isNull()
