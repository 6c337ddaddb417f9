"""The tray icon: open the window, sync now, quit; and closing the window hides it to the tray so syncing goes on.

Without a system tray (some desktops, headless runs) nothing is installed and closing the window quits, as
before. The choice to keep running lives in settings.json (`keep_syncing_in_tray`, services/background_sync.py).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QAction, QIcon
from PySide6.QtWidgets import QMainWindow, QMenu, QSystemTrayIcon

from healthdesk.services.background_sync import BackgroundSettings, Notice
from healthdesk.ui.notifications import Notifier

HIDDEN_NOTICE = Notice("hidden", "healthdesk keeps syncing",
                       "healthdesk is still running in the tray. Quit it from the tray menu.")


class CloseToTray(QObject):
    """Event filter on the main window: a close hides it while the user keeps syncing in the tray."""

    hidden = Signal()

    def __init__(self, window: QMainWindow, settings: Callable[[], BackgroundSettings],
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.window = window
        self.settings = settings
        self.quitting = False
        window.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        if watched is self.window and event.type() == QEvent.Type.Close and not self.quitting:
            if self.settings().keep_in_tray:
                event.ignore()
                self.window.hide()
                self.hidden.emit()
                return True
        return super().eventFilter(watched, event)


class Tray(QObject):
    """The icon, its menu and the notifier. `quit_requested` lets app.py shut down the one clean way."""

    sync_requested = Signal()

    def __init__(self, window: QMainWindow, icon: QIcon, settings: Callable[[], BackgroundSettings],
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.window = window
        self.icon = QSystemTrayIcon(icon, self)
        self.icon.setToolTip("healthdesk")
        self.menu = QMenu()  # tray menus take no parent; remove() deletes it
        self.open_action = QAction("Open healthdesk", self.menu)
        self.sync_action = QAction("Sync now", self.menu)
        self.quit_action = QAction("Quit healthdesk", self.menu)
        self.menu.addAction(self.open_action)
        self.menu.addAction(self.sync_action)
        self.menu.addSeparator()
        self.menu.addAction(self.quit_action)
        self.icon.setContextMenu(self.menu)
        self.open_action.triggered.connect(self.show_window)
        self.sync_action.triggered.connect(self.sync_requested.emit)
        self.quit_action.triggered.connect(self.quit)
        self.icon.activated.connect(self._activated)
        self.notifier = Notifier(self.icon, lambda: window.isVisible() and not window.isMinimized(), self)
        self.close_filter = CloseToTray(window, settings, self)
        self._told_hidden = False
        self.close_filter.hidden.connect(self._first_hide)
        self.icon.show()

    def notify(self, notice: Notice) -> None:
        self.notifier(notice)

    def show_window(self) -> None:
        self.window.show()
        self.window.setWindowState(self.window.windowState() & ~Qt.WindowState.WindowMinimized)
        self.window.raise_()
        self.window.activateWindow()

    def _activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason in (QSystemTrayIcon.ActivationReason.Trigger, QSystemTrayIcon.ActivationReason.DoubleClick):
            self.show_window()

    def _first_hide(self) -> None:
        if not self._told_hidden:  # once per run: the user learns where the app went
            self._told_hidden = True
            self.icon.showMessage(HIDDEN_NOTICE.title, HIDDEN_NOTICE.message,
                                  QSystemTrayIcon.MessageIcon.Information, 6000)

    def quit(self) -> None:
        """Let the close through: the window's normal close path shuts the app down cleanly."""
        self.close_filter.quitting = True
        self.window.close()

    def remove(self) -> None:
        self.icon.hide()
        self.menu.deleteLater()


def tray_available() -> bool:
    return QSystemTrayIcon.isSystemTrayAvailable()
