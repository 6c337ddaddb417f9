"""The main window: sidebar navigation (Ctrl+1..9), the page stack, an error banner and the status bar."""

from __future__ import annotations

import asyncio

from PySide6.QtCore import QByteArray, Qt, Signal
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from healthdesk.ui import theme
from healthdesk.ui.context import AppContext
from healthdesk.ui.widgets.banner import ErrorBanner
from healthdesk.ui.widgets.common import Page

# Page keys double as screenshot file names.
PAGES = (
    ("today", "Today"), ("recovery", "Recovery"), ("strain", "Strain"), ("sleep", "Sleep"), ("trends", "Trends"),
    ("explorer", "Day explorer"), ("insights", "Insights"), ("band", "Band"), ("cloud", "WHOOP cloud"), ("share", "Share & export"), ("settings", "Settings"),
)
PAGE_KEYS = tuple(key for key, _ in PAGES)
DATA_PAGES = ("today", "recovery", "strain", "sleep", "trends", "explorer", "insights")


def build_page(key: str, context: AppContext) -> Page:
    """Each page module is imported when its page is first built: Today needs no chart library."""
    if key == "today":
        from healthdesk.ui.pages.today import TodayPage

        return TodayPage(context)
    if key == "recovery":
        from healthdesk.ui.pages.history import recovery_page

        return recovery_page(context)
    if key == "strain":
        from healthdesk.ui.pages.strain import StrainPage

        return StrainPage(context)
    if key == "sleep":
        from healthdesk.ui.pages.sleep import SleepPage

        return SleepPage(context)
    if key == "trends":
        from healthdesk.ui.pages.trends import TrendsPage

        return TrendsPage(context)
    if key == "explorer":
        from healthdesk.ui.pages.day_explorer import DayExplorerPage

        return DayExplorerPage(context)
    if key == "insights":
        from healthdesk.ui.pages.insights import InsightsPage

        return InsightsPage(context)
    if key == "band":
        from healthdesk.ui.pages.band import BandPage

        return BandPage(context)
    if key == "cloud":
        from healthdesk.ui.pages.cloud import CloudPage

        return CloudPage(context)
    if key == "share":
        from healthdesk.ui.pages.share import SharePage

        return SharePage(context)
    from healthdesk.ui.pages.settings import SettingsPage

    return SettingsPage(context)


class MainWindow(QMainWindow):
    """`lazy=True` (the app) builds only the page on screen; `build_remaining` adds the rest after the first
    paint. Tests build every page up front."""

    closing = Signal()

    def __init__(self, context: AppContext, *, lazy: bool = False) -> None:
        super().__init__()
        self.context = context
        self.setWindowTitle("healthdesk \u2013 demo band" if context.demo else "healthdesk")
        self.setWindowIcon(theme.app_icon())
        self.setMinimumSize(960, 640)
        self.pages: dict[str, Page] = {}
        self.sidebar = QListWidget()
        self.sidebar.setObjectName("sidebar")
        self.sidebar.setFixedWidth(190)
        self.stack = QStackedWidget()
        for i, (key, title) in enumerate(PAGES):
            item = QListWidgetItem(title)
            item.setData(Qt.ItemDataRole.UserRole, key)
            self.sidebar.addItem(item)
            self.stack.addWidget(QWidget())  # placeholder until the page is built
            if i < 9:  # Ctrl+1..9: the first nine pages
                item.setToolTip(f"{title} (Ctrl+{i + 1})")
                shortcut = QShortcut(QKeySequence(f"Ctrl+{i + 1}"), self)
                shortcut.activated.connect(lambda i=i: self.sidebar.setCurrentRow(i))
        self.sidebar.currentRowChanged.connect(self._row_chosen)
        self.banner = ErrorBanner()
        right = QVBoxLayout()
        right.setContentsMargins(0, 0, 0, 0)
        right.setSpacing(0)
        right.addWidget(self.banner)
        right.addWidget(self.stack, 1)
        central = QWidget()
        row = QHBoxLayout(central)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(0)
        row.addWidget(self.sidebar)
        row.addLayout(right, 1)
        self.setCentralWidget(central)
        self.statusBar().showMessage("Ready")
        context.runner.task_failed.connect(self.show_task_error)
        context.runner.busy_changed.connect(self._busy)
        if not lazy:
            for key in PAGE_KEYS:
                self.page(key)
        self._restore_geometry()
        start = int(context.settings.value("window/page", 0))
        self.sidebar.setCurrentRow(start if 0 <= start < len(PAGES) else 0)

    def page(self, key: str) -> Page:
        """The page, built (and wired) on first use."""
        if key in self.pages:
            return self.pages[key]
        index = PAGE_KEYS.index(key)
        page = build_page(key, self.context)
        placeholder = self.stack.widget(index)
        current = self.stack.currentIndex()
        self.stack.insertWidget(index, page)
        self.stack.removeWidget(placeholder)
        placeholder.deleteLater()
        self.stack.setCurrentIndex(current)
        self.pages[key] = page
        if key in ("band", "cloud"):
            page.data_changed.connect(self.refresh_data_pages)  # type: ignore[attr-defined]
        if key == "settings":
            page.theme_changed.connect(self._theme_changed)  # type: ignore[attr-defined]
        if key == "today":
            page.navigate.connect(self.show_page)  # type: ignore[attr-defined]
        if key in ("recovery", "strain", "sleep"):
            page.open_day.connect(self.show_day)  # type: ignore[attr-defined]
        return page

    async def build_remaining(self) -> None:
        """After the first paint: build the other pages one per loop turn (the window stays responsive)."""
        for key in PAGE_KEYS:
            if key not in self.pages:
                self.page(key).refresh()
                await asyncio.sleep(0)

    def _row_chosen(self, row: int) -> None:
        key = PAGE_KEYS[row]
        fresh = key not in self.pages
        page = self.page(key)
        self.stack.setCurrentIndex(row)
        if fresh and self.isVisible():
            page.refresh()

    def show_page(self, key: str) -> None:
        self.sidebar.setCurrentRow(PAGE_KEYS.index(key))

    def show_day(self, day: object) -> None:
        """A day of a history chart, second by second, in the day explorer."""
        self.show_page("explorer")
        self.page("explorer").show_day(day)  # type: ignore[attr-defined]

    def current_page_key(self) -> str:
        return PAGE_KEYS[self.stack.currentIndex()]

    def refresh_all(self) -> None:
        """Reload every page built so far (the rest load when they are built)."""
        for page in list(self.pages.values()):
            page.refresh()

    def refresh_page(self, key: str) -> None:
        if key in self.pages:
            self.pages[key].refresh()

    def start_demo_band(self) -> None:
        """Demo start: pair the simulated band and drain it, as a person would from the Band page."""
        self.page("band").start_demo()  # type: ignore[attr-defined]

    async def wait_ready(self, timeout: float = 420.0) -> None:
        """Until every page is built and has its data, the demo drain included (screenshots, tests)."""
        await self.build_remaining()
        await self.context.runner.wait_idle(timeout)

    def refresh_data_pages(self) -> None:
        """New data arrived (drain, cloud sync): reload everything that reads the database."""
        for key in DATA_PAGES:
            self.refresh_page(key)

    def show_task_error(self, name: str, message: str) -> None:
        self.banner.show_error(name, message)
        self.statusBar().showMessage(f"{name} failed: {message}", 15000)

    def _busy(self, count: int) -> None:
        if count:
            self.statusBar().showMessage("Working\u2026")
        elif not self.banner.isVisible():
            self.statusBar().showMessage("Ready", 3000)

    def _theme_changed(self, setting: str) -> None:
        app = QApplication.instance()
        if isinstance(app, QApplication):
            theme.apply(app, theme.resolve_scheme(setting))

    def _restore_geometry(self) -> None:
        geometry = self.context.settings.value("window/geometry")
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            self.restoreGeometry(geometry)
        else:
            self.resize(1280, 860)

    def save_state(self) -> None:
        s = self.context.settings
        s.setValue("window/geometry", self.saveGeometry())
        s.setValue("window/page", self.stack.currentIndex())
        s.sync()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.save_state()
        self.closing.emit()
        super().closeEvent(event)
