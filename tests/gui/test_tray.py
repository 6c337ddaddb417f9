"""Tray and background sync: a finished WHOOP sync with a new recovery reaches the desktop as a notification
(real fake-WHOOP server on 127.0.0.1, real SQLite); each notice can be switched off; closing the window hides
it to the tray while the tray keeps running; start at login writes an XDG autostart entry."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from healthdesk.cloud.secrets import MemorySecretStore
from healthdesk.services import autostart
from healthdesk.services.background_sync import BackgroundSync, background_settings
from healthdesk.services.cloud_sync import CloudSyncService
from healthdesk.services.user_settings import update_settings
from healthdesk.ui.main_window import MainWindow
from healthdesk.ui.pages.cloud import CloudPage
from healthdesk.ui.theme import app_icon
from healthdesk.ui.tray import Tray

from .conftest import close_window
from .test_cloud_page import CLIENT_ID, CLIENT_SECRET, FakeWhoop, FakeWhoopServer, _browser_for, _free_port
from .test_cloud_page import simulate_history as simulate


@pytest.fixture(scope="module")
def recent_history():
    return simulate(days=5, seed=5, end=datetime.now(UTC).replace(microsecond=0))


@pytest.fixture
def fake(recent_history) -> FakeWhoop:
    return FakeWhoop(copy.deepcopy(recent_history))


@pytest.fixture
def tray_setup(context, database, fake, home: Path, qtbot, drive) -> Iterator[tuple[MainWindow, Tray, BackgroundSync]]:
    settings_file = home / "settings.json"
    with FakeWhoopServer(fake) as server:
        service = CloudSyncService(database, api_base=server.base_url, store=MemorySecretStore())
        context.attach(cloud=service)
        win = MainWindow(context)
        tray = Tray(win, app_icon(), lambda: background_settings(settings_file))
        background = BackgroundSync(settings_file, context.dashboard, notify=tray.notify,
                                    data_changed=win.refresh_data_pages)
        background.attach(cloud=service)
        drive(background.start())
        win.show()
        win.show_page("cloud")
        yield win, tray, background
        drive(background.stop())
        tray.remove()
        close_window(qtbot, win)
        drive(service.aclose())


def _connect(win: MainWindow, fake: FakeWhoop, qtbot) -> CloudPage:
    page: CloudPage = win.pages["cloud"]  # type: ignore[assignment]
    with qtbot.waitSignal(page.loaded, timeout=10_000):
        page.refresh()
    page.port.setValue(_free_port())
    page.open_browser = _browser_for(fake, [])
    qtbot.keyClicks(page.client_id, CLIENT_ID)
    qtbot.keyClicks(page.client_secret, CLIENT_SECRET)
    qtbot.mouseClick(page.connect_button, Qt.MouseButton.LeftButton)
    return page


def test_finished_sync_with_a_new_recovery_notifies_through_the_tray(tray_setup, fake, qtbot) -> None:
    win, tray, _background = tray_setup
    shown: list[tuple[str, str, str]] = []
    tray.notifier.shown.connect(lambda *notice: shown.append(notice))
    page = _connect(win, fake, qtbot)
    qtbot.waitUntil(lambda: page.state == "Connected" and "Last sync: today" in page.detail.text(), timeout=60_000)
    qtbot.wait(300)
    # WHOOP has not scored this morning's recovery yet (the older days are history): nothing is "ready".
    assert win.context.dashboard.today().values["recovery"].value is None  # type: ignore[union-attr]
    assert shown == []

    assert ("recovery", max(fake.data.recoveries)) in fake.data.rescore_pending()  # WHOOP scores it
    with qtbot.waitSignal(tray.notifier.shown, timeout=60_000):
        qtbot.mouseClick(page.sync_button, Qt.MouseButton.LeftButton)
    kind, title, message = shown[0]
    assert (kind, title) == ("recovery_ready", "Recovery ready")
    recovery = win.context.dashboard.today().values["recovery"]  # type: ignore[union-attr]
    score = fake.data.recoveries[max(fake.data.recoveries)]["score"]["recovery_score"]
    assert recovery.value == pytest.approx(score) and f"Recovery {score:.0f} %" in message
    assert f"{recovery.day:%d %b}" in message

    # The same recovery is not announced again by the next sync.
    with qtbot.waitSignal(page.state_changed, timeout=60_000, check_params_cb=lambda s: s == "Connected"):
        qtbot.mouseClick(page.sync_button, Qt.MouseButton.LeftButton)
    qtbot.wait(300)
    assert len(shown) == 1


def test_switched_off_notices_stay_quiet_and_failures_notify_only_when_hidden(
    tray_setup, fake, home: Path, qtbot
) -> None:
    win, tray, _background = tray_setup
    update_settings(home / "settings.json", notify_recovery_ready=False)
    fake.data.rescore_pending()  # this morning's recovery is scored before the first sync
    shown: list[tuple[str, str, str]] = []
    tray.notifier.shown.connect(lambda *notice: shown.append(notice))
    page = _connect(win, fake, qtbot)
    qtbot.waitUntil(lambda: page.state == "Connected" and "Last sync: today" in page.detail.text(), timeout=60_000)
    qtbot.wait(300)
    assert win.context.dashboard.today().values["recovery"].value is not None  # type: ignore[union-attr]
    assert shown == []  # a new recovery, but "recovery ready" is switched off

    win.close()  # the tray keeps the app: the window hides, the app does not close
    assert not win.isVisible()
    fake.malformed_next = 1
    with qtbot.waitSignal(tray.notifier.shown, timeout=30_000) as blocker:
        win.context.runner.spawn(_sync_ignoring_failure(win), name="hidden sync")
    assert blocker.args[0:2] == ["sync_failed", "WHOOP sync failed"]


async def _sync_ignoring_failure(win: MainWindow) -> None:
    from healthdesk.cloud.errors import CloudError

    try:
        await win.context.cloud.sync_now()  # type: ignore[union-attr]
    except CloudError:
        pass


def test_close_hides_to_the_tray_and_quit_closes(context, qtbot) -> None:
    win = MainWindow(context)
    settings = {"keep": True}
    tray = Tray(win, app_icon(), lambda: _settings(settings["keep"]))
    closing: list[int] = []
    win.closing.connect(lambda: closing.append(1))
    win.show()
    win.close()
    assert not win.isVisible() and closing == []  # hidden to the tray, still running
    tray.show_window()
    assert win.isVisible()
    settings["keep"] = False  # the user switched "keep syncing in the tray" off: closing closes
    win.close()
    assert closing == [1]
    win.show()
    settings["keep"] = True
    tray.quit()  # the tray's Quit always closes
    assert closing == [1, 1]
    tray.remove()
    close_window(qtbot, win)


def _settings(keep: bool):
    from dataclasses import replace

    return replace(background_settings(None), keep_in_tray=keep)


def test_settings_defaults_and_user_choices(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    defaults = background_settings(path)
    assert defaults.band_interval_min == 60 and defaults.keep_in_tray and all(defaults.notify.values())
    path.write_text(json.dumps({"band_sync_interval_minutes": 15, "notify_band_battery_low": False,
                                "keep_syncing_in_tray": False}))
    chosen = background_settings(path)
    assert chosen.band_interval_min == 15 and not chosen.keep_in_tray
    assert chosen.notify == {"recovery_ready": True, "battery_low": False, "sync_failed": True}
    path.write_text(json.dumps({"band_sync_interval_minutes": "soon", "notify_sync_failed": "no"}))
    assert background_settings(path) == defaults  # nonsense values read as the defaults


@pytest.mark.skipif(not autostart.supported(), reason="XDG autostart is Linux-only")
def test_start_at_login_writes_and_removes_an_xdg_autostart_entry(tmp_path: Path) -> None:
    env = {"XDG_CONFIG_HOME": str(tmp_path / "cfg"), "HOME": str(tmp_path)}
    path = autostart.set_enabled(True, env)
    assert path == tmp_path / "cfg" / "autostart" / "healthdesk.desktop"
    text = path.read_text()
    assert "[Desktop Entry]" in text and "Type=Application" in text
    exec_line = next(line for line in text.splitlines() if line.startswith("Exec="))
    assert exec_line.endswith("--tray")  # starts hidden in the tray
    assert autostart.is_enabled(env)
    autostart.set_enabled(False, env)
    assert not path.exists() and not autostart.is_enabled(env)


def test_settings_card_writes_each_choice_to_settings_json(tmp_path: Path, qtbot) -> None:
    from healthdesk.ui.notifications import BackgroundCard

    path = tmp_path / "settings.json"
    card = BackgroundCard(path)
    qtbot.addWidget(card)
    assert card.band_interval.value() == 60 and card.keep_in_tray.isChecked()
    card.band_interval.setValue(15)
    card.notify_boxes["sync_failed"].setChecked(False)
    card.keep_in_tray.setChecked(False)
    chosen = background_settings(path)
    assert chosen.band_interval_min == 15 and not chosen.keep_in_tray
    assert chosen.notify == {"recovery_ready": True, "battery_low": True, "sync_failed": False}
    card.band_interval.setValue(0)
    assert card.band_interval.text() == "off" and background_settings(path).band_interval_min == 0
