"""WHOOP cloud: the integration card (client id + secret, sign-in, sync state, sync now, disconnect)."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QWidget

from healthdesk.ui.context import AppContext
from healthdesk.ui.widgets.common import Card, EmptyState, Page


class CloudPage(Page):
    data_changed = Signal()

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__("WHOOP cloud", parent)
        self.context = context
        card = Card("WHOOP account")
        card.body.addWidget(EmptyState("WHOOP cloud sync is not available in this build yet."))
        self.content.addWidget(card)
        self.content.addStretch(1)
