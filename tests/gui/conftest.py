"""GUI fixtures: one running qasync loop per test, a context over a real SQLite file, leak and failure checks.

Pattern B of ecosystem.md §7: the loop is created `already_running`, so tasks see a running loop while pytest-qt
spins Qt with `waitUntil`/`waitSignal`. Exceptions that escape tasks (loop handler) or reach the task runner's
`task_failed` fail the test; top-level widgets that outlive a test fail it too.
"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Coroutine, Iterator
from pathlib import Path
from typing import Any

import pytest
import qasync
from PySide6.QtCore import QCoreApplication, QEvent, QSettings
from PySide6.QtWidgets import QApplication

import healthdesk.ui  # noqa: F401  (binding choice and the PySide6 6.12 refcount fix, before any Qt use)
from healthdesk.config import Paths, resolve_paths
from healthdesk.services.dashboard import DashboardService
from healthdesk.store.database import Database, open_database
from healthdesk.ui.context import AppContext
from healthdesk.ui.main_window import MainWindow
from healthdesk.ui.tasks import TaskRunner

IGNORED_TOP_LEVELS = {"QTipLabel", "QComboBoxPrivateContainer"}


def _flush_deletes() -> None:
    for _ in range(3):
        QApplication.processEvents()
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        gc.collect()  # pyqtgraph's context menus are parentless QMenus owned by Python objects


@pytest.fixture(autouse=True)
def no_leaked_widgets(qapp: QApplication) -> Iterator[None]:
    _flush_deletes()
    before = set(QApplication.topLevelWidgets())
    yield
    _flush_deletes()
    leaked = [
        w for w in QApplication.topLevelWidgets()
        if w not in before and type(w).__name__ not in IGNORED_TOP_LEVELS
    ]
    assert not leaked, f"top-level widgets leaked: {[(type(w).__name__, getattr(w, 'text', str)(), w.parent()) for w in leaked if type(w).__name__ != 'QMenu']}"


@pytest.fixture
def qloop(qapp: QApplication) -> Iterator[qasync.QEventLoop]:
    loop = qasync.QEventLoop(qapp, already_running=True)
    asyncio.set_event_loop(loop)
    errors: list[str] = []

    def record(_loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        errors.append(f"{context.get('message')}: {context.get('exception')!r}")

    loop.set_exception_handler(record)
    yield loop
    for task in asyncio.all_tasks(loop):
        task.cancel()
    for _ in range(20):  # let the cancellations run
        QApplication.processEvents()
        if not asyncio.all_tasks(loop):
            break
    loop._QEventLoop__is_running = False  # stop() would call QApplication.exit(), which wedges later loops
    asyncio.events._set_running_loop(None)  # private, but the documented way out of Pattern B
    loop.close()
    asyncio.set_event_loop(None)
    assert not errors, f"exceptions in asyncio callbacks: {errors}"


def run_on_loop(qtbot: Any, coro: Coroutine[Any, Any, Any], timeout_ms: int = 30_000) -> Any:
    """Run a coroutine on the test's running loop while Qt spins; return its result."""
    task = asyncio.ensure_future(coro)
    qtbot.waitUntil(task.done, timeout=timeout_ms)
    return task.result()


@pytest.fixture
def drive(qloop: qasync.QEventLoop, qtbot: Any) -> Any:
    return lambda coro, timeout_ms=30_000: run_on_loop(qtbot, coro, timeout_ms)


SEEDED_DAYS = 12


@pytest.fixture(scope="session")
def seeded_paths(tmp_path_factory: pytest.TempPathFactory) -> Paths:
    """One database with 12 days of simulated band data, imported and derived through the demo's real path
    (simulate -> frames -> decoder -> store -> derive); the last day stays on the simulated band. Shared
    read-only by the tests that need data."""
    from healthdesk.services.demo import demo_paths, import_demo_history, prepare_demo_band

    paths = demo_paths(resolve_paths(tmp_path_factory.mktemp("seeded"))).ensure()
    db = open_database(paths.database)
    try:
        plan = prepare_demo_band(paths, days=SEEDED_DAYS, band_hours=24, seed=99)
        assert plan is not None
        import_demo_history(paths, db, plan)
    finally:
        db.close()
    return paths


@pytest.fixture
def seeded_database(seeded_paths: Paths) -> Iterator[Database]:
    db = open_database(seeded_paths.database)
    yield db
    db.close()


@pytest.fixture
def database(home: Path) -> Iterator[Database]:
    paths = resolve_paths(home).ensure()
    db = open_database(paths.database)
    yield db
    db.close()


@pytest.fixture
def task_failures() -> list[str]:
    return []


@pytest.fixture
def context(qloop: qasync.QEventLoop, home: Path, database: Database, qtbot: Any,
            task_failures: list[str]) -> Iterator[AppContext]:
    runner = TaskRunner()
    runner.task_failed.connect(lambda name, message: task_failures.append(f"{name}: {message}"))
    settings = QSettings(str(home / "healthdesk-ui.ini"), QSettings.Format.IniFormat)
    ctx = AppContext(runner, settings, home)
    ctx.attach(dashboard=DashboardService(database))
    yield ctx
    run_on_loop(qtbot, runner.shutdown())
    assert not task_failures, f"tasks failed: {task_failures}"


def close_window(qtbot: Any, win: MainWindow) -> None:
    """As the app does: stop the window's tasks first, then close and delete it."""
    run_on_loop(qtbot, win.context.runner.shutdown())
    win.close()
    win.deleteLater()


@pytest.fixture
def window(context: AppContext, qtbot: Any) -> Iterator[MainWindow]:
    win = MainWindow(context)
    win.show()
    yield win
    close_window(qtbot, win)
