"""Building blocks of the Share & export page, shared by its export half (share.py) and its share half
(share_links.py) so neither imports the other: the period card, the patient card, the link list, two helpers.

The link list never sees a token: the service lists links by label, window and counters only.
"""

from __future__ import annotations

from collections.abc import Coroutine
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QDate, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDateEdit,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from healthdesk.services.user_settings import save_patient, saved_patient
from healthdesk.ui.tasks import TaskRunner
from healthdesk.ui.widgets.common import Card, EmptyState, format_when

if TYPE_CHECKING:
    from healthdesk.services.share import LinkInfo

SECTION_LABELS = {
    "vitals": "Vital signs",
    "sleep": "Sleep",
    "workouts": "Workouts",
    "wellness": "Wellness scores (not a diagnosis)",
    "review": "Period review",
}  # services.export.ALL_SECTIONS, in that order
OFF_BY_DEFAULT = frozenset({"review"})  # optional parts (report_data.OPTIONAL_SECTIONS): unticked at start
PRESETS = (("30 d", 30), ("90 d", 90), ("1 y", 365))
NO_BIRTH_DATE = QDate(1900, 1, 1)  # the date edit's "not set" value (shown as its special text)


def say(label: QLabel, text: str) -> None:
    """Set a status line; an empty one takes no room."""
    label.setText(text)
    label.setVisible(bool(text))


def spawn_unless_closing(runner: TaskRunner, coro: Coroutine[Any, Any, Any], **kwargs: Any) -> None:
    """For work started by timers and show events, which can fire after the runner shut down (app closing)."""
    try:
        runner.spawn(coro, **kwargs)
    except RuntimeError:  # the runner is shut down; spawn already closed the coroutine
        pass


def to_qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)


class PeriodCard(Card):
    """The period (inclusive local days) and the sections, shared by the export and the share link."""

    changed = Signal()

    def __init__(self, today: date, parent: QWidget | None = None) -> None:
        super().__init__("Period and contents", parent)
        self.today = today
        row = QHBoxLayout()
        self.start = QDateEdit()
        self.end = QDateEdit()
        for edit in (self.start, self.end):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
            edit.setMaximumDate(to_qdate(today))
            edit.dateChanged.connect(self.changed)
        row.addWidget(QLabel("From"))
        row.addWidget(self.start)
        row.addWidget(QLabel("to"))
        row.addWidget(self.end)
        row.addSpacing(12)
        self.preset_buttons: dict[int, QPushButton] = {}
        for text, days in PRESETS:
            button = QPushButton(text)
            button.setObjectName("rangeButton")
            button.setToolTip(f"The last {days} days, today included")
            button.clicked.connect(lambda _=False, d=days: self.choose_last(d))
            self.preset_buttons[days] = button
            row.addWidget(button)
        row.addStretch(1)
        self.body.addLayout(row)
        sections = QHBoxLayout()
        self.section_boxes: dict[str, QCheckBox] = {}
        for key, label in SECTION_LABELS.items():
            box = QCheckBox(label)
            box.setChecked(key not in OFF_BY_DEFAULT)
            box.toggled.connect(self.changed)
            self.section_boxes[key] = box
            sections.addWidget(box)
        sections.addStretch(1)
        self.body.addLayout(sections)
        self.choose_last(30)

    def set_today(self, today: date) -> None:
        self.today = today
        for edit in (self.start, self.end):
            edit.setMaximumDate(to_qdate(today))

    def choose_last(self, days: int) -> None:
        self.start.setDate(to_qdate(self.today - timedelta(days=days - 1)))
        self.end.setDate(to_qdate(self.today))

    def set_period(self, start: date, end: date) -> None:
        self.start.setDate(to_qdate(start))
        self.end.setDate(to_qdate(end))

    def period(self) -> tuple[date, date]:
        return self.start.date().toPython(), self.end.date().toPython()  # type: ignore[return-value]

    def sections(self) -> frozenset[str]:
        return frozenset(key for key, box in self.section_boxes.items() if box.isChecked())


class PatientCard(Card):
    """Name and birth date for the report, saved in settings.json as the user types (never sent anywhere:
    share links do not carry them)."""

    def __init__(self, settings_file: Path, today: date, parent: QWidget | None = None) -> None:
        super().__init__("Patient on the report", parent)
        self.settings_file = settings_file
        note = QLabel("Printed on the PDF and FHIR files you save here. Kept on this computer only; "
                      "share links never carry it.")
        note.setObjectName("muted")
        note.setWordWrap(True)
        self.body.addWidget(note)
        form = QFormLayout()
        self.name = QLineEdit()
        self.name.setPlaceholderText("not on the report")
        self.name.setMaximumWidth(420)
        self.birth_date = QDateEdit()
        self.birth_date.setDisplayFormat("yyyy-MM-dd")
        self.birth_date.setCalendarPopup(True)
        self.birth_date.setMinimumDate(NO_BIRTH_DATE)
        self.birth_date.setMaximumDate(to_qdate(today))
        self.birth_date.setSpecialValueText("not set")
        self.birth_date.setMaximumWidth(160)
        form.addRow("Name", self.name)
        form.addRow("Birth date", self.birth_date)
        self.body.addLayout(form)
        name, born = saved_patient(settings_file)
        self.name.setText(name or "")
        self.birth_date.setDate(to_qdate(born) if born else NO_BIRTH_DATE)
        self.name.editingFinished.connect(self.save)
        self.birth_date.dateChanged.connect(lambda _d: self.save())

    def patient(self) -> tuple[str | None, date | None]:
        chosen = self.birth_date.date()
        born: date | None = None if chosen == NO_BIRTH_DATE else chosen.toPython()  # type: ignore[assignment]
        return (self.name.text().strip() or None), born

    def save(self) -> None:
        save_patient(self.settings_file, *self.patient())


LINK_COLUMNS = ("Label", "Period", "Sections", "Status", "Opened", "Last opened", "Expires", "")
REVOKE_COLUMN = len(LINK_COLUMNS) - 1
ROWS_BEFORE_SCROLLING = 8  # the page scrolls; a long list scrolls inside its own table after this


def describe_period(start: date, end: date) -> str:
    return f"{start:%d %b %Y} \u2013 {end:%d %b %Y}"


def link_cells(link: LinkInfo) -> tuple[str, ...]:
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

    def show_links(self, links: list[LinkInfo]) -> None:
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
