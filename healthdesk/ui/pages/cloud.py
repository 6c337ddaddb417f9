"""WHOOP cloud: the integration card (your own client id + secret, sign-in, sync state, sync now, disconnect).

States: Disconnected, Connecting, Connected, Syncing, Error, Needs sign-in. The page talks to the cloud sync
service (services/cloud_sync.py) only; the service calls `_on_sync_event` on the loop thread.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QWidget,
)

from healthdesk.core.timeutil import parse_iso
from healthdesk.services.background_sync import listen_to_cloud
from healthdesk.ui.context import AppContext
from healthdesk.ui.widgets.common import Card, EmptyState, Page, format_when

if TYPE_CHECKING:
    from healthdesk.services.cloud_sync import ClientCredentials, CloudSyncService, SyncEvent

DEFAULT_PORT = 53682  # cloud/oauth.py DEFAULT_REDIRECT_PORT; the user registers the URI with this port
REDIRECT_PATH = "/callback"
STATES = ("Disconnected", "Connecting", "Connected", "Syncing", "Error", "Needs sign-in")
BUSY_STATES = ("Connecting", "Syncing")


def _when(iso: str | None, never: str = "never") -> str:
    if not iso:
        return never
    return format_when(parse_iso(iso))


def open_in_browser(url: str) -> None:
    QDesktopServices.openUrl(QUrl(url))


class CloudPage(Page):
    data_changed = Signal()  # a sync stored new or changed WHOOP records
    state_changed = Signal(str)
    authorize_url_shown = Signal(str)

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__("WHOOP cloud", parent)
        self.context = context
        self.open_browser: Callable[[str], None] = open_in_browser
        self.state = "Disconnected"
        self._status: dict[str, Any] = {}  # CloudSyncService.status(): the JSON `whoop status` prints
        self._error = ""
        self._attached: CloudSyncService | None = None

        self.unavailable = EmptyState("WHOOP cloud sync is not available in this build.")
        self.content.addWidget(self.unavailable)

        self.account = Card("WHOOP account")
        head = QHBoxLayout()
        self.state_label = QLabel("Disconnected")
        self.state_label.setObjectName("tileValue")
        head.addWidget(self.state_label)
        head.addStretch(1)
        self.account.body.addLayout(head)
        self.detail = QLabel("")
        self.detail.setObjectName("muted")
        self.detail.setWordWrap(True)
        self.detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.account.body.addWidget(self.detail)
        buttons = QHBoxLayout()
        self.sync_button = QPushButton("Sync now")
        self.sync_button.setObjectName("primary")
        self.disconnect_button = QPushButton("Disconnect")
        self.revoke = QCheckBox("Also revoke this app's access at WHOOP")
        for widget in (self.sync_button, self.disconnect_button, self.revoke):
            buttons.addWidget(widget)
        buttons.addStretch(1)
        self.account.body.addLayout(buttons)
        keep = QLabel("Disconnecting stops syncing and forgets the keys; your synced data stays on this computer.")
        keep.setObjectName("muted")
        keep.setWordWrap(True)
        self.account.body.addWidget(keep)
        self.content.addWidget(self.account)

        self.signin = Card("Connect your WHOOP account")
        steps = QLabel(
            "1. Create an app at developer.whoop.com (it is free) with every read scope.\n"
            "2. Register the redirect URI below in that app.\n"
            "3. Paste its client id and secret here and sign in with WHOOP in your browser."
        )
        steps.setWordWrap(True)
        self.signin.body.addWidget(steps)
        form = QFormLayout()
        self.client_id = QLineEdit()
        self.client_id.setMaximumWidth(520)
        self.client_id.setPlaceholderText("client id")
        self.client_secret = QLineEdit()
        self.client_secret.setMaximumWidth(520)
        self.client_secret.setEchoMode(QLineEdit.EchoMode.Password)
        self.client_secret.setPlaceholderText("client secret (kept in the system keyring)")
        self.port = QSpinBox()
        self.port.setMaximumWidth(140)
        self.port.setRange(1024, 65535)
        self.port.setValue(int(context.settings.value("cloud/redirect_port", DEFAULT_PORT)))
        self.redirect_uri = QLabel("")
        self.redirect_uri.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        form.addRow("Client id", self.client_id)
        form.addRow("Client secret", self.client_secret)
        form.addRow("Redirect port", self.port)
        form.addRow("Redirect URI to register", self.redirect_uri)
        self.signin.body.addLayout(form)
        row = QHBoxLayout()
        self.connect_button = QPushButton("Connect")
        self.connect_button.setObjectName("primary")
        row.addWidget(self.connect_button)
        row.addStretch(1)
        self.signin.body.addLayout(row)
        self.authorize_label = QLabel("")
        self.authorize_label.setObjectName("muted")
        self.authorize_label.setWordWrap(True)
        self.authorize_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.signin.body.addWidget(self.authorize_label)
        self.keyring_note = QLabel("")
        self.keyring_note.setObjectName("muted")
        self.keyring_note.setWordWrap(True)
        self.signin.body.addWidget(self.keyring_note)
        self.content.addWidget(self.signin)
        self.content.addStretch(1)

        self.port.valueChanged.connect(self._port_changed)
        self.client_id.textChanged.connect(self._update_controls)
        self.client_secret.textChanged.connect(self._update_controls)
        self.connect_button.clicked.connect(self.connect_account)
        self.sync_button.clicked.connect(self.sync_now)
        self.disconnect_button.clicked.connect(self.disconnect_account)
        self._port_changed(self.port.value())

    @property
    def service(self) -> CloudSyncService | None:
        return self.context.cloud

    def _service(self) -> CloudSyncService:
        service = self.context.cloud
        if service is None:  # the buttons are hidden until the service is attached
            raise RuntimeError("WHOOP cloud sync is not available")
        return service

    # --- state -----------------------------------------------------------------------------------------------
    def _set_state(self, state: str) -> None:
        assert state in STATES
        changed = state != self.state
        self.state = state
        self.state_label.setText(f"{state}\u2026" if state in BUSY_STATES else state)
        self._update_controls()
        if changed:
            self.state_changed.emit(state)

    def _state_from_status(self) -> str:
        s = self._status
        if s.get("needs_reauth"):
            return "Needs sign-in"
        if s.get("connected"):
            return "Error" if s.get("last_sync_error") else "Connected"
        return "Disconnected"

    def _update_controls(self) -> None:
        available = self.service is not None
        busy = self.state in BUSY_STATES
        linked = self.state in ("Connected", "Syncing", "Error")
        self.unavailable.setVisible(not available)
        self.account.setVisible(available)
        self.signin.setVisible(available and not linked)
        self.sync_button.setEnabled(linked and not busy)
        self.disconnect_button.setEnabled(self.state != "Disconnected" and not busy)
        self.revoke.setEnabled(self.disconnect_button.isEnabled())
        have_keys = bool(self.client_id.text().strip() and self.client_secret.text().strip())
        self.connect_button.setEnabled(available and not busy and have_keys)
        self.connect_button.setText("Sign in again" if self.state == "Needs sign-in" else "Connect")

    def _show_detail(self) -> None:
        s = self._status
        lines = [f"Last sync: {_when(s.get('last_sync'))}"]
        if self.state in ("Connected", "Syncing", "Error"):
            lines.append(f"Next sync: {_when(s.get('next_sync'), 'when you press Sync now')}")
        if self.state == "Needs sign-in":
            lines.append("WHOOP no longer accepts the saved sign-in. Sign in again; your data is kept.")
        error = self._error or s.get("last_sync_error")
        if self.state == "Error" and error:
            lines.append(f"Last error: {error}")
        if s.get("api_base"):
            lines.append(f"Server: {s['api_base']}")
        self.detail.setText("\n".join(lines))

    def refresh(self) -> None:
        service = self.service
        if service is None:
            self._update_controls()
            self.loaded.emit()
            return
        if self._attached is not service:  # the service calls back on the loop thread
            listen_to_cloud(service, self._on_sync_event)
            self._attached = service
        self.keyring_note.setText(service.keyring_warning or "")
        self.context.runner.spawn(self.context.runner.run_blocking(service.status), name="Reading WHOOP status",
                                  on_result=self._show_status)

    def _show_status(self, status: dict[str, Any]) -> None:
        self._status = status
        if self.state not in BUSY_STATES:
            self._set_state(self._state_from_status())
        if status.get("connected"):
            # The schedule runs only while connected: it syncs now, then every N hours (idempotent).
            # (Started while disconnected, it would write a connection row that reads as "connected".)
            self._service().start()
        self._show_detail()
        self.loaded.emit()

    # --- actions ---------------------------------------------------------------------------------------------
    def _port_changed(self, port: int) -> None:
        self.redirect_uri.setText(f"http://127.0.0.1:{port}{REDIRECT_PATH}")
        self.context.settings.setValue("cloud/redirect_port", port)

    def connect_account(self) -> None:
        from healthdesk.services.cloud_sync import ClientCredentials

        creds = ClientCredentials(self.client_id.text().strip(), self.client_secret.text().strip())
        self._error = ""
        self._set_state("Connecting")
        self.authorize_label.setText("Waiting for you to sign in with WHOOP in your browser\u2026")
        self.context.runner.spawn(self._connect(creds), name="Connecting to WHOOP")

    def _show_url(self, url: str) -> None:
        self.authorize_label.setText(f"If no browser opened, open this address:\n{url}")
        self.authorize_url_shown.emit(url)
        self.open_browser(url)

    async def _connect(self, creds: ClientCredentials) -> None:
        try:
            await self._service().connect(creds, self.port.value(), REDIRECT_PATH, self._show_url)
        except BaseException as exc:
            self._error = str(exc)
            self.authorize_label.setText(f"Sign-in failed: {exc}")
            self._set_state("Disconnected")
            raise
        self.client_secret.clear()  # it lives in the keyring now
        self.authorize_label.setText("")
        self._set_state("Connected")
        self._service().start()  # the first sync now, then every N hours while the app runs
        self.refresh()

    def sync_now(self) -> None:
        self._set_state("Syncing")  # at once: a second click cannot queue a second sync
        self.context.runner.spawn(self._sync(), name="Syncing WHOOP")

    async def _sync(self) -> None:
        try:
            await self._service().sync_now()
        finally:
            if self.state == "Syncing":  # ended without a finished/failed event (an unexpected error)
                self._set_state(self._state_from_status())

    def _on_sync_event(self, event: SyncEvent) -> None:
        """started -> Syncing; progress (one per stored page) keeps Syncing and sends nothing to the other
        pages; finished/failed end the sync, and a finished sync that changed records sends ONE data_changed."""
        if event.kind == "started":
            self._error = ""
            self._set_state("Syncing")
            return
        if event.kind == "progress":
            if self.state != "Syncing":  # a scheduled sync that started before the page listened
                self._set_state("Syncing")
            if event.resource:
                self.detail.setText(f"Syncing {event.resource.replace('_', ' ')}\u2026")
            return
        if event.kind == "failed":
            self._error = event.error or "sync failed"
            self._set_state("Needs sign-in" if event.needs_reauth else "Error")
        else:
            self._set_state("Connected")
            report = event.report
            if report is not None and any(c.new or c.updated or c.deleted for c in report.resources.values()):
                self.data_changed.emit()
        self.refresh()

    def disconnect_account(self) -> None:
        self.context.runner.spawn(self._disconnect(self.revoke.isChecked()), name="Disconnecting WHOOP")

    async def _disconnect(self, revoke: bool) -> None:
        warning = await self._service().disconnect(revoke=revoke)
        self._error = ""
        self._set_state("Disconnected")
        self.authorize_label.setText(warning or "")
        self.refresh()
