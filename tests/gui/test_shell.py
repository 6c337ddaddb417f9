"""The window over an empty database: every page renders its empty state; navigation, errors, settings persist."""

from __future__ import annotations

import asyncio

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from healthdesk.ui.main_window import PAGE_KEYS, MainWindow
from healthdesk.ui.pages.today import TodayPage
from healthdesk.ui.tasks import TaskRunner
from healthdesk.ui.widgets.common import DASH

from .conftest import close_window


def test_every_page_renders_its_empty_state(window: MainWindow, qtbot) -> None:
    with qtbot.waitSignals([p.loaded for p in window.pages.values()], timeout=20_000):
        window.refresh_all()
    today: TodayPage = window.pages["today"]  # type: ignore[assignment]
    for tile in (today.strain, today.sleep, today.resting_hr, today.hrv):
        assert tile.shown_text == DASH
        assert tile.detail.text() == "nothing stored yet"  # a dash always comes with its reason
        assert tile.badge.text() == "No data"
    assert today.recovery.gauge.value is None
    assert "Last band sync: never" in today.freshness.text()
    assert not today.welcome.isHidden()  # first run: the three ways in
    qtbot.mouseClick(today.welcome.pair, Qt.MouseButton.LeftButton)
    assert window.current_page_key() == "band"
    window.show_page("today")
    qtbot.mouseClick(today.welcome.cloud, Qt.MouseButton.LeftButton)
    assert window.current_page_key() == "cloud"
    for key in ("recovery", "strain", "sleep"):
        for card in window.pages[key].cards.values():  # type: ignore[attr-defined]
            assert not card.empty.isHidden() and card.chart.isHidden()
    for card in window.pages["trends"].cards.values():  # type: ignore[attr-defined]
        assert card.label.text().startswith("Not enough history")
    for key in PAGE_KEYS:
        window.show_page(key)
        image = window.grab().toImage()
        assert not image.isNull() and image.width() >= 960


def test_ctrl_number_shortcuts_switch_pages(window: MainWindow, qtbot) -> None:
    qtbot.waitExposed(window)
    window.activateWindow()
    for i, key in enumerate(PAGE_KEYS[:9]):  # Ctrl+1..9 reach the first nine pages
        qtbot.keyClick(window, Qt.Key(Qt.Key.Key_1 + i), Qt.KeyboardModifier.ControlModifier)
        assert window.current_page_key() == key


def test_geometry_and_page_persist_across_windows(context, qtbot) -> None:
    first = MainWindow(context)
    qtbot.addWidget(first)
    first.resize(960, 700)  # differs from the 1280 x 860 default and fits the 800 x 800 offscreen screen
    first.show_page("sleep")
    first.close()
    second = MainWindow(context)
    qtbot.addWidget(second)
    assert (second.width(), second.height()) == (960, 700)
    assert second.current_page_key() == "sleep"


def test_failed_task_reaches_banner_and_status_bar(window: MainWindow, qtbot, task_failures) -> None:
    async def broken() -> None:
        await asyncio.sleep(0)
        raise ValueError("the band said no\nsecond line is not shown")

    with qtbot.waitSignal(window.context.runner.task_failed, timeout=5000) as blocker:
        window.context.runner.spawn(broken(), name="Syncing the band")
    assert blocker.args == ["Syncing the band", "the band said no"]
    assert window.banner.isVisible()
    assert window.banner.text.text() == "Syncing the band failed: the band said no"
    assert "the band said no" in window.statusBar().currentMessage()
    task_failures.clear()  # this failure was the point of the test


def test_runner_keeps_tasks_alive_and_cancels_them_at_shutdown(qloop, qtbot, drive) -> None:
    runner = TaskRunner()
    results: list[int] = []
    started = asyncio.Event()

    async def forever() -> None:
        started.set()
        await asyncio.sleep(3600)

    async def quick() -> int:
        await asyncio.sleep(0.01)
        return 42

    runner.spawn(quick(), name="quick", on_result=results.append)  # no reference kept here on purpose
    slow = runner.spawn(forever(), name="slow", background=True)
    qtbot.waitUntil(lambda: results == [42], timeout=5000)
    drive(runner.wait_idle(5))  # background tasks do not count as busy
    assert runner.active == 1 and started.is_set()
    drive(runner.shutdown())
    assert slow.cancelled() and runner.active == 0
    with pytest.raises(RuntimeError):
        runner.spawn(quick(), name="late")


def test_ui_result_callback_errors_are_reported(qloop, qtbot, drive) -> None:
    runner = TaskRunner()

    async def value() -> int:
        return 1

    def bad_update(_: int) -> None:
        raise KeyError("recovery")

    with qtbot.waitSignal(runner.task_failed, timeout=5000) as blocker:
        runner.spawn(value(), name="Loading today", on_result=bad_update)
    assert blocker.args == ["Loading today", "'recovery'"]
    drive(runner.shutdown())
    QApplication.processEvents()


def test_settings_write_the_shared_file_in_canonical_units(context, home, qtbot) -> None:
    import json

    from healthdesk.ui import theme
    from healthdesk.ui.pages.settings import SettingsPage

    context.settings_file = home / "settings.json"
    win = MainWindow(context)
    page: SettingsPage = win.pages["settings"]  # type: ignore[assignment]
    page.units.setCurrentText("imperial")
    page.weight.setValue(165.0)  # lb
    page.height.setValue(70)  # in
    page.birth_year.setValue(1990)
    page.sex.setCurrentText("female")
    page.sync_hours.setValue(6)
    saved = json.loads(context.settings_file.read_text())
    assert saved["profile"] == {"weight_kg": round(165.0 * 0.45359237, 2), "height_cm": 177.8,
                                "birth_year": 1990, "sex": "female"}
    assert saved["units"] == "imperial" and saved["whoop_sync_interval_hours"] == 6.0
    page.units.setCurrentText("metric")
    assert page.weight.suffix() == " kg" and page.weight.value() == 74.8
    assert json.loads(context.settings_file.read_text())["profile"]["weight_kg"] == round(165.0 * 0.45359237, 2)
    page.theme.setCurrentText("dark")
    assert theme.colors() is theme.DARK
    page.theme.setCurrentText("light")
    assert theme.colors() is theme.LIGHT
    close_window(qtbot, win)
