"""The share half of the Share & export page: the local share server, new links (URL and QR shown once),
the link list with revoke and access counts, and the live access events.

Every ShareService call runs on a worker thread; access events arrive on the service's worker thread and reach
the UI through SharePage.access_seen (a queued signal).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import date, datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication, QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from healthdesk.ui.pages.share_table import LinksCard, PeriodCard, say, spawn_unless_closing
from healthdesk.ui.tasks import TaskRunner
from healthdesk.ui.widgets.common import Card, EmptyState, format_when

if TYPE_CHECKING:
    from types import ModuleType

    from healthdesk.services.share import AccessEvent, LinkInfo, ShareService

DEFAULT_PORT = 47811  # services.share.DEFAULT_PORT (not imported here: that module pulls in the server stack)
DEFAULT_EXPIRY_DAYS, MAX_EXPIRY_DAYS = 7, 90
BINDS = (
    ("This computer only (127.0.0.1)", "127.0.0.1"),
    ("Local network (other devices can connect)", "0.0.0.0"),
)
ACCESS_KINDS = {
    "view": "opened the view",
    "pdf": "downloaded the PDF",
    "bundle": "downloaded the FHIR bundle",
    "fhir": "read the FHIR face",
}
MAX_EVENTS = 200
LAN_NOTE = (
    "Local network: anyone on this network who has a link can open it. The link uses TLS with a self-signed "
    "certificate; give the clinician its fingerprint to compare. Prefer a short expiry and stop sharing when done."
)


def warning_frame(label: QLabel) -> QFrame:
    """A warning in the error banner's colours (the stylesheet has no separate warning style)."""
    frame = QFrame()
    frame.setObjectName("banner")
    row = QHBoxLayout(frame)
    row.setContentsMargins(10, 6, 10, 6)
    label.setObjectName("bannerText")
    label.setWordWrap(True)
    row.addWidget(label, 1)
    frame.hide()
    return frame


def describe_access(event: AccessEvent) -> str:
    moment: datetime = event.at
    return (
        f"{moment.astimezone():%H:%M:%S}  {event.label} \u2014 {ACCESS_KINDS.get(event.kind, event.kind)} "
        f"from {event.client}"
    )


class ShareSection(QWidget):
    links_shown = Signal(list)  # [LinkInfo] as displayed
    server_changed = Signal(bool)  # running

    def __init__(self, runner: TaskRunner, settings: QSettings, period: PeriodCard,
                 service: Callable[[], Awaitable[ShareService]], loaded: Callable[[], None]) -> None:
        super().__init__()
        self.runner = runner
        self.settings = settings
        self.period = period
        self.service = service  # the page's: opens the app's share service on first use
        self.loaded = loaded
        self.links: list[LinkInfo] = []
        self.running = False
        self.shown_url = ""  # the one-time URL while its panel is open; nowhere else
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(14)
        self.key_warning = QLabel("")
        self.key_warning_frame = warning_frame(self.key_warning)
        layout.addWidget(self.key_warning_frame)
        layout.addWidget(self._server_card())
        layout.addWidget(self._link_card())
        self.list = LinksCard()
        self.list.revoke_requested.connect(self.revoke)
        layout.addWidget(self.list)
        layout.addWidget(self._events_card())
        self._reload_timer = QTimer(self)  # a burst of accesses reloads the list once
        self._reload_timer.setSingleShot(True)
        self._reload_timer.setInterval(150)
        self._reload_timer.timeout.connect(self.reload)

    # --- building ------------------------------------------------------------------------------------
    def _server_card(self) -> Card:
        card = Card("Share server")
        intro = QLabel(
            "Links work only while sharing is on. The clinician's browser needs to reach this computer."
        )
        intro.setObjectName("muted")
        intro.setWordWrap(True)
        card.body.addWidget(intro)
        row = QHBoxLayout()
        self.bind = QComboBox()
        for text, host in BINDS:
            self.bind.addItem(text, host)
        self.port = QSpinBox()
        self.port.setRange(1024, 65535)
        self.port.setValue(int(self.settings.value("share/port", DEFAULT_PORT)))
        self.tls = QCheckBox("TLS (self-signed)")
        self.server_button = QPushButton("Start sharing")
        self.server_button.setObjectName("primary")
        row.addWidget(self.bind)
        row.addWidget(QLabel("Port"))
        row.addWidget(self.port)
        row.addWidget(self.tls)
        row.addWidget(self.server_button)
        row.addStretch(1)
        card.body.addLayout(row)
        self.lan_warning = QLabel(LAN_NOTE)
        self.lan_warning_frame = warning_frame(self.lan_warning)
        card.body.addWidget(self.lan_warning_frame)
        self.server_status = QLabel("Sharing is off.")
        self.server_status.setWordWrap(True)
        self.server_status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        card.body.addWidget(self.server_status)
        self.bind.currentIndexChanged.connect(self._update_server_controls)
        self.server_button.clicked.connect(self.toggle_server)
        self._update_server_controls()
        return card

    def _link_card(self) -> Card:
        card = Card("New link")
        intro = QLabel(
            "A link shares the period and contents chosen above, read-only, until it expires or you "
            "revoke it."
        )
        intro.setObjectName("muted")
        intro.setWordWrap(True)
        card.body.addWidget(intro)
        form = QFormLayout()
        self.label = QLineEdit()
        self.label.setPlaceholderText("who it is for, e.g. Dr. Weber")
        self.label.setMaximumWidth(420)
        self.expiry = QSpinBox()
        self.expiry.setRange(1, MAX_EXPIRY_DAYS)
        self.expiry.setValue(DEFAULT_EXPIRY_DAYS)
        self.expiry.setSuffix(" days")
        self.expiry.setMaximumWidth(120)
        self.fhir = QCheckBox("Also open a FHIR R4 API for the clinician's software (token as Bearer header)")
        form.addRow("Label", self.label)
        form.addRow("Expires after", self.expiry)
        form.addRow("", self.fhir)
        card.body.addLayout(form)
        row = QHBoxLayout()
        self.create_button = QPushButton("Create link")
        self.create_button.setObjectName("primary")
        row.addWidget(self.create_button)
        row.addStretch(1)
        card.body.addLayout(row)
        self.link_status = QLabel("")
        self.link_status.setWordWrap(True)
        self.link_status.hide()
        card.body.addWidget(self.link_status)
        card.body.addWidget(self._created_panel())
        self.create_button.clicked.connect(self.create_link)
        return card

    def _created_panel(self) -> QFrame:
        self.created = QFrame()
        row = QHBoxLayout(self.created)
        row.setContentsMargins(0, 6, 0, 0)
        text = QVBoxLayout()
        once = QLabel(
            "Copy this link now: it is shown only once (healthdesk keeps only a fingerprint of it)."
        )
        once.setWordWrap(True)
        self.url = QLineEdit()
        self.url.setReadOnly(True)
        buttons = QHBoxLayout()
        self.copy_button = QPushButton("Copy link")
        self.done_button = QPushButton("Done")
        buttons.addWidget(self.copy_button)
        buttons.addWidget(self.done_button)
        buttons.addStretch(1)
        self.fhir_note = QLabel("")
        self.fhir_note.setObjectName("muted")
        self.fhir_note.setWordWrap(True)
        self.fhir_note.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        for item in (once, self.url):
            text.addWidget(item)
        text.addLayout(buttons)
        text.addWidget(self.fhir_note)
        text.addStretch(1)
        self.qr = QLabel()
        self.qr.setFixedSize(200, 200)
        self.qr.setScaledContents(True)
        self.qr.setToolTip("Scan with the clinician's phone or tablet")
        row.addLayout(text, 1)
        row.addWidget(self.qr)
        self.copy_button.clicked.connect(self.copy_url)
        self.done_button.clicked.connect(self.forget_url)
        self.created.hide()
        return self.created

    def _events_card(self) -> Card:
        card = Card("Access while sharing")
        self.events_empty = EmptyState("Nobody has opened a link since healthdesk started.")
        self.events = QListWidget()
        self.events.setMaximumHeight(150)
        self.events.hide()
        card.body.addWidget(self.events_empty)
        card.body.addWidget(self.events)
        return card

    # --- server ----------------------------------------------------------------------------------------
    def _update_server_controls(self) -> None:
        lan = self.bind.currentData() != "127.0.0.1"
        # TLS is required on the local network (the service refuses plain HTTP off loopback) and pointless on
        # loopback: the box shows the choice, it does not offer one.
        self.tls.setEnabled(False)
        self.tls.setChecked(lan)
        self.lan_warning_frame.setVisible(lan)
        self.bind.setEnabled(not self.running)
        self.port.setEnabled(not self.running)
        self.server_button.setText("Stop sharing" if self.running else "Start sharing")

    def toggle_server(self) -> None:
        self.server_button.setEnabled(False)
        if self.running:
            self.runner.spawn(self._stop(), name="Stopping the share server")
        else:
            self.settings.setValue("share/port", self.port.value())
            self.server_status.setText("Starting\u2026")
            self.runner.spawn(
                self._start(str(self.bind.currentData()), self.port.value(), self.tls.isChecked()),
                name="Starting the share server",
            )

    async def _start(self, host: str, port: int, tls: bool) -> None:
        from healthdesk.services.share import ShareError

        try:
            service = await self.service()
            info = await asyncio.to_thread(service.start_server, host, port, tls)
        except ShareError as exc:
            self.server_status.setText(f"Not started: {exc}")
            return
        finally:
            self.server_button.setEnabled(True)
        self.running = True
        lines = [f"Sharing at {info.base_url}"]
        if info.tls_fingerprint:
            lines.append(
                f"TLS certificate fingerprint (SHA-256), for the clinician to compare: {info.tls_fingerprint}"
            )
        self.lan_warning.setText(info.warning or LAN_NOTE)  # the service's words while it is bound to the LAN
        self.server_status.setText("\n".join(lines))
        self._update_server_controls()
        self.server_changed.emit(True)

    async def _stop(self) -> None:
        try:
            service = await self.service()
            await asyncio.to_thread(service.stop_server)
        finally:
            self.server_button.setEnabled(True)
        self.running = False
        self.server_status.setText("Sharing is off.")
        self.lan_warning.setText(LAN_NOTE)
        self._update_server_controls()
        self.server_changed.emit(False)

    # --- links ---------------------------------------------------------------------------------------
    def create_link(self) -> None:
        start, end = self.period.period()
        self.create_button.setEnabled(False)
        self.runner.spawn(
            self._create(
                self.label.text(),
                start,
                end,
                self.period.sections(),
                self.fhir.isChecked(),
                self.expiry.value(),
            ),
            name="Creating a share link",
        )

    def _predicted_base(self, share: ModuleType) -> str | None:
        """Where the link will live once sharing starts with these choices (the service knows when on)."""
        if self.running:
            return None
        host = "127.0.0.1" if self.bind.currentData() == "127.0.0.1" else share.lan_address()
        return f"{'https' if self.tls.isChecked() else 'http'}://{host}:{self.port.value()}"

    async def _create(
        self, label: str, start: date, end: date, sections: frozenset[str], fhir: bool, days: int
    ) -> None:
        from healthdesk.services import share

        try:
            service = await self.service()
            request = share.LinkRequest(label, start, end, sections, fhir=fhir, expires_days=days)
            created = await asyncio.to_thread(service.create_link, request, self._predicted_base(share))
            png = await asyncio.to_thread(share.qr_png, created.url)
        except share.ShareError as exc:
            say(self.link_status, f"Not created: {exc}")
            return
        finally:
            self.create_button.setEnabled(True)
        say(
            self.link_status,
            f"Link \u201c{created.info.label}\u201d created; it expires "
            f"{format_when(created.info.expires_at)}."
            + ("" if self.running else " Start sharing so it can be opened."),
        )
        self.show_url(created.url, created.fhir_base, png)
        self.label.clear()
        await self._reload()

    def show_url(self, url: str, fhir_base: str | None, png: bytes) -> None:
        self.shown_url = url
        self.url.setText(url)
        self.url.setCursorPosition(0)
        pixmap = QPixmap()
        pixmap.loadFromData(png, "PNG")
        self.qr.setPixmap(pixmap)
        self.fhir_note.setText(
            f"FHIR base for the clinician's software: {fhir_base} (send the token from the link "
            "as 'Authorization: Bearer <token>')"
            if fhir_base
            else ""
        )
        self.created.show()

    def copy_url(self) -> None:
        QGuiApplication.clipboard().setText(self.shown_url)
        say(self.link_status, "Link copied.")

    def forget_url(self) -> None:
        """Done: the URL leaves the page for good (only its hash is stored)."""
        self.shown_url = ""
        self.url.clear()
        self.qr.clear()
        self.fhir_note.clear()
        self.created.hide()

    def revoke(self, link_id: int) -> None:
        self.runner.spawn(self._revoke(link_id), name="Revoking a share link")

    async def _revoke(self, link_id: int) -> None:
        from healthdesk.services.share import ShareError

        service = await self.service()
        try:
            info = await asyncio.to_thread(service.revoke, link_id)
        except ShareError as exc:
            say(self.link_status, f"Not revoked: {exc}")
        else:
            say(self.link_status, f"Link \u201c{info.label}\u201d revoked; it stops working at once.")
        await self._reload()

    # --- list and events -----------------------------------------------------------------------------
    def reload(self) -> None:
        spawn_unless_closing(
            self.runner,
            self._reload(),
            name="Reading share links",
            on_result=lambda _: self.loaded(),
        )

    async def _reload(self) -> None:
        service = await self.service()
        self.key_warning.setText(service.key_warning or "")
        self.key_warning_frame.setVisible(bool(service.key_warning))
        self.show_links(await asyncio.to_thread(service.list_links))

    def show_links(self, links: list[LinkInfo]) -> None:
        self.links = links
        self.list.show_links(links)
        self.links_shown.emit(links)

    def show_access(self, event: AccessEvent) -> None:
        self.events_empty.hide()
        self.events.show()
        self.events.insertItem(0, describe_access(event))
        while self.events.count() > MAX_EVENTS:
            self.events.takeItem(self.events.count() - 1)
        self._reload_timer.start()
