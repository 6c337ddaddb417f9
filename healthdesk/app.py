"""GUI composition root: QApplication + one qasync loop, the services, the main window.

`healthdesk [--home DIR] [--demo] [--screenshot DIR] [--tray]`. The database opens on a worker thread while the
window is built; the window appears once both are ready and loads every page off the paint path. With a system
tray, closing the window hides it and the background sync goes on (ui/tray.py, services/background_sync.py).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

import healthdesk.ui  # noqa: F401  (sets the Qt binding for qasync/pyqtgraph; the PySide6 6.12 refcount fix)
from healthdesk import __version__
from healthdesk.config import Paths, resolve_paths

if TYPE_CHECKING:
    from healthdesk.services.band_control import BandControl
    from healthdesk.services.cloud_sync import CloudSyncService
    from healthdesk.ui.main_window import MainWindow
    from healthdesk.ui.tray import Tray

log = logging.getLogger("healthdesk.app")
STARTED = time.perf_counter()  # process start as near as Python sees it (bench/startup.py reads the log)
SCREENSHOT_DEADLINE_S = 480.0  # the demo seeds 30 days first; two themes of pages; slow on a loaded machine
FIRST_PAINT_ENV = "HEALTHDESK_EXIT_AFTER_FIRST_PAINT"  # bench/startup.py: print when Today is painted, then quit


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="healthdesk", description="healthdesk: your WHOOP 4.0 data, on your desk.")
    parser.add_argument("--home", metavar="DIR", help="keep database, settings and logs in DIR")
    parser.add_argument("--demo", action="store_true",
                        help="use a simulated band and a separate demo data folder")
    parser.add_argument("--screenshot", metavar="DIR", type=Path,
                        help="render every page once its data has loaded, save DIR/<page>.png and exit")
    parser.add_argument("--tray", action="store_true",
                        help="start in the system tray without opening the window (start at login uses this)")
    parser.add_argument("--version", action="version", version=f"healthdesk {__version__}")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    paths = resolve_paths(args.home)
    if args.demo:
        from healthdesk.services.demo import demo_paths

        paths = demo_paths(paths)
    try:
        paths.ensure()
    except OSError as exc:
        print(f"healthdesk: cannot create the data folder: {exc}", file=sys.stderr)
        return 2
    from healthdesk.logsetup import configure_logging

    configure_logging(paths.log_dir / "healthdesk.log", program="healthdesk")  # rotating, 0600
    paths.tighten()  # an install from before owner-only files: one log line
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("healthdesk")
    app.setApplicationDisplayName("healthdesk")
    app.setDesktopFileName("healthdesk")
    app.setQuitOnLastWindowClosed(False)  # the loop below decides when to stop, after a clean shutdown
    import qasync  # after PySide6, so it binds to it

    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    try:
        return loop.run_until_complete(run(app, paths, args))
    except KeyboardInterrupt:
        return 130
    finally:
        # Close the loop while the QApplication still exists (ecosystem.md §2).
        loop.close()
        asyncio.set_event_loop(None)
        # Tear Qt down deterministically before interpreter finalization (PySide6 otherwise may crash
        # while the garbage collector frees widgets in arbitrary order).
        app.shutdown()


async def run(app: QApplication, paths: Paths, args: argparse.Namespace) -> int:
    from healthdesk.ui import theme
    from healthdesk.ui.context import AppContext
    from healthdesk.ui.main_window import MainWindow
    from healthdesk.ui.tasks import TaskRunner

    # The database opens on a worker thread (SQLAlchemy's import alone is ~0.5 s) while the window is built.
    services_future = asyncio.ensure_future(asyncio.to_thread(open_services, paths, args.demo))
    from healthdesk.services.user_settings import THEMES, choice
    from healthdesk.ui.pages.settings import adopt_legacy_settings

    settings = QSettings(str(paths.config_dir / "healthdesk-ui.ini"), QSettings.Format.IniFormat)  # window state
    adopt_legacy_settings(settings, paths.settings_file)  # settings.json is the one home of settings
    theme.apply(app, theme.resolve_scheme(choice(paths.settings_file, "theme", THEMES)))
    app.setWindowIcon(theme.app_icon())
    try:
        context = AppContext(TaskRunner(), settings, paths.data_dir, demo=args.demo,
                             settings_file=paths.settings_file)
        window = MainWindow(context, lazy=True)  # only the page on screen; the rest after the first paint
        services = await services_future
    except Exception as exc:  # the database cannot be opened: one line, no traceback
        log.exception("start-up failed")
        print(f"healthdesk: {exc}", file=sys.stderr)
        if args.screenshot is None:
            await _tell(f"healthdesk cannot start: {exc}")  # a double-clicked app has no terminal
        return 2
    context.attach(dashboard=services.dashboard)

    def follow_system_scheme(_scheme: object) -> None:
        if choice(paths.settings_file, "theme", THEMES) == "system":
            theme.apply(app, theme.resolve_scheme("system"))
            window.refresh_all()  # charts pick their pens from the palette when they draw their data

    app.styleHints().colorSchemeChanged.connect(follow_system_scheme)
    failures: list[str] = []
    context.runner.task_failed.connect(lambda name, message: failures.append(f"{name}: {message}"))
    closed = asyncio.Event()
    window.closing.connect(closed.set)
    app.aboutToQuit.connect(closed.set)
    tray = _make_tray(window, paths, args)
    if not (args.tray and tray is not None):
        window.show()
    if os.environ.get(FIRST_PAINT_ENV):
        _report_first_paint(window)
    window.refresh_all()
    log.info("window shown after %.3f s", time.perf_counter() - STARTED)
    context.runner.spawn(start_jobs(services, window, args.demo, tray), name="Starting band and WHOOP services")
    exit_code = 0
    if args.screenshot is not None:
        from healthdesk.ui.screenshots import capture_all

        try:
            await asyncio.wait_for(capture_all(window, args.screenshot), SCREENSHOT_DEADLINE_S)
        except Exception as exc:
            log.exception("screenshots failed")
            print(f"healthdesk: screenshots failed: {exc}", file=sys.stderr)
            exit_code = 1
        else:
            await _capture_share_view(paths, args.screenshot)
        if failures:
            print("healthdesk: " + "; ".join(failures), file=sys.stderr)
            exit_code = 1
        window.close()
    await closed.wait()
    window.save_state()
    if tray is not None:
        tray.remove()
    if context.background is not None:
        await context.background.stop()
    await context.runner.shutdown()
    await services.aclose()
    window.deleteLater()
    return exit_code


async def _tell(message: str) -> None:
    """A message box the person closes; awaited without a nested event loop (exec() would re-enter qasync)."""
    from PySide6.QtWidgets import QMessageBox

    box = QMessageBox(QMessageBox.Icon.Critical, "healthdesk", message)
    closed = asyncio.Event()
    box.finished.connect(lambda _result: closed.set())
    box.show()
    await closed.wait()


async def _capture_share_view(paths: Paths, out_dir: Path) -> None:
    """DIR/share-390.png: the clinician's share view on a phone, in headless Chromium (skipped without it)."""
    from healthdesk.services.headless_browser import BrowserError
    from healthdesk.services.share_preview import save_phone_screenshot

    try:
        await asyncio.to_thread(save_phone_screenshot, paths.database, out_dir / "share-390.png")
    except BrowserError as exc:
        print(f"healthdesk: share view screenshot skipped: {exc}", file=sys.stderr)


def _make_tray(window: MainWindow, paths: Paths, args: argparse.Namespace) -> Tray | None:
    """The tray icon when the desktop has a tray (not for --screenshot or the first-paint benchmark, which
    close the window to exit)."""
    if args.screenshot is not None or os.environ.get(FIRST_PAINT_ENV):
        return None
    from healthdesk.services.background_sync import background_settings
    from healthdesk.ui import theme
    from healthdesk.ui.tray import Tray, tray_available

    if not tray_available():
        log.info("no system tray: closing the window quits")
        return None
    return Tray(window, theme.app_icon(), lambda: background_settings(paths.settings_file))


def _report_first_paint(window: MainWindow) -> None:
    """Once Today has its data: paint it synchronously, print the wall clock, close the window."""
    today = window.page("today")
    shown = time.perf_counter() - STARTED

    def painted() -> None:
        window.repaint()
        print(f"first-paint-unix {time.time():.6f} (window shown {shown:.3f} s, Today painted "
              f"{time.perf_counter() - STARTED:.3f} s after app.py was imported)", flush=True)
        window.close()

    today.loaded.connect(painted)


class AppServices:
    """Everything the window talks to. The database and dashboard open first (Today needs them); the band and
    cloud jobs, whose imports (bleak, bumble, httpx, keyring) cost about a second, start after the first paint."""

    def __init__(self, paths: Paths, demo: bool) -> None:
        from healthdesk.services.dashboard import DashboardService
        from healthdesk.store.database import open_database

        self.paths = paths
        self.demo = demo
        self.database = open_database(paths.database)
        self.dashboard = DashboardService(self.database)
        self.band: BandControl | None = None
        self.cloud: CloudSyncService | None = None
        self._air: Any = None
        self.demo_plan: Any = None

    def open_jobs(self) -> None:
        """Blocking (run on a thread): the band and WHOOP cloud services."""
        from healthdesk.services.band_control import BandControl
        from healthdesk.services.cloud_sync import CloudSyncService

        backend = None
        if self.demo:
            from healthdesk.ble.bumble_backend import SIMULATED

            backend = SIMULATED
        self.band = BandControl(self.paths, self.database, backend, simulated=self.demo,
                                scan_timeout=1.0 if self.demo else 5.0)
        self.cloud = CloudSyncService.from_paths(self.database, self.paths)

    async def prepare_demo(self, say: Callable[[str], None]) -> None:
        """Make the demo band on first start (on a thread), then switch it on in the simulated air."""
        from healthdesk.ble.bumble_backend import simulated_air
        from healthdesk.services.demo import load_demo_band, prepare_demo_band

        # Smaller demos for tests and quick looks: HEALTHDESK_DEMO_DAYS / HEALTHDESK_DEMO_BAND_HOURS.
        days = int(os.environ.get("HEALTHDESK_DEMO_DAYS", "30"))
        hours = int(os.environ.get("HEALTHDESK_DEMO_BAND_HOURS", "24"))
        self.demo_plan = await asyncio.to_thread(prepare_demo_band, self.paths, days=days, band_hours=hours)
        air = simulated_air()
        await air.power_on(load_demo_band(self.paths))
        self._air = air

    async def import_demo_history(self, say: Callable[[str], None]) -> None:
        """First start: the seeded days go in on a thread while the band drains (both through the one writer)."""
        from healthdesk.services.demo import import_demo_history

        if self.demo_plan is None:
            return
        loop = asyncio.get_running_loop()
        await asyncio.to_thread(import_demo_history, self.paths, self.database, self.demo_plan,
                                lambda m: loop.call_soon_threadsafe(say, m))
        self.demo_plan = None

    async def aclose(self) -> None:
        if self.cloud is not None:
            await self.cloud.aclose()
        if self._air is not None:
            await self._air.close()
        await asyncio.to_thread(self.database.close)


def open_services(paths: Paths, demo: bool) -> AppServices:
    return AppServices(paths, demo)


async def start_jobs(services: AppServices, window: MainWindow, demo: bool, tray: Tray | None = None) -> None:
    """After the first paint: the other pages, then the band and cloud services, the background sync (and the
    demo band)."""
    first = window.page(window.current_page_key())
    if not first.has_loaded:  # nothing competes with the first page's paint for the one Python thread
        shown = asyncio.Event()
        first.loaded.connect(shown.set)
        await shown.wait()
    await window.build_remaining()
    await asyncio.to_thread(services.open_jobs)
    window.context.attach(band=services.band, cloud=services.cloud)
    from healthdesk.services.ingest import derive_pending  # days a crash left stored but underived
    from healthdesk.services.user_settings import saved_profile

    if await asyncio.to_thread(derive_pending, services.database, saved_profile(services.paths.settings_file)):
        window.refresh_data_pages()
    window.refresh_page("band")
    window.refresh_page("cloud")
    await start_background(services, window, tray)
    if demo:
        await start_demo(services, window)


async def start_background(services: AppServices, window: MainWindow, tray: Tray | None) -> None:
    """Band drains at the user's interval, notices to the tray; the WHOOP schedule runs while connected."""
    from healthdesk.services.background_sync import BackgroundSync

    def band_busy() -> bool:  # the Band page is scanning, pairing or draining: leave the band to it
        page = window.pages.get("band")
        return page is not None and not getattr(page, "_idle", True)

    background = BackgroundSync(services.paths.settings_file, services.dashboard,
                                notify=tray.notify if tray is not None else _log_notice,
                                data_changed=window.refresh_data_pages, band_busy=band_busy)
    background.attach(cloud=services.cloud, band=services.band)
    window.context.attach(background=background)
    if tray is not None:
        tray.sync_requested.connect(lambda: window.context.runner.spawn(
            background.sync_all(), name="Syncing from the tray"))
    await background.start()
    if services.cloud is not None:
        status = await asyncio.to_thread(services.cloud.status)
        if status.get("connected"):  # the WHOOP schedule, also when the window starts hidden in the tray
            services.cloud.start()


def _log_notice(notice: object) -> None:
    log.info("notice (no tray to show it): %s", notice)


async def start_demo(services: AppServices, window: MainWindow) -> None:
    def say(message: str) -> None:
        window.statusBar().showMessage(message)

    say("Preparing the demo band\u2026")
    await services.prepare_demo(say)
    window.start_demo_band()
    await services.import_demo_history(say)
    say("Demo history imported")
    window.refresh_data_pages()


if __name__ == "__main__":
    sys.exit(main())
