"""Strain: the day-strain history and the list of workouts."""

from __future__ import annotations

from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem, QWidget

from healthdesk.services.dashboard_types import SOURCE_LABELS, WorkoutRow
from healthdesk.ui.context import AppContext
from healthdesk.ui.pages.history import HistoryPage
from healthdesk.ui.widgets.common import DASH, Card, EmptyState


class WorkoutTable(QTableWidget):
    COLUMNS = ("Day", "Start", "Duration", "Strain", "Avg HR", "Activity", "Source")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(0, len(self.COLUMNS), parent)
        self.setHorizontalHeaderLabels(self.COLUMNS)
        self.verticalHeader().hide()
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.setMinimumHeight(220)

    def set_rows(self, rows: list[WorkoutRow]) -> None:
        self.setRowCount(len(rows))
        for i, w in enumerate(rows):
            start = w.start.astimezone()
            minutes = (w.end - w.start).total_seconds() / 60
            cells = (
                f"{w.day or start.date():%a %d %b}",  # the cycle's morning date, like the strain chart
                f"{start:%H:%M}",
                f"{minutes:.0f} min",
                DASH if w.strain is None else f"{w.strain:.1f}",
                DASH if w.avg_hr is None else f"{w.avg_hr:.0f} bpm",
                w.kind or DASH,
                SOURCE_LABELS.get(w.source, w.source),
            )
            for j, text in enumerate(cells):
                self.setItem(i, j, QTableWidgetItem(text))


class StrainPage(HistoryPage):
    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__("Strain", context, {"day_strain": (lambda v: f"{v:.1f}", (0.0, 21.0))}, parent)
        card = Card("Workouts")
        self.workouts_empty = EmptyState("No workouts detected yet.")
        self.workouts = WorkoutTable()
        card.body.addWidget(self.workouts_empty)
        card.body.addWidget(self.workouts)
        self.workouts.hide()
        self.content.addWidget(card)
        self.content.addStretch(1)

    def refresh(self) -> None:
        ctx = self.context
        if ctx.dashboard is None:  # the database is not open yet: keep the empty state
            self.loaded.emit()
            return

        def load() -> tuple[list, list[WorkoutRow]]:
            return [ctx.dashboard.history("day_strain")], ctx.dashboard.workouts()

        ctx.runner.spawn(ctx.runner.run_blocking(load), name="Loading strain", on_result=self._show)

    def _show(self, result: tuple[list, list[WorkoutRow]]) -> None:
        histories, workouts = result
        self.workouts.set_rows(workouts)
        self.workouts.setVisible(bool(workouts))
        self.workouts_empty.setVisible(not workouts)
        self.show_histories(histories)
