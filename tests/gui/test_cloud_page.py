"""The WHOOP card walks its states against the fake WHOOP server (a real HTTP server on 127.0.0.1)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from PySide6.QtCore import Qt
from sqlalchemy import func, select

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "cloud"))  # the cloud tests' fake server

from fake_whoop import FakeWhoop, FakeWhoopServer, simulate_history  # noqa: E402
from fake_whoop.spec import OPENAPI_PATH  # noqa: E402

from healthdesk.cloud.secrets import MemorySecretStore  # noqa: E402
from healthdesk.services.cloud_sync import CloudSyncService  # noqa: E402
from healthdesk.store.cloud import WhoopSleep  # noqa: E402
from healthdesk.ui.main_window import MainWindow  # noqa: E402
from healthdesk.ui.pages.cloud import CloudPage  # noqa: E402

from .conftest import close_window  # noqa: E402

pytestmark = pytest.mark.skipif(not OPENAPI_PATH.is_file(), reason=f"WHOOP OpenAPI document not at {OPENAPI_PATH}")
CLIENT_ID, CLIENT_SECRET = "gui-client-id", "gui-client-secret-value"


@pytest.fixture(scope="module")
def history():
    return simulate_history(days=20, seed=11)


@pytest.fixture
def fake(history) -> FakeWhoop:
    import copy

    return FakeWhoop(copy.deepcopy(history))


@pytest.fixture
def server(fake) -> Iterator[FakeWhoopServer]:
    with FakeWhoopServer(fake) as srv:
        yield srv


@pytest.fixture
def cloud_window(context, database, server, qtbot, drive) -> Iterator[MainWindow]:
    service = CloudSyncService(database, api_base=server.base_url, store=MemorySecretStore(), interval_hours=2.0)
    context.attach(dashboard=context.dashboard, cloud=service)
    win = MainWindow(context)
    win.show()
    win.show_page("cloud")
    yield win
    close_window(qtbot, win)
    drive(service.aclose())


def _browser_for(fake: FakeWhoop, seen: list[str]):
    """The user's browser: registers the shown redirect URI with the app, then follows the authorize URL."""

    def open_url(url: str) -> None:
        redirect = httpx.URL(url).params["redirect_uri"]
        fake.register_app(CLIENT_ID, CLIENT_SECRET, redirect)
        seen.append(url)
        import threading

        threading.Thread(target=lambda: httpx.get(url, follow_redirects=True, timeout=10), daemon=True).start()

    return open_url


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_card_walks_disconnected_connecting_connected_syncing_error_needs_signin(
    cloud_window: MainWindow, fake: FakeWhoop, database, qtbot, task_failures
) -> None:
    page: CloudPage = cloud_window.pages["cloud"]  # type: ignore[assignment]
    states: list[str] = []
    page.state_changed.connect(states.append)
    with qtbot.waitSignal(page.loaded, timeout=10_000):
        page.refresh()
    assert page.state == "Disconnected"
    assert page.signin.isVisibleTo(cloud_window) and not page.connect_button.isEnabled()
    port = _free_port()
    page.port.setValue(port)
    assert page.redirect_uri.text() == f"http://127.0.0.1:{port}/callback"

    urls: list[str] = []
    page.open_browser = _browser_for(fake, urls)
    qtbot.keyClicks(page.client_id, CLIENT_ID)
    qtbot.keyClicks(page.client_secret, CLIENT_SECRET)
    assert page.connect_button.isEnabled()
    with qtbot.waitSignal(page.data_changed, timeout=60_000):
        qtbot.mouseClick(page.connect_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.state == "Connected", timeout=10_000)
    assert states[:4] == ["Connecting", "Connected", "Syncing", "Connected"]
    assert len(urls) == 1 and f"redirect_uri=http%3A%2F%2F127.0.0.1%3A{port}%2Fcallback" in urls[0]
    assert page.client_secret.text() == ""  # the secret went to the keyring, not kept in the form
    assert not page.signin.isVisibleTo(cloud_window)
    qtbot.waitUntil(lambda: "Last sync: today" in page.detail.text(), timeout=10_000)
    with database.read() as conn:
        sleeps = conn.execute(select(func.count()).select_from(WhoopSleep)).scalar()
    assert sleeps == len(fake.data.sleeps)

    fake.malformed_next = 1  # WHOOP answers garbage once: the sync fails with a clear error
    with qtbot.waitSignal(page.state_changed, timeout=30_000, check_params_cb=lambda s: s == "Error"):
        qtbot.mouseClick(page.sync_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Last error:" in page.detail.text(), timeout=10_000)
    assert page.sync_button.isEnabled()  # the user can try again

    for grant in fake.grants.values():  # WHOOP revoked the app: tokens and refresh stop working
        grant.alive = False
    for token in fake.access.values():
        token["alive"] = False
    with qtbot.waitSignal(page.state_changed, timeout=30_000, check_params_cb=lambda s: s == "Needs sign-in"):
        qtbot.mouseClick(page.sync_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.signin.isVisibleTo(cloud_window), timeout=10_000)
    assert page.connect_button.text() == "Sign in again"
    assert "Syncing" in states and states[-1] == "Needs sign-in"

    with qtbot.waitSignal(page.state_changed, timeout=30_000, check_params_cb=lambda s: s == "Disconnected"):
        qtbot.mouseClick(page.disconnect_button, Qt.MouseButton.LeftButton)
    with database.read() as conn:  # disconnect keeps every synced record
        assert conn.execute(select(func.count()).select_from(WhoopSleep)).scalar() == sleeps
    failed = [f for f in task_failures if f.startswith("Syncing WHOOP")]
    assert len(failed) == 2  # the two failing syncs reached the error banner
    task_failures.clear()
