"""Strain & training: the day-strain history, training load (acute:chronic ratio, fitness / fatigue / form), and
every workout with its activity, calories and time in each heart-rate zone."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem, QWidget

from healthdesk.services.dashboard_types import SOURCE_LABELS, MetricHistory
from healthdesk.services.workout_view import (
    ZONE_NAMES,
    TrainingLoad,
    WorkoutDetail,
    training_load,
    workout_details,
)
from healthdesk.ui.charts.load import LoadChart
from healthdesk.ui.context import AppContext
from healthdesk.ui.pages.history import HistoryPage
from healthdesk.ui.widgets.common import DASH, Card, EmptyState, format_minutes


@dataclass(frozen=True)
class StrainData:
    histories: list[MetricHistory]
    workouts: list[WorkoutDetail]
    load: TrainingLoad


def zone_text(zones: list[float]) -> str:
    """'Z1 0:05 · Z2 0:12 · …' (h:mm in each zone); a dash when the zones are unknown."""
    if not zones:
        return DASH
    return "  \u00b7  ".join(f"{name} {format_minutes(m)}" for name, m in zip(ZONE_NAMES, zones, strict=True))


class WorkoutTable(QTableWidget):
    COLUMNS = ("Day", "Start", "Duration", "Strain", "Avg HR", "Activity", "Calories", "Time in zones (h:mm)",
               "Source")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(0, len(self.COLUMNS), parent)
        self.setHorizontalHeaderLabels(self.COLUMNS)
        self.verticalHeader().hide()
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(7, QHeaderView.ResizeMode.Stretch)
        self.setMinimumHeight(260)

    def set_rows(self, rows: list[WorkoutDetail]) -> None:
        self.setRowCount(len(rows))
        for i, w in enumerate(rows):
            start = w.start.astimezone()
            cells = (
                f"{w.day or start.date():%a %d %b}",  # the cycle's morning date, like the strain chart
                f"{start:%H:%M}",
                f"{format_minutes(w.minutes)} h",
                DASH if w.strain is None else f"{w.strain:.1f}",
                DASH if w.avg_hr is None else f"{w.avg_hr:.0f} bpm",
                w.activity,
                DASH if w.kcal is None else f"{w.kcal:.0f} kcal",
                zone_text(w.zone_minutes),
                SOURCE_LABELS.get(w.source, w.source),
            )
            for j, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if j == 6 and w.kcal is None and w.kcal_reason:
                    item.setToolTip(w.kcal_reason)
                    item.setText(f"{DASH} ({w.kcal_reason})")
                self.setItem(i, j, item)


class StrainPage(HistoryPage):
    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__("Strain", context, {"day_strain": (lambda v: f"{v:.1f}", (0.0, 21.0))}, parent)
        load_card = Card("Training load")
        self.load_chart = LoadChart()
        load_card.body.addWidget(self.load_chart)
        self.content.addWidget(load_card)
        card = Card("Workouts")
        self.workouts_empty = EmptyState("No workouts detected yet.")
        self.workouts = WorkoutTable()
        card.body.addWidget(self.workouts_empty)
        card.body.addWidget(self.workouts)
        from healthdesk.ui.dialogs.corrections import correct_button  # reject, relabel or add a workout

        card.body.addWidget(correct_button(self, "workout", lambda: next(
            (self.details[i.row()].day for i in self.workouts.selectedIndexes()), None)))
        self.workouts.hide()
        self.content.addWidget(card)
        self.content.addStretch(1)
        self.details: list[WorkoutDetail] = []

    def refresh(self) -> None:
        ctx = self.context
        if ctx.dashboard is None:  # the database is not open yet: keep the empty state
            self.loaded.emit()
            return
        dashboard, settings_file = ctx.dashboard, ctx.settings_file

        def load() -> StrainData:
            return StrainData([dashboard.history("day_strain")], workout_details(dashboard, settings_file),
                              training_load(dashboard))

        ctx.runner.spawn(ctx.runner.run_blocking(load), name="Loading strain", on_result=self._show)

    def _show(self, data: StrainData) -> None:
        self.details = data.workouts
        self.workouts.set_rows(data.workouts)
        self.workouts.setVisible(bool(data.workouts))
        self.workouts_empty.setVisible(not data.workouts)
        self.load_chart.set_load(data.load)
        self.show_histories(data.histories)
