"""Band: guided pairing, connection state, the drain with its progress bar, live heart rate."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QWidget

from healthdesk.ui.context import AppContext
from healthdesk.ui.widgets.common import Card, EmptyState, Page


class BandPage(Page):
    data_changed = Signal()

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__("Band", parent)
        self.context = context
        card = Card("Your band")
        card.body.addWidget(EmptyState("Band support is not available in this build yet."))
        self.content.addWidget(card)
        self.content.addStretch(1)

    def start_demo(self) -> None:
        pass

    async def wait_settled(self, timeout: float) -> None:
        return None
