"""GUI composition root: QApplication + one qasync loop, the services, the main window.

`healthdesk [--home DIR] [--demo] [--screenshot DIR]`. The database opens on a worker thread while the window
is built; the window appears once both are ready and loads every page off the paint path.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

import healthdesk.ui  # noqa: F401  (sets the Qt binding for qasync/pyqtgraph; the PySide6 6.12 refcount fix)
from healthdesk import __version__
from healthdesk.config import Paths, resolve_paths

if TYPE_CHECKING:
    from healthdesk.ui.main_window import MainWindow

log = logging.getLogger("healthdesk.app")
STARTED = time.perf_counter()  # process start as near as Python sees it (bench/startup.py reads the log)
SCREENSHOT_DEADLINE_S = 170.0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="healthdesk", description="healthdesk: your WHOOP 4.0 data, on your desk.")
    parser.add_argument("--home", metavar="DIR", help="keep database, settings and logs in DIR")
    parser.add_argument("--demo", action="store_true",
                        help="use a simulated band and a separate demo data folder")
    parser.add_argument("--screenshot", metavar="DIR", type=Path,
                        help="render every page once its data has loaded, save DIR/<page>.png and exit")
    parser.add_argument("--version", action="version", version=f"healthdesk {__version__}")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from healthdesk.services.demo import demo_paths

    paths = resolve_paths(args.home)
    if args.demo:
        paths = demo_paths(paths)
    try:
        paths.ensure()
    except OSError as exc:
        print(f"healthdesk: cannot create the data folder: {exc}", file=sys.stderr)
        return 2
    logging.basicConfig(
        filename=paths.log_dir / "healthdesk.log",
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
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

    settings = QSettings(str(paths.config_dir / "healthdesk-ui.ini"), QSettings.Format.IniFormat)
    theme.apply(app, theme.resolve_scheme(str(settings.value("theme", "system"))))
    app.setWindowIcon(theme.app_icon())
    services_future = asyncio.ensure_future(asyncio.to_thread(open_services, paths, args.demo))
    try:
        context = AppContext(TaskRunner(), settings, paths.data_dir, demo=args.demo,
                             settings_file=paths.settings_file)
        window = MainWindow(context)
        services = await services_future
    except Exception as exc:  # the database cannot be opened: one line, no traceback
        log.exception("start-up failed")
        print(f"healthdesk: {exc}", file=sys.stderr)
        return 2
    context.attach(dashboard=services.dashboard, band=services.band, cloud=services.cloud)
    failures: list[str] = []
    context.runner.task_failed.connect(lambda name, message: failures.append(f"{name}: {message}"))
    closed = asyncio.Event()
    window.closing.connect(closed.set)
    app.aboutToQuit.connect(closed.set)
    window.show()
    window.refresh_all()
    services.cloud.start()  # sync at start (when connected) and every N hours while the window is open
    log.info("window shown after %.3f s", time.perf_counter() - STARTED)
    exit_code = 0
    if args.demo:
        context.runner.spawn(start_demo(services, window), name="Preparing the demo band")
    if args.screenshot is not None:
        from healthdesk.ui.screenshots import capture_all

        try:
            await asyncio.wait_for(capture_all(window, args.screenshot), SCREENSHOT_DEADLINE_S)
        except Exception as exc:
            log.exception("screenshots failed")
            print(f"healthdesk: screenshots failed: {exc}", file=sys.stderr)
            exit_code = 1
        if failures:
            print("healthdesk: " + "; ".join(failures), file=sys.stderr)
            exit_code = 1
        window.close()
    await closed.wait()
    window.save_state()
    await context.runner.shutdown()
    await services.aclose()
    window.deleteLater()
    return exit_code


class AppServices:
    """Everything the window talks to, opened off the GUI thread and closed after the loop's last task."""

    def __init__(self, paths: Paths, demo: bool) -> None:
        from healthdesk.services.band_control import BandControl
        from healthdesk.services.dashboard import DashboardService
        from healthdesk.store.database import open_database

        self.paths = paths
        self.database = open_database(paths.database)
        self.dashboard = DashboardService(self.database)
        backend = None
        if demo:
            from healthdesk.ble.bumble_backend import SIMULATED

            backend = SIMULATED
        self.band = BandControl(paths, self.database, backend, simulated=demo, scan_timeout=1.0 if demo else 5.0)
        from healthdesk.services.cloud_sync import CloudSyncService

        self.cloud = CloudSyncService.from_paths(self.database, paths)
        self.demo = demo
        self._air: object | None = None
        self.demo_plan: object | None = None

    async def prepare_demo(self, say: Callable[[str], None]) -> None:
        """Seed the demo folder on first start (on a thread), then switch the simulated band on."""
        from healthdesk.ble.bumble_backend import simulated_air
        from healthdesk.services.demo import load_demo_band, prepare_demo_band

        self.demo_plan = await asyncio.to_thread(prepare_demo_band, self.paths)
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
        await self.cloud.aclose()
        if self._air is not None:
            await self._air.close()  # type: ignore[attr-defined]
        await asyncio.to_thread(self.database.close)


def open_services(paths: Paths, demo: bool) -> AppServices:
    return AppServices(paths, demo)


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
