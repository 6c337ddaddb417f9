"""The list of share links on the Share & export page: status, access count, last access, Revoke per row.

It never sees a token: the service lists links by label, window and counters only.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from healthdesk.ui.widgets.common import Card, EmptyState, format_when

LINK_COLUMNS = ("Label", "Period", "Sections", "Status", "Opened", "Last opened", "Expires", "")
REVOKE_COLUMN = len(LINK_COLUMNS) - 1
ROWS_BEFORE_SCROLLING = 8  # the page scrolls; a long list scrolls inside its own table after this


def describe_period(start: date, end: date) -> str:
    return f"{start:%d %b %Y} \u2013 {end:%d %b %Y}"


def link_cells(link: Any) -> tuple[str, ...]:
    """The text of one row (a services.share.LinkInfo)."""
    return (
        link.label,
        describe_period(link.start, link.end),
        ", ".join(link.sections) + (" + FHIR" if link.fhir else ""),
        link.status,
        str(link.access_count),
        format_when(link.last_access_at),
        format_when(link.expires_at),
    )


class LinksCard(Card):
    revoke_requested = Signal(int)  # link id

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Links", parent)
        self.empty = EmptyState(
            "No links yet. Create one above; it is listed here with how often it was opened."
        )
        self.table = QTableWidget(0, len(LINK_COLUMNS))
        self.table.setHorizontalHeaderLabels(list(LINK_COLUMNS))
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.hide()
        self.body.addWidget(self.empty)
        self.body.addWidget(self.table)

    def show_links(self, links: list[Any]) -> None:
        self.empty.setVisible(not links)
        self.table.setVisible(bool(links))
        self.table.setRowCount(len(links))
        for row, link in enumerate(links):
            for column, text in enumerate(link_cells(link)):
                self.table.setItem(row, column, QTableWidgetItem(text))
            self.table.removeCellWidget(row, REVOKE_COLUMN)
            if link.status == "active":  # expired and revoked links have nothing left to revoke
                button = QPushButton("Revoke")
                button.clicked.connect(lambda _=False, link_id=link.id: self.revoke_requested.emit(link_id))
                self.table.setCellWidget(row, REVOKE_COLUMN, button)
        self.table.resizeRowsToContents()
        rows = range(min(len(links), ROWS_BEFORE_SCROLLING))
        height = self.table.horizontalHeader().height() + sum(self.table.rowHeight(r) for r in rows)
        self.table.setFixedHeight(height + 2 * self.table.frameWidth() + 2)

    def row_texts(self, row: int) -> list[str]:
        return [self.table.item(row, c).text() for c in range(REVOKE_COLUMN)]
