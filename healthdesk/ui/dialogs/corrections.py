"""Correct what the detector got wrong, from the Sleep and Strain pages (services/corrections.py).

Sleep: reject a sleep or nap, move its onset and wake. Strain: reject or relabel a workout (the fixed activity
list), add one the band missed. Every change is kept apart from the detections and survives every re-derive;
changed records are listed as "edited". The page reloads after the dialog closes when anything changed.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from PySide6.QtCore import QDateTime, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from healthdesk.services.workout_merge import ACTIVITIES
from healthdesk.ui.context import AppContext


def _qdt(unix: float) -> QDateTime:
    return QDateTime.fromSecsSinceEpoch(int(unix))


class CorrectionsDialog(QDialog):
    done_one = Signal(str)  # one line per finished action (tests wait on it)

    def __init__(self, context: AppContext, target: str, day: date, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        from healthdesk.services.corrections import CorrectionsService

        self.context, self.target, self.day = context, target, day
        self.service = CorrectionsService(context.paths.database, context.settings_file)
        self.changed = False
        self.items: list[Any] = []
        self.setWindowTitle(f"Correct {target}s · {day:%a %d %b}")
        layout = QVBoxLayout(self)
        self.list = QListWidget()
        layout.addWidget(self.list)
        form = QFormLayout()
        self.start_edit = QDateTimeEdit()
        self.end_edit = QDateTimeEdit()
        for e in (self.start_edit, self.end_edit):
            e.setDisplayFormat("ddd dd MMM HH:mm")
            e.setCalendarPopup(True)
        self.activity = QComboBox()
        self.activity.addItems(list(ACTIVITIES))
        form.addRow("Onset" if target == "sleep" else "Start", self.start_edit)
        form.addRow("Wake" if target == "sleep" else "End", self.end_edit)
        if target == "workout":
            form.addRow("Activity", self.activity)
        layout.addLayout(form)
        buttons = QHBoxLayout()
        self.reject_button = QPushButton("Reject")
        self.undo_button = QPushButton("Undo correction")
        buttons.addWidget(self.reject_button)
        if target == "sleep":
            self.apply_button = QPushButton("Move onset/wake")
            self.apply_button.clicked.connect(self._move)
        else:
            self.apply_button = QPushButton("Set activity")
            self.apply_button.clicked.connect(self._label)
            self.add_button = QPushButton("Add as new workout")
            self.add_button.clicked.connect(self._add)
            buttons.addWidget(self.add_button)
        buttons.addWidget(self.apply_button)
        buttons.addWidget(self.undo_button)
        close = QPushButton("Close")
        close.clicked.connect(self.accept)
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout.addLayout(buttons)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        self.reject_button.clicked.connect(lambda: self._act(lambda ref: self.service.reject(target, ref), "rejected"))
        self.undo_button.clicked.connect(lambda: self._act(lambda ref: self.service.undo(target, ref), "restored"))
        self.list.currentRowChanged.connect(self._chosen)
        self.reload()

    def reload(self) -> None:
        self._work(lambda: self.service.items(self.target, self.day), self._show_items)

    def _show_items(self, items: list[Any]) -> None:
        self.items = items
        self.list.clear()
        for i in items:
            start, end = datetime.fromtimestamp(i.start), datetime.fromtimestamp(i.end)
            mark = "  ·  rejected" if i.rejected else "  ·  edited" if i.edited else ""
            self.list.addItem(f"{i.kind}  {start:%a %H:%M} → {end:%a %H:%M}  ({i.source}){mark}")
        if items:
            self.list.setCurrentRow(0)
        else:
            base = datetime.combine(self.day, datetime.min.time()) + timedelta(hours=18)
            self.start_edit.setDateTime(_qdt(base.timestamp()))
            self.end_edit.setDateTime(_qdt(base.timestamp() + 3600))

    def _chosen(self, row: int) -> None:
        if 0 <= row < len(self.items):
            item = self.items[row]
            self.start_edit.setDateTime(_qdt(item.start))
            self.end_edit.setDateTime(_qdt(item.end))
            if self.target == "workout" and item.kind in ACTIVITIES:
                self.activity.setCurrentText(item.kind)

    def _current_ref(self) -> str | None:
        row = self.list.currentRow()
        if not 0 <= row < len(self.items):
            self.status.setText(f"Choose a {self.target} first.")
            return None
        return self.items[row].ref

    def _act(self, fn: Callable[[str], Any], verb: str) -> None:
        ref = self._current_ref()
        if ref:
            self._work(lambda: fn(ref), lambda _r: self._after(f"{self.target} {ref} {verb}"))

    def _move(self) -> None:
        onset = float(self.start_edit.dateTime().toSecsSinceEpoch())
        wake = float(self.end_edit.dateTime().toSecsSinceEpoch())
        self._act(lambda ref: self.service.edit_sleep(ref, onset, wake), "moved")

    def _label(self) -> None:
        activity = self.activity.currentText()
        self._act(lambda ref: self.service.label(ref, activity), f"labelled {activity}")

    def _add(self) -> None:
        start = float(self.start_edit.dateTime().toSecsSinceEpoch())
        end = float(self.end_edit.dateTime().toSecsSinceEpoch())
        activity = self.activity.currentText()
        self._work(lambda: self.service.add_workout(start, end, activity), lambda _r: self._after(f"{activity} added"))

    def _after(self, text: str) -> None:
        self.changed = True
        self.status.setText(text)
        self.reload()
        self.done_one.emit(text)

    def _work(self, fn: Callable[[], Any], then: Callable[[Any], None]) -> None:
        runner = self.context.runner

        async def job() -> tuple[bool, Any]:
            try:
                return True, await runner.run_blocking(fn)
            except Exception as exc:  # noqa: BLE001 - CorrectionError and friends: one line in the dialog
                return False, (str(exc).splitlines() or [type(exc).__name__])[0]

        def finish(result: tuple[bool, Any]) -> None:
            ok, value = result
            if ok:
                then(value)
            else:
                self.status.setText(value)
                self.done_one.emit(value)

        runner.spawn(job(), name=f"Correcting {self.target}s", on_result=finish)


def correct_button(page: Any, target: str, current_day: Callable[[], date | None]) -> QPushButton:
    """The 'Correct…' button a page adds next to its night picker / workout table."""
    button = QPushButton("Correct…")
    button.setToolTip(f"Reject or fix a detected {target}; your correction survives every recalculation")

    def open_dialog() -> None:
        day = current_day() or date.today()
        dialog = CorrectionsDialog(page.context, target, day, page)
        dialog.exec()
        if dialog.changed:
            page.refresh()
        dialog.deleteLater()

    button.clicked.connect(open_dialog)
    return button
