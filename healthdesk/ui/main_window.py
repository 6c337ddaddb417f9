"""The main window: sidebar navigation (Ctrl+1..8), the page stack, an error banner and the status bar."""

from __future__ import annotations

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
from healthdesk.ui.pages.band import BandPage
from healthdesk.ui.pages.cloud import CloudPage
from healthdesk.ui.pages.history import recovery_page
from healthdesk.ui.pages.settings import SettingsPage
from healthdesk.ui.pages.sleep import SleepPage
from healthdesk.ui.pages.strain import StrainPage
from healthdesk.ui.pages.today import TodayPage
from healthdesk.ui.pages.trends import TrendsPage
from healthdesk.ui.widgets.banner import ErrorBanner
from healthdesk.ui.widgets.common import Page

# Page keys double as screenshot file names.
PAGE_KEYS = ("today", "recovery", "strain", "sleep", "trends", "band", "cloud", "settings")


class MainWindow(QMainWindow):
    closing = Signal()

    def __init__(self, context: AppContext) -> None:
        super().__init__()
        self.context = context
        self.setWindowTitle("healthdesk \u2013 demo band" if context.demo else "healthdesk")
        self.setWindowIcon(theme.app_icon())
        self.setMinimumSize(960, 640)
        self.pages: dict[str, Page] = {
            "today": TodayPage(context),
            "recovery": recovery_page(context),
            "strain": StrainPage(context),
            "sleep": SleepPage(context),
            "trends": TrendsPage(context),
            "band": BandPage(context),
            "cloud": CloudPage(context),
            "settings": SettingsPage(context),
        }
        self.sidebar = QListWidget()
        self.sidebar.setObjectName("sidebar")
        self.sidebar.setFixedWidth(190)
        self.stack = QStackedWidget()
        for i, (key, page) in enumerate(self.pages.items()):
            item = QListWidgetItem(page.title)
            item.setData(Qt.ItemDataRole.UserRole, key)
            item.setToolTip(f"{page.title} (Ctrl+{i + 1})")
            self.sidebar.addItem(item)
            self.stack.addWidget(page)
            shortcut = QShortcut(QKeySequence(f"Ctrl+{i + 1}"), self)
            shortcut.activated.connect(lambda i=i: self.sidebar.setCurrentRow(i))
        self.sidebar.currentRowChanged.connect(self.stack.setCurrentIndex)
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
        band: BandPage = self.pages["band"]  # type: ignore[assignment]
        band.data_changed.connect(self.refresh_data_pages)
        cloud: CloudPage = self.pages["cloud"]  # type: ignore[assignment]
        cloud.data_changed.connect(self.refresh_data_pages)
        settings: SettingsPage = self.pages["settings"]  # type: ignore[assignment]
        settings.theme_changed.connect(self._theme_changed)
        self._restore_geometry()
        self.sidebar.setCurrentRow(int(context.settings.value("window/page", 0)))

    def show_page(self, key: str) -> None:
        self.sidebar.setCurrentRow(PAGE_KEYS.index(key))

    def current_page_key(self) -> str:
        return PAGE_KEYS[self.stack.currentIndex()]

    def refresh_all(self) -> None:
        for page in self.pages.values():
            page.refresh()

    def start_demo_band(self) -> None:
        """Demo start: pair the simulated band and drain it, as a person would from the Band page."""
        band: BandPage = self.pages["band"]  # type: ignore[assignment]
        band.start_demo()

    async def wait_ready(self, timeout: float = 150.0) -> None:
        """Until every page has its data, the demo drain included (screenshots, tests)."""
        await self.context.runner.wait_idle(timeout)

    def refresh_data_pages(self) -> None:
        """New data arrived (drain, cloud sync): reload everything that reads the database."""
        for key in ("today", "recovery", "strain", "sleep", "trends"):
            self.pages[key].refresh()

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
