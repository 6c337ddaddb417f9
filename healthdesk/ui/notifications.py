"""Desktop notifications through the tray icon (QSystemTrayIcon.showMessage): recovery ready, band battery
low, sync failed. Which kinds are shown is the user's choice in settings.json (services/background_sync.py);
a failed sync is not announced while the window is on screen, where the error banner already says it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QCheckBox, QFormLayout, QLabel, QSpinBox, QSystemTrayIcon, QWidget

from healthdesk.services import autostart
from healthdesk.services.background_sync import (
    BAND_INTERVAL_KEY,
    KEEP_IN_TRAY_KEY,
    NOTIFY_KEYS,
    START_AT_LOGIN_KEY,
    Notice,
    background_settings,
)
from healthdesk.services.user_settings import update_settings
from healthdesk.ui.widgets.common import Card

SHOW_MS = 10_000
NOTICE_LABELS = {
    "recovery_ready": "Tell me when my recovery is ready",
    "battery_low": "Tell me when the band's battery is low",
    "sync_failed": "Tell me when a sync fails",
}
ICONS = {
    "recovery_ready": QSystemTrayIcon.MessageIcon.Information,
    "battery_low": QSystemTrayIcon.MessageIcon.Warning,
    "sync_failed": QSystemTrayIcon.MessageIcon.Critical,
}


class Notifier(QObject):
    shown = Signal(str, str, str)  # kind, title, message: what reached the desktop

    def __init__(self, tray: QSystemTrayIcon, window_on_screen: Callable[[], bool],
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.tray = tray
        self.window_on_screen = window_on_screen

    def __call__(self, notice: Notice) -> None:
        if notice.kind == "sync_failed" and self.window_on_screen():
            return
        self.tray.showMessage(notice.title, notice.message, ICONS.get(notice.kind,
                              QSystemTrayIcon.MessageIcon.Information), SHOW_MS)
        self.shown.emit(notice.kind, notice.title, notice.message)


class BackgroundCard(Card):
    """Settings: band sync interval, keep syncing in the tray, start at login, and each notification kind.
    Every change is written to settings.json at once (the background sync re-reads it every round)."""

    def __init__(self, settings_file: Path | None, parent: QWidget | None = None) -> None:
        super().__init__("Background sync and notifications", parent)
        self.settings_file = settings_file
        current = background_settings(settings_file)
        form = QFormLayout()
        self.band_interval = QSpinBox()
        self.band_interval.setRange(0, 24 * 60)
        self.band_interval.setSingleStep(15)
        self.band_interval.setSuffix(" min")
        self.band_interval.setSpecialValueText("off")
        self.band_interval.setMaximumWidth(160)
        self.band_interval.setValue(int(current.band_interval_min))
        self.band_interval.setToolTip("How often to drain the paired band while it is in range")
        form.addRow("Sync the band every", self.band_interval)
        self.keep_in_tray = QCheckBox("Keep syncing in the tray when the window is closed")
        self.keep_in_tray.setChecked(current.keep_in_tray)
        self.start_at_login = QCheckBox("Start healthdesk in the tray when I log in")
        self.start_at_login.setChecked(autostart.supported() and autostart.is_enabled())
        if not autostart.supported():
            self.start_at_login.setEnabled(False)
            self.start_at_login.setToolTip("Only set up on Linux desktops (XDG autostart) so far")
        self.notify_boxes: dict[str, QCheckBox] = {}
        for kind, text in NOTICE_LABELS.items():
            box = QCheckBox(text)
            box.setChecked(current.notify[kind])
            self.notify_boxes[kind] = box
        for box in (self.keep_in_tray, self.start_at_login, *self.notify_boxes.values()):
            form.addRow("", box)
        self.body.addLayout(form)
        self.status = QLabel("")
        self.status.setObjectName("muted")
        self.status.setWordWrap(True)
        self.status.hide()
        self.body.addWidget(self.status)
        self.band_interval.valueChanged.connect(self.save)
        for box in (self.keep_in_tray, *self.notify_boxes.values()):
            box.toggled.connect(self.save)
        self.start_at_login.toggled.connect(self._login_toggled)

    def save(self) -> None:
        if self.settings_file is None:
            return
        values: dict[str, object] = {
            BAND_INTERVAL_KEY: float(self.band_interval.value()),
            KEEP_IN_TRAY_KEY: self.keep_in_tray.isChecked(),
            START_AT_LOGIN_KEY: self.start_at_login.isChecked(),
        }
        values.update({NOTIFY_KEYS[kind]: box.isChecked() for kind, box in self.notify_boxes.items()})
        update_settings(self.settings_file, **values)

    def _login_toggled(self, enabled: bool) -> None:
        try:
            path = autostart.set_enabled(enabled)
        except OSError as exc:
            self.status.setText(f"Could not change start at login: {exc}")
        else:
            self.status.setText(f"{'Added' if enabled else 'Removed'} {path}")
        self.status.show()
        self.save()
