"""Today's tiles open their pages, the stale-data banner, wheel vs Ctrl+wheel over charts, and paging through
the day explorer, over the seeded database (12 simulated days through the demo's real import path)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication, QScrollArea

from healthdesk.services.dashboard import DashboardService
from healthdesk.services.dashboard_today import freshness
from healthdesk.store.band_reads import list_devices, minute_rollups_between
from healthdesk.store.derived import DailyValue, put_daily_values
from healthdesk.ui.main_window import MainWindow
from healthdesk.ui.pages.day_explorer import DayExplorerPage
from healthdesk.ui.pages.history import HistoryPage
from healthdesk.ui.pages.today import TodayPage

from .conftest import close_window

DAY_S = 86400.0


@pytest.fixture
def data_window(context, seeded_database, qtbot) -> Iterator[MainWindow]:
    context.attach(dashboard=DashboardService(seeded_database))
    win = MainWindow(context)
    win.resize(1280, 860)
    win.show()
    with qtbot.waitSignals([p.loaded for p in win.pages.values()], timeout=30_000):
        win.refresh_all()
    yield win
    close_window(qtbot, win)


def test_every_today_tile_opens_its_page(data_window: MainWindow, qtbot) -> None:
    today: TodayPage = data_window.pages["today"]  # type: ignore[assignment]
    expected = {"recovery": "recovery", "strain": "strain", "sleep": "sleep", "resting_hr": "recovery",
                "hrv": "recovery", "respiratory_rate": "sleep"}
    assert set(today.tiles) == set(expected)
    for key, page in expected.items():
        data_window.show_page("today")
        tile = today.tiles[key]
        qtbot.mouseClick(tile, Qt.MouseButton.LeftButton, pos=QPoint(tile.width() // 2, 12))
        assert data_window.current_page_key() == page, key
    data_window.show_page("today")
    today.resting_hr.setFocus()
    qtbot.keyClick(today.resting_hr, Qt.Key.Key_Return)  # keyboard users reach the same pages
    assert data_window.current_page_key() == "recovery"


def test_today_words_not_codes(data_window: MainWindow) -> None:
    today: TodayPage = data_window.pages["today"]  # type: ignore[assignment]
    shown = [w.text() for w in today.findChildren(type(today.day_label))]
    for text in shown:
        assert "need:" not in text and "_" not in text, text  # no internal notes reach the screen
        assert "Band \u00b7" not in text
    # The seeded history ends where the simulated band's last 24 h begin (not drained): about a day old.
    fresh = today.today_context.freshness if today.today_context else None
    assert fresh is not None and fresh.what == "band"
    assert today.stale.isHidden() != fresh.stale
    if fresh.stale:
        assert today.stale.text.text().startswith("Latest band data: ")
    rhr = today.resting_hr
    assert rhr.spark is not None and np.isfinite(rhr.spark.values).sum() >= 5  # the last 7 days


def test_stale_banner_names_the_newest_data(context, database, qtbot) -> None:
    old = date(2024, 4, 11)
    rows = [DailyValue((old - timedelta(days=k)).isoformat(), "resting_hr", "band", 55.0 + k % 3, "bpm", 0.9)
            for k in range(10)]
    with database.write() as conn:
        put_daily_values(conn, rows)
    win = MainWindow(context)
    win.show()
    try:
        today: TodayPage = win.pages["today"]  # type: ignore[assignment]
        with qtbot.waitSignal(today.loaded, timeout=30_000):
            today.refresh()
        assert not today.stale.isHidden()
        assert today.stale.text.text().startswith("Latest data: 11 Apr 2024 \u2014 sync")
        qtbot.mouseClick(today.stale.action, Qt.MouseButton.LeftButton)
        assert win.current_page_key() in ("band", "cloud")
    finally:
        close_window(qtbot, win)


def test_stale_band_data_is_dated_by_the_newest_record(seeded_database) -> None:
    service = DashboardService(seeded_database)
    newest = max(d.last_seen for d in list_devices(seeded_database) if d.last_seen)
    fresh = freshness(service, datetime.fromtimestamp(newest + 3600, UTC))
    assert not fresh.stale and fresh.banner_text() == ""
    later = freshness(service, datetime.fromtimestamp(newest + 2 * DAY_S, UTC))
    assert later.stale and later.what == "band"
    assert later.banner_text().startswith(
        f"Latest band data: {datetime.fromtimestamp(newest, UTC).astimezone():%d %b %Y} \u2014 sync the band")


def _wheel(widget, ctrl: bool, up: bool = False) -> None:
    viewport = widget.viewport()
    centre = QPointF(viewport.width() / 2, viewport.height() / 2)
    event = QWheelEvent(centre, QPointF(viewport.mapToGlobal(centre.toPoint())), QPoint(0, 0), QPoint(0, 120 if up else -120),
                        Qt.MouseButton.NoButton,
                        Qt.KeyboardModifier.ControlModifier if ctrl else Qt.KeyboardModifier.NoModifier,
                        Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(viewport, event)


def test_wheel_scrolls_the_page_and_ctrl_wheel_zooms_in_step_with_the_range_buttons(data_window: MainWindow,
                                                                                     qtbot) -> None:
    data_window.show_page("recovery")
    page: HistoryPage = data_window.pages["recovery"]  # type: ignore[assignment]
    data_window.resize(1280, 700)  # three charts do not fit: the page scrolls
    qtbot.waitUntil(lambda: page.findChild(QScrollArea).verticalScrollBar().maximum() > 0, timeout=5000)
    scroll = page.findChild(QScrollArea).verticalScrollBar()
    chart = page.cards["hrv_rmssd"].chart
    assert page.ranges.chosen == 30
    before = chart.plot.getViewBox().viewRange()[0]
    _wheel(chart.plot, ctrl=False)
    assert chart.plot.getViewBox().viewRange()[0] == before  # no zoom
    assert scroll.value() > 0  # the page moved instead
    assert page.ranges.chosen == 30
    _wheel(chart.plot, ctrl=True, up=True)
    after = chart.plot.getViewBox().viewRange()[0]
    assert after[1] - after[0] < (before[1] - before[0]) * 0.95  # zoomed in
    assert page.ranges.chosen is None  # "30 d" no longer claims to be what is shown
    other = page.cards["resting_hr"].chart.plot.getViewBox().viewRange()[0]
    assert other == pytest.approx(after)  # the page's charts share one time axis
    page.ranges.buttons[7].click()
    span = chart.plot.getViewBox().viewRange()[0]
    assert page.ranges.chosen == 7 and (span[1] - span[0]) / DAY_S == pytest.approx(7.2, abs=0.5)


def test_day_explorer_pages_day_by_day(data_window: MainWindow, seeded_database, qtbot) -> None:
    data_window.show_page("explorer")
    page: DayExplorerPage = data_window.pages["explorer"]  # type: ignore[assignment]
    assert page.bounds is not None and page.trace is not None
    first, last = page.bounds
    assert page.trace.day == last and not page.next.isEnabled() and page.previous.isEnabled()
    with qtbot.waitSignal(page.loaded, timeout=10_000):
        page.previous.click()
    trace = page.trace
    assert trace.day == last - timedelta(days=1)
    assert page.calendar.date().toPython() == trace.day
    assert trace.t1 - trace.t0 == pytest.approx(DAY_S, abs=3600)  # one local day (DST: 23 or 25 h)
    # Every stored second with a reading, counted independently from the per-minute rollups of that day.
    rollups = minute_rollups_between(seeded_database, None, trace.t0, trace.t1)
    assert trace.seconds_with_hr == pytest.approx(int(rollups["hr_count"].sum()), abs=2)
    assert trace.seconds_with_hr > 3600
    assert any(b.kind == "sleep" for b in trace.bands)  # the night is drawn as stage bands
    assert np.all(np.diff(trace.hr_t) > 0)
    with qtbot.waitSignal(page.loaded, timeout=10_000):
        page.next.click()
    assert page.trace.day == last
    with qtbot.waitSignal(page.loaded, timeout=10_000):
        page.calendar.setDate(first)
    assert page.trace.day == first and not page.previous.isEnabled()
    with qtbot.waitSignal(page.loaded, timeout=10_000):
        page.show_day(first + timedelta(days=2))
    assert page.trace.day == first + timedelta(days=2)


def test_day_explorer_shows_rr_intervals_only_when_zoomed(data_window: MainWindow, qtbot) -> None:
    page: DayExplorerPage = data_window.pages["explorer"]  # type: ignore[assignment]
    assert page.bounds is not None
    # the day before the newest: a whole day whatever the clock says (the seeded data ends now, so just after
    # midnight the newest day holds minutes)
    with qtbot.waitSignal(page.loaded, timeout=10_000):
        page.show_day(page.bounds[1] - timedelta(days=1))
    trace = page.trace
    assert trace is not None and trace.has_rr
    chart = page.chart
    assert chart.rr_shown == 0 and chart.rr.isHidden()  # a whole day: too many beats to tell apart
    rr_t, rr_ms = trace.rr_between(trace.t0, trace.t1)
    assert rr_t.size > 1000 and np.all((rr_ms > 250) & (rr_ms < 2500))  # plausible beats, 24-240 bpm
    centre = float(rr_t[rr_t.size // 2])
    chart.show_span(centre - 600, centre + 600)
    expected = int(((rr_t >= centre - 600) & (rr_t <= centre + 600)).sum())
    assert chart.rr_shown == pytest.approx(expected, abs=3) and chart.rr_shown > 100
    assert not chart.rr.isHidden()


def test_one_point_gets_a_readable_axis_and_nothing_gets_no_axis(qtbot) -> None:
    from healthdesk.services.dashboard_types import MetricHistory, SourceSeries, Trajectory
    from healthdesk.ui.charts.history import HistoryChart
    from healthdesk.ui.charts.trajectory import TrajectoryCard
    from healthdesk.ui.pages.history import ChartCard

    noon = datetime(2026, 3, 4, 12, tzinfo=UTC).timestamp()
    one = MetricHistory("resting_hr", "bpm", [SourceSeries("band", np.array([noon]), np.array([131.0]),
                                                           np.array([0.9]))])
    card = ChartCard("resting_hr", HistoryChart())
    qtbot.addWidget(card)
    card.set_history(one)
    low, high = card.chart.plot.getViewBox().viewRange()[1]
    assert low < 131.0 < high and high - low >= 0.15 * 131.0  # not 130.5 / 131.0
    assert card.chart.plot.getAxis("left").labelText == "bpm"
    empty = MetricHistory("resting_hr", "bpm", [])
    card.set_history(empty)
    assert card.chart.isHidden() and not card.empty.isHidden()  # a sentence, not a 0.2-0.8 axis
    traj = TrajectoryCard("resting_hr")
    qtbot.addWidget(traj)
    traj.set_trajectory(Trajectory("resting_hr", "bpm", np.empty(0), np.empty(0), "insufficient", "no value"))
    assert traj.plot.isHidden() and traj.label.text().startswith("Not enough history")


def test_double_click_on_a_chart_day_opens_it_in_the_explorer(data_window: MainWindow, qtbot) -> None:
    data_window.show_page("recovery")
    page: HistoryPage = data_window.pages["recovery"]  # type: ignore[assignment]
    chart = page.cards["resting_hr"].chart
    series = chart.history.series[0]  # type: ignore[union-attr]
    noon = float(series.t[np.isfinite(series.value)][-3])  # a day three points before the newest
    value = float(series.value[np.isfinite(series.value)][-3])
    vb = chart.plot.getPlotItem().vb
    at = chart.plot.mapFromScene(vb.mapViewToScene(pg_point(noon, value)))
    explorer: DayExplorerPage = data_window.pages["explorer"]  # type: ignore[assignment]
    viewport, left = chart.plot.viewport(), Qt.MouseButton.LeftButton
    with qtbot.waitSignal(explorer.loaded, timeout=10_000):
        # What a real double-click delivers: press, release, double-click, release.
        qtbot.mousePress(viewport, left, pos=at)
        qtbot.mouseRelease(viewport, left, pos=at)
        qtbot.mouseDClick(viewport, left, pos=at)
        qtbot.mouseRelease(viewport, left, pos=at)
    assert data_window.current_page_key() == "explorer"
    assert explorer.trace is not None and explorer.trace.day == datetime.fromtimestamp(noon).date()


def pg_point(x: float, y: float) -> QPointF:
    return QPointF(x, y)


@pytest.mark.parametrize("palette", ["LIGHT", "DARK"])
def test_four_sleep_stages_have_four_distinct_colours(palette: str) -> None:
    from healthdesk.ui import theme

    colors = getattr(theme, palette)
    stages = [colors.stage_deep, colors.stage_light, colors.stage_rem, colors.stage_awake]
    rgb = [np.array([int(c[i:i + 2], 16) for i in (1, 3, 5)], dtype=float) for c in stages]
    for i in range(4):
        for j in range(i + 1, 4):
            assert np.linalg.norm(rgb[i] - rgb[j]) > 80, (stages[i], stages[j])  # tell apart at a glance
        # and each stands out from the card it is drawn on
        card = np.array([int(colors.card[k:k + 2], 16) for k in (1, 3, 5)], dtype=float)
        assert np.linalg.norm(rgb[i] - card) > 80


def test_recovery_says_it_is_calibrating_and_why_a_dash(context, database, qtbot) -> None:
    day = date.today() - timedelta(days=1)
    rows = [DailyValue(day.isoformat(), "recovery", "band", 58.0, "%", 0.4, {"note": "calibrating:have=5,need=14"}),
            DailyValue(day.isoformat(), "day_strain", "band", None, "strain", 0.0, {"note": "need:rhr_baseline,max_hr"})]
    with database.write() as conn:
        put_daily_values(conn, rows)
    win = MainWindow(context)
    win.show()
    try:
        today: TodayPage = win.pages["today"]  # type: ignore[assignment]
        with qtbot.waitSignal(today.loaded, timeout=30_000):
            today.refresh()
        assert "calibrating (5 of 14 nights)" in today.recovery.detail.text()
        assert today.recovery.zone.text().startswith("Yellow")
        assert today.strain.detail.text() == "needs a few nights of resting heart rate and a hard effort first"
        assert "need:" not in today.strain.detail.text()
    finally:
        close_window(qtbot, win)
