"""While a WHOOP sync runs the card says "Syncing…" and Sync now is off; the dashboard hears ONE data-changed
at the end, however many pages the sync stored (real fake-WHOOP server on 127.0.0.1)."""

from __future__ import annotations

from PySide6.QtCore import Qt

from healthdesk.services.background_sync import listen_to_cloud
from healthdesk.ui.main_window import MainWindow
from healthdesk.ui.pages.cloud import CloudPage

from . import test_cloud_page as base
from .test_cloud_page import CLIENT_ID, CLIENT_SECRET, _browser_for, _free_port

# The WHOOP page tests' fixtures: a fake WHOOP server with 20 days and a window with the cloud service.
history, fake, server, cloud_window = base.history, base.fake, base.server, base.cloud_window


def test_progress_keeps_syncing_and_sync_now_off_then_one_data_changed(
    cloud_window: MainWindow, fake, qtbot
) -> None:
    page: CloudPage = cloud_window.pages["cloud"]  # type: ignore[assignment]
    service = page.context.cloud
    assert service is not None
    with qtbot.waitSignal(page.loaded, timeout=10_000):
        page.refresh()  # the page listens to the service from here
    seen: list[tuple[str, str, str, bool]] = []  # event, state, label, Sync now enabled: as the user sees it
    listen_to_cloud(service, lambda e: seen.append((e.kind, page.state, page.state_label.text(),
                                                    page.sync_button.isEnabled())))
    changes: list[int] = []
    page.data_changed.connect(lambda: changes.append(1))
    today_loads: list[int] = []
    cloud_window.pages["today"].loaded.connect(lambda: today_loads.append(1))

    page.port.setValue(_free_port())
    page.open_browser = _browser_for(fake, [])
    qtbot.keyClicks(page.client_id, CLIENT_ID)
    qtbot.keyClicks(page.client_secret, CLIENT_SECRET)
    qtbot.mouseClick(page.connect_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: any(kind == "finished" for kind, *_ in seen), timeout=60_000)
    qtbot.waitUntil(lambda: page.state == "Connected", timeout=10_000)

    progress = [s for s in seen if s[0] == "progress"]
    assert len(progress) >= 3, seen  # the backfill stored several pages (one event each)
    for event in progress:
        assert event[1:] == ("Syncing", "Syncing\u2026", False), event
    assert len(changes) == 1  # one signal for the whole backfill, not one per page
    qtbot.waitUntil(lambda: len(today_loads) >= 1, timeout=10_000)
    qtbot.wait(300)
    assert len(today_loads) == 1  # so the dashboard rebuilt once
    assert page.state_label.text() == "Connected" and page.sync_button.isEnabled()

    seen.clear()
    with qtbot.waitSignal(page.state_changed, timeout=60_000, check_params_cb=lambda s: s == "Connected"):
        qtbot.mouseClick(page.sync_button, Qt.MouseButton.LeftButton)
        assert page.state == "Syncing" and not page.sync_button.isEnabled()  # at once: no second click
        assert page.state_label.text() == "Syncing\u2026"
    assert [kind for kind, *_ in seen][-1] == "finished"
    assert all(event[1:] == ("Syncing", "Syncing\u2026", False) for event in seen if event[0] == "progress")
    assert page.sync_button.isEnabled()
