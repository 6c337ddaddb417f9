"""The Band page driven by clicks against the simulated band over the real bleak API and bumble link."""

from __future__ import annotations

import time
from collections.abc import Iterator

import numpy as np
import pytest
from PySide6.QtCore import Qt, QTimer

from healthdesk.band.sim.firmware import SimulatedBand
from healthdesk.band.sim.flash import compose_flash, steady_records
from healthdesk.ble.bumble_backend import SIMULATED, simulated_air
from healthdesk.config import resolve_paths
from healthdesk.services.band_control import BandControl
from healthdesk.store.band_reads import records_between
from healthdesk.ui.main_window import MainWindow
from healthdesk.ui.pages.band import BandPage, describe_drift, describe_rate

from .conftest import close_window

RECORDS = 1500
SERIAL = "4C0000077"


@pytest.fixture
def band_records() -> np.ndarray:
    return steady_records(RECORDS, seed=5, start_unix=1_760_000_000)


@pytest.fixture
def sim_band(qloop, drive, band_records) -> Iterator[SimulatedBand]:
    band = SimulatedBand.create(compose_flash(band_records), serial=SERIAL, seed=3)
    air = simulated_air()
    drive(air.power_on(band))
    yield band
    drive(air.close())


@pytest.fixture
def band_window(context, database, home, sim_band, qtbot) -> Iterator[MainWindow]:
    control = BandControl(resolve_paths(home), database, SIMULATED, simulated=True, scan_timeout=0.5)
    context.attach(dashboard=context.dashboard, band=control)
    win = MainWindow(context)
    win.show()
    win.show_page("band")
    yield win
    close_window(qtbot, win)


def _scan_and_pick(page: BandPage, qtbot) -> None:
    page.auto_drain.setChecked(True)
    qtbot.mouseClick(page.scan_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.found.count() == 1 and page.pair_button.isEnabled(), timeout=15_000)
    assert SERIAL in page.found.item(0).text()


def test_pair_and_drain_by_clicks_fills_the_progress_bar_and_refreshes_today(
    band_window: MainWindow, sim_band: SimulatedBand, database, band_records, qtbot
) -> None:
    page: BandPage = band_window.pages["band"]  # type: ignore[assignment]
    today = band_window.pages["today"]
    page.refresh()
    assert page.sync_button.isEnabled() is False  # nothing paired yet
    _scan_and_pick(page, qtbot)
    progress: list[tuple[int, int]] = []
    page.drain_progressed.connect(lambda value, maximum: progress.append((value, maximum)))
    ticks: list[float] = []  # a 10 ms timer: how long the event loop ever went without turning during the drain
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(time.monotonic()))
    timer.start(10)
    with qtbot.waitSignal(today.loaded, timeout=60_000), qtbot.waitSignal(page.drain_finished, timeout=60_000) as done:
        qtbot.mouseClick(page.pair_button, Qt.MouseButton.LeftButton)  # pairs, then auto-drains
    timer.stop()
    summary = done.args[0]
    assert summary.complete and summary.records_new == RECORDS
    longest_stall = max(np.diff(ticks))
    assert longest_stall < 0.5, f"the window froze for {longest_stall:.2f} s during the drain"
    values = [v for v, _ in progress]
    assert len(values) >= 3, "expected several progress updates"
    assert values == sorted(values), f"progress went backwards: {values}"
    assert progress[-1][0] == progress[-1][1] == page.progress.maximum() == page.progress.value()
    assert page.progress.maximum() == RECORDS  # the band said how many records it held
    assert f"{RECORDS:,} new records" in page.progress_text.text()
    assert sim_band.pending_records == 0  # everything ACKed after the commit
    stored = records_between(database, None, 0, 2**32)
    assert np.array_equal(np.sort(stored["counter"]), np.sort(band_records["counter"]))
    assert page.name_label.text().startswith(f"WHOOP {SERIAL}")
    assert page.battery_label.text().endswith("%")
    assert page.firmware_label.text() != "\u2013"
    assert "corrected" in page.drift_label.text() or "never set" in page.drift_label.text()
    assert not page.pair_card.isVisibleTo(band_window)  # paired: the pairing card steps aside


def test_cancel_stops_the_drain_and_the_band_keeps_the_rest(
    band_window: MainWindow, sim_band: SimulatedBand, qtbot
) -> None:
    page: BandPage = band_window.pages["band"]  # type: ignore[assignment]
    page.auto_drain.setChecked(False)
    qtbot.mouseClick(page.scan_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.found.count() == 1 and page.pair_button.isEnabled(), timeout=15_000)
    with qtbot.waitSignal(page.loaded, timeout=30_000):
        qtbot.mouseClick(page.pair_button, Qt.MouseButton.LeftButton)
    assert page.sync_button.isEnabled()
    sim_band.frame_interval_s = 0.005  # slow the band down so there is time to press Cancel
    qtbot.mouseClick(page.sync_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.progress.value() > 0, timeout=30_000)  # at least one batch stored
    assert page.cancel_button.isEnabled()
    qtbot.mouseClick(page.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.sync_button.isEnabled(), timeout=15_000)
    assert page.progress_text.text().startswith("Cancelled")
    assert page.progress.value() < page.progress.maximum()
    assert 0 < sim_band.pending_records < RECORDS  # some batches were stored and freed, the rest stays


def test_closing_the_window_mid_drain_loses_nothing(
    context, database, home, sim_band: SimulatedBand, band_records, qtbot
) -> None:
    from healthdesk.band.whoop4.decode import decode_frames

    control = BandControl(resolve_paths(home), database, SIMULATED, simulated=True, scan_timeout=0.5)
    context.attach(band=control)
    win = MainWindow(context)
    win.show()
    page: BandPage = win.pages["band"]  # type: ignore[assignment]
    page.auto_drain.setChecked(True)
    sim_band.frame_interval_s = 0.003
    qtbot.mouseClick(page.scan_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.found.count() == 1 and page.pair_button.isEnabled(), timeout=15_000)
    qtbot.mouseClick(page.pair_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.progress.value() > 0, timeout=30_000)
    close_window(qtbot, win)  # as the app does on close: cancel the jobs, then go
    stored = set(records_between(database, None, 0, 2**32)["counter"].tolist())
    waiting = set(decode_frames(sim_band.pending_frames).records["counter"].tolist())
    assert 0 < len(stored) < RECORDS
    assert stored | waiting == set(band_records["counter"].tolist())  # every record is stored or still on the band


def test_live_heart_rate_streams_into_the_chart_until_switched_off(
    band_window: MainWindow, sim_band: SimulatedBand, qtbot
) -> None:
    page: BandPage = band_window.pages["band"]  # type: ignore[assignment]
    page.auto_drain.setChecked(False)
    qtbot.mouseClick(page.scan_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.found.count() == 1 and page.pair_button.isEnabled(), timeout=15_000)
    with qtbot.waitSignal(page.loaded, timeout=30_000):
        qtbot.mouseClick(page.pair_button, Qt.MouseButton.LeftButton)
    sim_band.realtime_period_s = 0.05  # ten times the band's pace, to keep the test short
    qtbot.mouseClick(page.live_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.live_chart.count >= 3, timeout=20_000)
    assert page.live_chart.isVisibleTo(page) and page.live_value.text().endswith(" bpm")
    assert not page.sync_button.isEnabled()  # one thing at a time on the link
    qtbot.mouseClick(page.live_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.sync_button.isEnabled(), timeout=15_000)
    assert page.live_button.text() == "Start live heart rate"


def test_scan_without_a_band_says_what_to_do(context, database, home, qloop, qtbot) -> None:
    control = BandControl(resolve_paths(home), database, SIMULATED, simulated=True, scan_timeout=0.3)
    context.attach(band=control)
    win = MainWindow(context)
    win.show()
    page: BandPage = win.pages["band"]  # type: ignore[assignment]
    page.refresh()
    qtbot.mouseClick(page.scan_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.scan_button.isEnabled() and "No band found" in page.pair_status.text(),
                    timeout=15_000)
    assert page.found.count() == 0 and not page.pair_button.isEnabled()
    close_window(qtbot, win)


def test_drift_and_rate_texts() -> None:
    assert describe_drift(0.25, True) == "+0.25 s (corrected)"
    assert describe_drift(-42.0, False) == "-42.0 s"
    assert describe_drift(-1.7e9, True) == "clock was never set (corrected)"
    assert describe_rate(500, 1500, 250.0, 4.0) == "500 of 1,500 records  ·  250 records/s  ·  about 4 s left"
    assert describe_rate(10, None, 0.0, None) == "10 records"
